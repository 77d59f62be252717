import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { toBuffer } from '../../db/database.ts';
import { type AuditEvent, hashAuditEntry } from '../audit/audit.service.ts';

/**
 * Appends several audit entries in one statement, inside the caller's transaction, for the
 * group commit. The entries are chained exactly as audit.service's recordAudit chains one
 * (same lock, same canonical form through the exported `hashAuditEntry`), so
 * `sanctuary audit verify` checks them like any other; audit-batch.test.ts verifies it.
 */
const AUDIT_CHAIN_LOCK = 0x5a4e_c7a1; // must equal audit.repository's lock key (checked by the test)
const GENESIS = Buffer.alloc(32);

export async function appendAuditBatch(trx: Db, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let seq = last?.seq ?? 0;
  let prevHash = last === undefined ? GENESIS : toBuffer(last.hash);
  const at = new Date();
  const rows = events.map((e) => {
    seq += 1;
    const entry = {
      seq,
      at,
      actor: e.actor.slice(0, 100),
      action: e.action.slice(0, 100),
      target: e.target?.slice(0, 200) ?? null,
      reason: e.reason?.slice(0, 500) ?? null,
    };
    const hash = hashAuditEntry(prevHash, entry);
    const row = { ...entry, prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  await trx.insertInto('audit_log').values(rows).execute();
}

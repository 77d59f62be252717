import { sql } from 'kysely';
import type { Keyring } from '../../src/crypto/index.ts';
import type { Db } from '../../src/db/database.ts';
import {
  type AuditCheckpoint,
  createAuditCheckpoint,
  hashAuditEntry,
} from '../../src/modules/audit/audit.service.ts';

/**
 * What an intruder who owns the tables does first: switch off the append-only triggers of
 * the audit log (ADR 0086), so the tamper tests can go on to edit, delete and re-chain rows
 * as the review's attacker did. The application's own role cannot do this (OPERATIONS.md).
 */
export async function disableAuditGuards(db: Db): Promise<void> {
  await sql`alter table audit_log disable trigger user`.execute(db);
  await sql`alter table audit_checkpoints disable trigger user`.execute(db);
}

/**
 * The review's attack on the audit log (issue 12, finding 2): with database access, delete
 * some entries, renumber and re-hash the rest so that every link is consistent again, throw
 * away the stored checkpoints and sign a fresh one with a key of the intruder's own.
 */
export async function rewriteAuditLog(
  db: Db,
  deleteSeqs: ReadonlySet<number>,
  attackerKeyring: Keyring,
): Promise<AuditCheckpoint> {
  await disableAuditGuards(db);
  const kept = (await db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).filter(
    (row) => !deleteSeqs.has(row.seq),
  );
  let prev: Buffer = Buffer.alloc(32);
  const rows = kept.map((row, i) => {
    const entry = { ...row, seq: i + 1, prev_hash: prev };
    const hash = hashAuditEntry(prev, entry);
    prev = hash;
    return { ...entry, hash };
  });
  await db.deleteFrom('audit_log').execute();
  await db.deleteFrom('audit_checkpoints').execute();
  for (const row of rows) await db.insertInto('audit_log').values(row).execute();
  const forged = await createAuditCheckpoint(db, attackerKeyring);
  if (forged === undefined) throw new Error('nothing left to sign');
  return forged;
}

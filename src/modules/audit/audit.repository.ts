import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AuditCheckpointsTable, AuditLogTable } from '../../db/types.ts';
import type { AuditAction } from './audit-actions.ts';

/** Every audited write takes this transaction-scoped advisory lock, so the chain has one order. */
const AUDIT_CHAIN_LOCK = 0x5a4e_c7a1;

export async function lockAuditChain(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
}

export async function findLastAuditEntry(trx: Db): Promise<AuditLogTable | undefined> {
  return trx.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/**
 * Inserts chained entries in one statement with one array per column (`unnest`): the text
 * never changes with the number of entries, and a batch of a few hundred costs no per-value
 * query building (the intake group commit appends one entry per submission this way).
 * Times travel as ISO strings (millisecond precision, exactly what the hash covers).
 */
export async function insertAuditEntries(trx: Db, entries: AuditLogTable[]): Promise<void> {
  if (entries.length === 0) return;
  const column = <K extends keyof AuditLogTable>(key: K) => entries.map((e) => e[key]);
  await trx.executeQuery(
    CompiledQuery.raw(
      `insert into audit_log (seq, at, actor, action, target, reason, prev_hash, hash)
       select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::bytea[], $8::bytea[])`,
      [
        column('seq'),
        entries.map((e) => e.at.toISOString()),
        column('actor'),
        column('action'),
        column('target'),
        column('reason'),
        column('prev_hash'),
        column('hash'),
      ],
    ),
  );
}

/** Reads the log in pages, in sequence order, for verification without loading it whole. */
export async function* iterateAuditEntries(db: Db, pageSize = 5000): AsyncGenerator<AuditLogTable> {
  let after = -1;
  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(pageSize)
      .execute();
    for (const row of page) yield row;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

export async function countAuditEntries(db: Db): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertAuditCheckpoint(db: Db, checkpoint: AuditCheckpointsTable): Promise<void> {
  await db
    .insertInto('audit_checkpoints')
    .values(checkpoint)
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
}

export async function listAuditCheckpoints(db: Db): Promise<AuditCheckpointsTable[]> {
  return db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'asc').execute();
}

export async function findAuditEntriesForTarget(
  db: Db,
  target: string,
  limit = 200,
): Promise<AuditLogTable[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('target', '=', target)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** How often each target was the subject of one action since a time, per reason (for alerts). */
export async function countAuditActionsByTarget(
  db: Db,
  action: AuditAction,
  since: Date,
): Promise<{ target: string; reason: string | null; n: number }[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['target', 'reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('at', '>=', since)
    .where('action', '=', action)
    .where('target', 'is not', null)
    .groupBy(['target', 'reason'])
    .execute();
  return rows.map((r) => ({ target: r.target ?? '', reason: r.reason, n: Number(r.n) }));
}

/** How many `action` entries `actor` made since `since`. */
export async function countAuditActionsByActor(
  db: Db,
  actor: string,
  action: AuditAction,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('actor', '=', actor)
    .where('action', '=', action)
    .where('at', '>=', since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Entries of some actions since a time, oldest first (the workspace's access-anomaly report). */
export async function listAuditEntriesSince(
  db: Db,
  since: Date,
  actions: readonly AuditAction[],
  limit = 50_000,
) {
  return db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor', 'action', 'target', 'reason'])
    .where('at', '>=', since)
    .where('action', 'in', actions)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** What the audit-log viewer filters by (issue 21 item 4); every field optional. */
export interface AuditPageFilter {
  actor?: string | undefined;
  action?: string | undefined;
  /** An exact target (`case:REF`, `staff:ID`). */
  target?: string | undefined;
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  /** Keyset paging: entries older than this sequence number. */
  beforeSeq?: number | undefined;
  limit: number;
}

/** One page of the log, newest first, with one entry more than asked when there is a next page. */
export async function listAuditPage(db: Db, f: AuditPageFilter) {
  let q = db.selectFrom('audit_log').select(['seq', 'at', 'actor', 'action', 'target', 'reason']);
  if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
  if (f.action !== undefined) q = q.where('action', '=', f.action);
  if (f.target !== undefined) q = q.where('target', '=', f.target);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
  const rows = await q
    .orderBy('seq', 'desc')
    .limit(f.limit + 1)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  CheckpointForksTable,
  CheckpointLog,
  WitnessCopiesTable,
  WitnessHeartbeatsTable,
  WitnessPeerRole,
  WitnessReceiptsTable,
  WitnessSilencesTable,
} from '../../db/types.ts';

/** Typed SQL of the witness module's three tables (ADR 0175). Plain functions; they never throw HTTP errors. */
export type CopyRow = Selectable<WitnessCopiesTable>;
export type ReceiptRow = Selectable<WitnessReceiptsTable>;
export type ForkRow = Selectable<CheckpointForksTable>;
export type HeartbeatRow = Selectable<WitnessHeartbeatsTable>;
export type SilenceRow = Selectable<WitnessSilencesTable>;

export async function findCopy(
  db: Db,
  origin: string,
  log: CheckpointLog,
  seq: number,
): Promise<CopyRow | undefined> {
  return db
    .selectFrom('witness_copies')
    .selectAll()
    .where('origin', '=', origin)
    .where('log', '=', log)
    .where('seq', '=', seq)
    .executeTakeFirst();
}

/** Inserts a copy unless one exists for (origin, log, seq); returns whether this one was stored. */
export async function insertCopy(db: Db, row: WitnessCopiesTable): Promise<boolean> {
  const result = await db
    .insertInto('witness_copies')
    .values(row)
    .onConflict((oc) => oc.columns(['origin', 'log', 'seq']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listCopies(db: Db, origin: string, log: CheckpointLog): Promise<CopyRow[]> {
  return db
    .selectFrom('witness_copies')
    .selectAll()
    .where('origin', '=', origin)
    .where('log', '=', log)
    .orderBy('seq')
    .execute();
}

export async function upsertReceipt(db: Db, row: WitnessReceiptsTable): Promise<void> {
  await db
    .insertInto('witness_receipts')
    .values(row)
    .onConflict((oc) => oc.columns(['witness', 'log', 'seq']).doNothing())
    .execute();
}

export async function listReceipts(db: Db, log: CheckpointLog): Promise<ReceiptRow[]> {
  return db.selectFrom('witness_receipts').selectAll().where('log', '=', log).orderBy('seq').execute();
}

/** Records a fork once per (origin, log, seq, second head); returns whether it is new. */
export async function insertFork(db: Db, row: Omit<CheckpointForksTable, 'raised_at'>): Promise<boolean> {
  const result = await db
    .insertInto('checkpoint_forks')
    .values(row)
    .onConflict((oc) => oc.columns(['origin', 'log', 'seq', 'second_head']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listForkRows(
  db: Db,
  options: { open?: boolean; limit?: number } = {},
): Promise<ForkRow[]> {
  let query = db.selectFrom('checkpoint_forks').selectAll();
  if (options.open === true) query = query.where('acknowledged_at', 'is', null);
  return query
    .orderBy('raised_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 200)
    .execute();
}

export async function countForks(db: Db): Promise<{ open: number; acknowledged: number }> {
  const rows = await db
    .selectFrom('checkpoint_forks')
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere('acknowledged_at', 'is', null).as('open'),
      eb.fn.countAll<string>().filterWhere('acknowledged_at', 'is not', null).as('acknowledged'),
    ])
    .executeTakeFirst();
  return { open: Number(rows?.open ?? 0), acknowledged: Number(rows?.acknowledged ?? 0) };
}

/** Acknowledges an open fork; returns whether one was. */
export async function acknowledgeForkRow(db: Db, id: string, by: string): Promise<boolean> {
  const result = await db
    .updateTable('checkpoint_forks')
    .set({ acknowledged_by: by, acknowledged_at: new Date() })
    .where('id', '=', id)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- the silence alarm (ADR 0213) ------------------------------------------------------------

/**
 * Notes a checkpoint exchanged with a peer: keeps the newest checkpoint time (a late retry of an
 * older one never moves it back).
 */
export async function noteHeartbeat(
  db: Db,
  role: WitnessPeerRole,
  peer: string,
  checkpointAt: Date,
  now: Date,
): Promise<void> {
  await db
    .insertInto('witness_heartbeats')
    .values({ peer_role: role, peer, last_checkpoint_at: checkpointAt, watched_since: now })
    .onConflict((oc) =>
      oc.columns(['peer_role', 'peer']).doUpdateSet({
        last_checkpoint_at: sql<Date>`greatest(witness_heartbeats.last_checkpoint_at, excluded.last_checkpoint_at)`,
      }),
    )
    .execute();
}

/** Starts watching a peer that has no heartbeat yet (a witness just configured). */
export async function watchPeer(db: Db, role: WitnessPeerRole, peer: string, now: Date): Promise<void> {
  await db
    .insertInto('witness_heartbeats')
    .values({ peer_role: role, peer, last_checkpoint_at: null, watched_since: now })
    .onConflict((oc) => oc.columns(['peer_role', 'peer']).doNothing())
    .execute();
}

export async function listHeartbeats(db: Db, role: WitnessPeerRole): Promise<HeartbeatRow[]> {
  return db
    .selectFrom('witness_heartbeats')
    .selectAll()
    .where('peer_role', '=', role)
    .orderBy('peer')
    .execute();
}

/** Raises a silence unless one is open for the peer; returns whether this one was. */
export async function insertSilence(
  db: Db,
  row: Omit<WitnessSilencesTable, 'ended_at' | 'acknowledged_by' | 'acknowledged_at'>,
): Promise<boolean> {
  const result = await db
    .insertInto('witness_silences')
    .values({ ...row, ended_at: null, acknowledged_by: null, acknowledged_at: null })
    .onConflict((oc) => oc.columns(['peer_role', 'peer']).where('ended_at', 'is', null).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Ends the open silence of a peer, if any; returns its id. */
export async function endSilence(
  db: Db,
  role: WitnessPeerRole,
  peer: string,
  now: Date,
): Promise<string | undefined> {
  const row = await db
    .updateTable('witness_silences')
    .set({ ended_at: now })
    .where('peer_role', '=', role)
    .where('peer', '=', peer)
    .where('ended_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** Silences not yet acknowledged, newest first (the administration page). */
export async function listUnacknowledgedSilences(db: Db, limit = 200): Promise<SilenceRow[]> {
  return db
    .selectFrom('witness_silences')
    .selectAll()
    .where('acknowledged_at', 'is', null)
    .orderBy('raised_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function countSilences(db: Db): Promise<{ silent: number; unacknowledged: number }> {
  const row = await db
    .selectFrom('witness_silences')
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere('ended_at', 'is', null).as('silent'),
      eb.fn.countAll<string>().filterWhere('acknowledged_at', 'is', null).as('unacknowledged'),
    ])
    .executeTakeFirst();
  return { silent: Number(row?.silent ?? 0), unacknowledged: Number(row?.unacknowledged ?? 0) };
}

/** Acknowledges a silence alarm; returns whether one was. */
export async function acknowledgeSilenceRow(db: Db, id: string, by: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('witness_silences')
    .set({ acknowledged_by: by, acknowledged_at: now })
    .where('id', '=', id)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  CheckpointForksTable,
  CheckpointLog,
  WitnessCopiesTable,
  WitnessReceiptsTable,
} from '../../db/types.ts';

/** Typed SQL of the witness module's three tables (ADR 0175). Plain functions; they never throw HTTP errors. */
export type CopyRow = Selectable<WitnessCopiesTable>;
export type ReceiptRow = Selectable<WitnessReceiptsTable>;
export type ForkRow = Selectable<CheckpointForksTable>;

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

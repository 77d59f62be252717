import { type Insertable, type Selectable, sql } from 'kysely';
import { type Db, toBuffer } from '../../db/database.ts';
import type {
  LedgerAccountsTable,
  LedgerCheckpointsTable,
  LedgerConversionsTable,
  LedgerEntriesTable,
  LedgerRatesTable,
  LedgerTransfersTable,
} from '../../db/types.ts';

/** One advisory lock serialises appends to the ledger's chain (a different number from the audit log's). */
const LEDGER_CHAIN_LOCK = 7_243_019_115;

export type LedgerAccountRow = Selectable<LedgerAccountsTable>;
export type LedgerTransferRow = Selectable<LedgerTransfersTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;

export async function lockLedgerChain(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LEDGER_CHAIN_LOCK})`.execute(trx);
}

export async function findCurrency(
  db: Db,
  code: string,
): Promise<{ code: string; minor_units: number } | undefined> {
  return db
    .selectFrom('ledger_currencies')
    .select(['code', 'minor_units'])
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function insertCurrency(db: Db, code: string, minorUnits: number): Promise<boolean> {
  const r = await db
    .insertInto('ledger_currencies')
    .values({ code, minor_units: minorUnits })
    .onConflict((oc) => oc.column('code').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listCurrencies(db: Db): Promise<{ code: string; minor_units: number }[]> {
  return db.selectFrom('ledger_currencies').select(['code', 'minor_units']).orderBy('code').execute();
}

export async function insertAccount(db: Db, row: Insertable<LedgerAccountsTable>): Promise<void> {
  await db.insertInto('ledger_accounts').values(row).execute();
}

export async function findAccountByCode(db: Db, code: string): Promise<LedgerAccountRow | undefined> {
  return db.selectFrom('ledger_accounts').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function findAccountById(db: Db, id: string): Promise<LedgerAccountRow | undefined> {
  return db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAccounts(db: Db): Promise<LedgerAccountRow[]> {
  return db.selectFrom('ledger_accounts').selectAll().orderBy('code').execute();
}

/** Locks the accounts of one transfer, always in id order, so two transfers never deadlock. */
export async function lockAccounts(trx: Db, ids: readonly string[]): Promise<LedgerAccountRow[]> {
  const sorted = [...new Set(ids)].sort();
  const rows: LedgerAccountRow[] = [];
  for (const id of sorted) {
    const row = await trx
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

export type BalanceColumn = 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted';

/** Adds (or, with a negative delta, takes away) an amount on one balance column of a locked account. */
export async function addToBalance(
  trx: Db,
  accountId: string,
  column: BalanceColumn,
  delta: number,
): Promise<void> {
  await trx
    .updateTable('ledger_accounts')
    .set({ [column]: sql`${sql.ref(column)} + ${delta}` })
    .where('id', '=', accountId)
    .execute();
}

export async function findTransfer(db: Db, id: string): Promise<LedgerTransferRow | undefined> {
  return db.selectFrom('ledger_transfers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTransferForUpdate(trx: Db, id: string): Promise<LedgerTransferRow | undefined> {
  return trx.selectFrom('ledger_transfers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Inserts a transfer unless its id exists; true when this call inserted it. */
export async function insertTransfer(trx: Db, row: Insertable<LedgerTransfersTable>): Promise<boolean> {
  const r = await trx
    .insertInto('ledger_transfers')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function setTransferStatus(
  trx: Db,
  id: string,
  status: LedgerTransferRow['status'],
  decidedBy: string,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('ledger_transfers')
    .set({ status, decided_by: decidedBy, decided_at: at })
    .where('id', '=', id)
    .execute();
}

export async function listExpiredPending(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_transfers')
    .select('id')
    .where('status', '=', 'pending')
    .where('timeout_at', '<=', now)
    .orderBy('timeout_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function listTransfers(
  db: Db,
  options: { accountId?: string; limit: number },
): Promise<LedgerTransferRow[]> {
  let q = db.selectFrom('ledger_transfers').selectAll();
  if (options.accountId !== undefined) {
    const id = options.accountId;
    q = q.where((eb) => eb.or([eb('debit_account_id', '=', id), eb('credit_account_id', '=', id)]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id').limit(options.limit).execute();
}

export async function* iterateTransfers(db: Db, pageSize = 10_000): AsyncGenerator<LedgerTransferRow> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const row of page) yield row;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}

/** The chain's head: the last entry's seq and hash (not its events). */
export async function findChainHead(trx: Db): Promise<{ seq: number; hash: Buffer } | undefined> {
  const row = await trx
    .selectFrom('ledger_entries')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : { seq: row.seq, hash: toBuffer(row.hash) };
}

/** Appends one block entry (ADR 0215): its events travel as one text parameter. */
export async function insertBlock(
  trx: Db,
  row: { seq: number; at: Date; events: string; prev_hash: Buffer; hash: Buffer },
): Promise<void> {
  await trx.insertInto('ledger_entries').values(row).execute();
}

/** Appends entries with one statement (one parameter, however many rows: no per-row binding). */
export async function insertEntries(trx: Db, rows: LedgerEntryRow[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map((r) => ({
      ...r,
      prev_hash: toBuffer(r.prev_hash).toString('hex'),
      hash: toBuffer(r.hash).toString('hex'),
    })),
  );
  await sql`
    insert into ledger_entries (seq, at, transfer_id, event, debit_account_id, credit_account_id, amount,
      currency, actor, prev_hash, hash)
    select seq, at, transfer_id, event, debit_account_id, credit_account_id, amount, currency, actor,
      decode(prev_hash, 'hex'), decode(hash, 'hex')
    from jsonb_to_recordset(${json}::jsonb) as v(seq bigint, at timestamptz, transfer_id uuid, event text,
      debit_account_id uuid, credit_account_id uuid, amount bigint, currency text, actor text,
      prev_hash text, hash text)
    order by seq
  `.execute(trx);
}

/**
 * Every entry in chain order, a page at a time: at most `pageSize` entries, and no more than
 * `budget` bytes of blocks (16 MB; ADR 0215), so a page of large blocks stays small in memory.
 * A page always holds at least one entry.
 */
export async function* iterateEntries(
  db: Db,
  pageSize = 10_000,
  budget = 16 * 1024 * 1024,
): AsyncGenerator<LedgerEntryRow> {
  let after = 0;
  for (;;) {
    const result = await sql<LedgerEntryRow>`
      select seq, at, transfer_id, event, debit_account_id, credit_account_id, amount, currency, actor,
        prev_hash, hash, events
      from (
        select e.*, sum(coalesce(octet_length(e.events), 0)) over (order by e.seq) as size,
          coalesce(octet_length(e.events), 0) as own
        from (select * from ledger_entries where seq > ${after} order by seq limit ${pageSize}) e
      ) page
      where page.size - page.own < ${budget}
      order by seq
    `.execute(db);
    const rows = result.rows;
    for (const row of rows) yield row;
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.seq;
  }
}

export async function insertCheckpoint(db: Db, row: LedgerCheckpointsTable): Promise<void> {
  await db.insertInto('ledger_checkpoints').values(row).execute();
}

export async function listCheckpoints(db: Db): Promise<Selectable<LedgerCheckpointsTable>[]> {
  return db.selectFrom('ledger_checkpoints').selectAll().orderBy('seq').execute();
}

export async function insertRate(db: Db, row: Insertable<LedgerRatesTable>): Promise<void> {
  await db.insertInto('ledger_rates').values(row).execute();
}

export async function findRate(db: Db, id: string): Promise<Selectable<LedgerRatesTable> | undefined> {
  return db.selectFrom('ledger_rates').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The newest rate for a pair on or before a day. */
export async function findRateOn(
  db: Db,
  from: string,
  to: string,
  day: string,
): Promise<Selectable<LedgerRatesTable> | undefined> {
  return db
    .selectFrom('ledger_rates')
    .selectAll()
    .where('from_currency', '=', from)
    .where('to_currency', '=', to)
    .where('rate_date', '<=', day)
    .orderBy('rate_date', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertConversion(db: Db, row: Insertable<LedgerConversionsTable>): Promise<void> {
  await db.insertInto('ledger_conversions').values(row).execute();
}

export async function findConversion(
  db: Db,
  id: string,
): Promise<Selectable<LedgerConversionsTable> | undefined> {
  return db.selectFrom('ledger_conversions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every conversion with its rate and the amounts and currencies of its two legs (for `ledger verify`). */
export async function listConversionChecks(db: Db) {
  return db
    .selectFrom('ledger_conversions as c')
    .innerJoin('ledger_rates as r', 'r.id', 'c.rate_id')
    .innerJoin('ledger_transfers as o', 'o.id', 'c.out_transfer_id')
    .innerJoin('ledger_transfers as i', 'i.id', 'c.in_transfer_id')
    .select([
      'c.id',
      'r.rate',
      'r.from_currency',
      'r.to_currency',
      'o.amount as out_amount',
      'o.currency as out_currency',
      'i.amount as in_amount',
      'i.currency as in_currency',
    ])
    .execute();
}

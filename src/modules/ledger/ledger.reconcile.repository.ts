import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  LedgerStatementLinesTable,
  LedgerStatementMappingsTable,
  LedgerStatementsTable,
} from '../../db/types.ts';
import type { LedgerTransferRow } from './ledger.repository.ts';

/** Rows of reconciliation (ADR 0124): statement mappings, statements and their lines. */
export type StatementMappingRow = Selectable<LedgerStatementMappingsTable>;
export type StatementLineRow = Selectable<LedgerStatementLinesTable>;

export async function upsertMapping(db: Db, row: StatementMappingRow): Promise<void> {
  const { holding_account_id: _, ...rest } = row;
  await db
    .insertInto('ledger_statement_mappings')
    .values(row)
    .onConflict((oc) => oc.column('holding_account_id').doUpdateSet(rest))
    .execute();
}

export async function findMapping(db: Db, holdingId: string): Promise<StatementMappingRow | undefined> {
  return db
    .selectFrom('ledger_statement_mappings')
    .selectAll()
    .where('holding_account_id', '=', holdingId)
    .executeTakeFirst();
}

/** Serialises the matching of one holding's lines (import, match and unmatch by hand). */
export async function lockMapping(trx: Db, holdingId: string): Promise<StatementMappingRow | undefined> {
  return trx
    .selectFrom('ledger_statement_mappings')
    .selectAll()
    .where('holding_account_id', '=', holdingId)
    .forUpdate()
    .executeTakeFirst();
}

/** Inserts a statement unless the same one (holding, fingerprint) exists; its id either way. */
export async function insertStatement(
  trx: Db,
  row: Insertable<LedgerStatementsTable>,
): Promise<{ id: string; inserted: boolean }> {
  const r = await trx
    .insertInto('ledger_statements')
    .values(row)
    .onConflict((oc) => oc.columns(['holding_account_id', 'fingerprint']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (r !== undefined) return { id: r.id, inserted: true };
  const existing = await trx
    .selectFrom('ledger_statements')
    .select('id')
    .where('holding_account_id', '=', row.holding_account_id)
    .where('fingerprint', '=', row.fingerprint as Buffer)
    .executeTakeFirstOrThrow();
  return { id: existing.id, inserted: false };
}

export async function setStatementNewLines(trx: Db, id: string, newLines: number): Promise<void> {
  await trx.updateTable('ledger_statements').set({ new_lines: newLines }).where('id', '=', id).execute();
}

/** Inserts the lines not yet stored for the holding (by fingerprint); how many were new. */
export async function insertLines(trx: Db, rows: Insertable<LedgerStatementLinesTable>[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 1_000) {
    const r = await trx
      .insertInto('ledger_statement_lines')
      .values(rows.slice(i, i + 1_000))
      .onConflict((oc) => oc.columns(['holding_account_id', 'fingerprint']).doNothing())
      .returning('id')
      .execute();
    inserted += r.length;
  }
  return inserted;
}

export async function listLines(
  db: Db,
  holdingId: string,
  options: { matched: boolean; limit: number },
): Promise<StatementLineRow[]> {
  let q = db.selectFrom('ledger_statement_lines').selectAll().where('holding_account_id', '=', holdingId);
  q = options.matched ? q.where('transfer_id', 'is not', null) : q.where('transfer_id', 'is', null);
  return q.orderBy('booked_on').orderBy('line_no').orderBy('id').limit(options.limit).execute();
}

export async function findLine(db: Db, id: string): Promise<StatementLineRow | undefined> {
  return db.selectFrom('ledger_statement_lines').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findLineOfTransfer(db: Db, transferId: string): Promise<StatementLineRow | undefined> {
  return db
    .selectFrom('ledger_statement_lines')
    .selectAll()
    .where('transfer_id', '=', transferId)
    .executeTakeFirst();
}

export async function setLineMatch(
  trx: Db,
  id: string,
  match: Pick<StatementLineRow, 'transfer_id' | 'match_kind' | 'matched_by' | 'matched_at' | 'held'>,
): Promise<void> {
  await trx.updateTable('ledger_statement_lines').set(match).where('id', '=', id).execute();
}

/** Posted transfers into or out of the holding that no statement line matches yet. */
export async function listUnmatchedTransfers(
  db: Db,
  holdingId: string,
  options: { from?: Date; to?: Date; limit: number },
): Promise<LedgerTransferRow[]> {
  let q = db
    .selectFrom('ledger_transfers as t')
    .selectAll('t')
    .where('t.status', '=', 'posted')
    .where((eb) =>
      eb.or([eb('t.debit_account_id', '=', holdingId), eb('t.credit_account_id', '=', holdingId)]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ledger_statement_lines as l')
            .select(sql`1`.as('one'))
            .whereRef('l.transfer_id', '=', 't.id'),
        ),
      ),
    );
  if (options.from !== undefined) q = q.where('t.decided_at', '>=', options.from);
  if (options.to !== undefined) q = q.where('t.decided_at', '<', options.to);
  return q.orderBy('t.decided_at').orderBy('t.id').limit(options.limit).execute();
}

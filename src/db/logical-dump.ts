import { sql } from 'kysely';
import type { Db, Tx } from './database.ts';

/**
 * A logical copy of the application's tables that reads and writes the same way on PGlite and
 * on PostgreSQL, through the app's own connection (ADR 0113): each row as the text of
 * `row_to_json` (bytea as `\x…` hex, timestamps in ISO 8601, jsonb as JSON), loaded back with
 * `json_populate_recordset`, which runs every column's own input function. Nothing here knows
 * a table: the shapes come from the catalogue, so a new migration is covered without a change.
 * Everything stays what the database held: ciphertexts, blind indexes and wrapped keys.
 */
export interface TableShape {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface SequenceValue {
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/** Kysely's own bookkeeping: rebuilt by migrating the target, never copied. */
const MIGRATION_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * The application's tables with their columns (in table order), sorted so that every table
 * comes after the tables its foreign keys point to: loading in this order never violates a
 * constraint. A table that refers to itself would need its rows ordered too; none does, and
 * the load then fails loudly rather than silently.
 */
export async function tablesInLoadOrder(db: Db | Tx): Promise<TableShape[]> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.relname as table_name, a.attname as column_name
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db);
  const edges = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = 'public'`.execute(db);
  const shapes = new Map<string, string[]>();
  for (const row of columns.rows) {
    if (MIGRATION_TABLES.has(row.table_name)) continue;
    const list = shapes.get(row.table_name) ?? [];
    list.push(row.column_name);
    shapes.set(row.table_name, list);
  }
  const parents = new Map<string, Set<string>>([...shapes.keys()].map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges.rows) {
    if (child !== parent) parents.get(child)?.add(parent);
  }
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (placed.size < shapes.size) {
    const ready = [...shapes.keys()]
      .filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)))
      .sort();
    if (ready.length === 0) throw new Error('the tables refer to each other in a cycle; cannot order them');
    for (const t of ready) {
      placed.add(t);
      ordered.push({ name: t, columns: shapes.get(t)! });
    }
  }
  return ordered;
}

/**
 * Every row of `table` as JSON text, `batch` rows at a time, through a cursor: memory stays
 * bounded whatever the table's size. Call inside the one REPEATABLE READ transaction, so that
 * every table is read from the same snapshot.
 */
export async function* readRows(trx: Tx, table: string, batch = 500): AsyncGenerator<string[]> {
  await sql`declare sanctuary_dump no scroll cursor for
    select row_to_json(t)::text as r from ${sql.table(table)} as t`.execute(trx);
  try {
    for (;;) {
      const { rows } = await sql<{ r: string }>`fetch forward ${sql.lit(batch)} from sanctuary_dump`.execute(
        trx,
      );
      if (rows.length === 0) return;
      yield rows.map((row) => row.r);
    }
  } finally {
    await sql`close sanctuary_dump`.execute(trx);
  }
}

/** Loads rows written by `readRows` into `table` (identity columns keep their values). */
export async function insertRows(trx: Tx, table: string, rows: readonly string[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`insert into ${sql.table(table)} overriding system value
    select * from json_populate_recordset(null::${sql.table(table)}, ${`[${rows.join(',')}]`}::json)`.execute(
    trx,
  );
}

/** The current value of every sequence (shared timeline numbers, identity columns). */
export async function readSequences(trx: Tx): Promise<SequenceValue[]> {
  const names = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'S' and n.nspname = 'public' order by 1`.execute(trx);
  const out: SequenceValue[] = [];
  for (const { name } of names.rows) {
    const { rows } = await sql<{ last_value: string | number; is_called: boolean }>`
      select last_value, is_called from ${sql.table(name)}`.execute(trx);
    out.push({ name, lastValue: String(rows[0]!.last_value), isCalled: rows[0]!.is_called });
  }
  return out;
}

/** Sets each sequence back to where it was, so new rows never reuse a restored number. */
export async function restoreSequences(trx: Tx, values: readonly SequenceValue[]): Promise<void> {
  for (const v of values) {
    if (!/^-?\d{1,19}$/.test(v.lastValue)) throw new Error(`sequence ${v.name}: not a number`);
    await sql`select setval(${`"${v.name.replace(/"/g, '""')}"`}::regclass, ${v.lastValue}::bigint, ${v.isCalled})`.execute(
      trx,
    );
  }
}

/** How many rows `table` holds. */
export async function countRows(db: Db | Tx, table: string): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(
    db,
  );
  return Number(rows[0]!.n);
}

/** Empties the tables, children first (pass them in reverse load order). */
export async function clearTables(trx: Tx, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    if ((await countRows(trx, table)) > 0) await sql`delete from ${sql.table(table)}`.execute(trx);
  }
}

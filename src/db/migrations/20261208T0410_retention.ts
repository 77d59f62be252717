import { type Kysely, sql } from 'kysely';

/**
 * Issue 18, item 3 (ADR 0139): retention rules and legal holds.
 *
 * - `retention_rules`: one row per case status (and, for closed cases, optionally per closing
 *   reason; '' = any reason): a case in that state whose last activity is older than
 *   `after_days` days is erased by the daily job. Changed only through a two-person act.
 * - `legal_holds`: a case under hold is never erased, whatever the rules say.
 * Plain migration: never imports application code.
 */
const UP = [
  `create table retention_rules (
     status text not null,
     closing_reason text not null default '',
     after_days integer not null check (after_days between 1 and 36500),
     primary key (status, closing_reason)
   )`,
  `create table legal_holds (
     case_id uuid primary key references cases (id) on delete cascade,
     placed_by uuid references staff (id),
     placed_at timestamptz not null default now()
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table legal_holds`.execute(db);
  await sql`drop table retention_rules`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * Issue 12, findings 6, 9 and 15: three more kinds of four-eyes approval in `case_approvals`
 * (ADR 0056), one approval system for all of them.
 *
 * - `self_assign`: a coordinator assigning a case to themselves (or to a team of theirs),
 *   which would open its content to them (ADR 0094). `payload_enc` holds the requested team
 *   and assignee under the case's data key; `expected_version` the case version.
 * - `case_pdf`: a single-case PDF beyond the requester's daily quota (ADR 0096).
 * - `watchlist_import`: an imported watchlist, matched against nobody until a second person
 *   approves it (ADR 0095). `watchlist_id` names it.
 *
 * Watchlists gain a status (existing lists stay active), the declared source (encrypted under
 * the list's own data key, AAD watchlists|source|id) and who approved them when.
 * Plain migration: never imports application code.
 */
const UP = [
  'alter table case_approvals drop constraint case_approvals_kind_check',
  `alter table case_approvals add constraint case_approvals_kind_check
     check (kind in ('close_not_genuine', 'bulk_export', 'self_assign', 'case_pdf', 'watchlist_import'))`,
  `alter table watchlists add column status text not null default 'active'
     check (status in ('pending', 'active', 'rejected'))`,
  'alter table watchlists add column source_enc bytea',
  'alter table watchlists add column approved_by uuid references staff (id)',
  'alter table watchlists add column approved_at timestamptz',
  'alter table case_approvals add column watchlist_id uuid references watchlists (id) on delete cascade',
  "create index case_approvals_pdf on case_approvals (requested_by, requested_at) where kind = 'case_pdf'",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'drop index case_approvals_pdf',
    'alter table case_approvals drop column watchlist_id',
    'alter table watchlists drop column approved_at',
    'alter table watchlists drop column approved_by',
    'alter table watchlists drop column source_enc',
    'alter table watchlists drop column status',
    `delete from case_approvals where kind not in ('close_not_genuine', 'bulk_export')`,
    'alter table case_approvals drop constraint case_approvals_kind_check',
    `alter table case_approvals add constraint case_approvals_kind_check
       check (kind in ('close_not_genuine', 'bulk_export'))`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

import { type Kysely, sql } from 'kysely';

/**
 * Issue 18, item 1 (ADR 0138): every privileged act is a request in `case_approvals` that a
 * second person approves. The kinds are now the registry's (each module registers its own),
 * so the table no longer lists them; a request may carry a deadline and name the staff
 * account it concerns (whose holder may never approve it).
 * Plain migration: never imports application code.
 */
const UP = [
  'alter table case_approvals drop constraint case_approvals_kind_check',
  'alter table case_approvals add column expires_at timestamptz',
  'alter table case_approvals add column subject_staff_id uuid references staff (id) on delete cascade',
  "create index case_approvals_pending_acts on case_approvals (requested_at) where status = 'pending'",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'drop index case_approvals_pending_acts',
    'alter table case_approvals drop column subject_staff_id',
    'alter table case_approvals drop column expires_at',
    `delete from case_approvals where kind not in
       ('close_not_genuine', 'bulk_export', 'self_assign', 'case_pdf', 'watchlist_import')`,
    `alter table case_approvals add constraint case_approvals_kind_check
       check (kind in ('close_not_genuine', 'bulk_export', 'self_assign', 'case_pdf', 'watchlist_import'))`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

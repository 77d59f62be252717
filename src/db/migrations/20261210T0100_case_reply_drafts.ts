import { type Kysely, sql } from 'kysely';

/**
 * Reply drafts on the case file (issue 21 item 1, ADR 0181): one draft per case and staff
 * member, kept on the server encrypted under the case's key (never on the staff laptop), so a
 * draft survives inserting a template and leaving the page. Erased with the case (cascade) and
 * when the reply is sent.
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_reply_drafts (
      case_id uuid not null references cases (id) on delete cascade,
      staff_id uuid not null references staff (id) on delete cascade,
      body_enc bytea not null,
      updated_at timestamptz not null default now(),
      primary key (case_id, staff_id)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table case_reply_drafts`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * In-app notifications (issue 21 item 3, ADR 0187): one row per staff member and event, with
 * no content (a kind, the case, the day), and each member's e-mail digest choice (ADR 0188).
 * Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table staff_notifications (
      id uuid primary key,
      staff_id uuid not null references staff (id) on delete cascade,
      kind text not null check (kind in ('new_case', 'new_message')),
      case_id uuid not null references cases (id) on delete cascade,
      source_id uuid not null,
      created_on date not null default current_date,
      seq bigint generated always as identity,
      read boolean not null default false,
      emailed boolean not null default false,
      unique (staff_id, kind, source_id)
    )`.execute(db);
  await sql`create index staff_notifications_unread on staff_notifications (staff_id, seq) where not read`.execute(db);
  await sql`create index staff_notifications_case on staff_notifications (case_id)`.execute(db);
  await sql`
    create table staff_notification_settings (
      staff_id uuid primary key references staff (id) on delete cascade,
      email_digest boolean not null default false,
      last_digest_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table staff_notification_settings`.execute(db);
  await sql`drop table staff_notifications`.execute(db);
}

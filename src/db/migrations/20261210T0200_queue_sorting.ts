import { type Kysely, sql } from 'kysely';

/**
 * Queue sorting and free-text search (issue 21 item 2, ADRs 0184, 0185): indexes for the
 * queue's sortable columns that had none (age and last activity, over open cases, with the
 * queue's tie-breakers), and for free-text search's candidates (the most recently active
 * cases, open or closed). Urgency and country sort through the existing `cases_queue` and
 * `cases_country_queue`. No data changes.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index cases_queue_created on cases (created_on, urgency desc, waiting_since, id) where status <> 'closed'`.execute(
    db,
  );
  await sql`create index cases_queue_activity on cases (last_activity_on, urgency desc, waiting_since, id) where status <> 'closed'`.execute(
    db,
  );
  await sql`create index cases_last_activity on cases (last_activity_on desc, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists cases_last_activity`.execute(db);
  await sql`drop index if exists cases_queue_activity`.execute(db);
  await sql`drop index if exists cases_queue_created`.execute(db);
}

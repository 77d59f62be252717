import { type Kysely, sql } from 'kysely';

/**
 * Indexes for the audit-log viewer's actor and action filters (issue 21 item 4, ADR 0208). The
 * viewer pages newest first (`order by seq desc limit 51`); without an index a filter on one
 * person, or on a rare action, walks the whole log backwards to fill a page. With (actor, seq)
 * and (action, seq) it reads the page's entries only (the counts of one actor's or one action's
 * entries, for sign-in alerts and quotas, may use them too). Plain migration: never imports
 * application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_log_actor on audit_log (actor, seq)`.execute(db);
  await sql`create index audit_log_action on audit_log (action, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index audit_log_action`.execute(db);
  await sql`drop index audit_log_actor`.execute(db);
}

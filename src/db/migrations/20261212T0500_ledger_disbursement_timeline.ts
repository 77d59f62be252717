import { type Kysely, sql } from 'kysely';

/**
 * A case's payments on its timeline (issue 15 item 9): each disbursement request takes a place in
 * the sequence the case timeline shares (notes, messages, tasks, documents, referrals). Requests
 * that exist already take numbers in arbitrary order among themselves, after everything else on
 * their case: acceptable for a timeline. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table ledger_disbursements add column seq bigint not null default nextval('case_timeline_seq')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table ledger_disbursements drop column seq`.execute(db);
}

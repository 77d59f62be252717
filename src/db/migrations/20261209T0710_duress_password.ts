import { type Kysely, sql } from 'kysely';

/**
 * The optional duress password of a staff member (issue 18 item 5, ADR 0176): an Argon2id hash
 * like `password_hash`, set from the person's own session. Signing in with it shows an empty
 * workspace and seals the server. Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table staff add column duress_hash text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table staff drop column duress_hash`.execute(db);
}

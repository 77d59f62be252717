import { type Kysely, sql } from 'kysely';

/**
 * Blocking keys 2 and 6 were redefined (ADR 0075, amended 2026-11-29): the values already in
 * `linkage_block_index` for those keys were computed the old way. This queues the backfill job
 * again (same dedupe key: nothing is added while one still waits), which recomputes every
 * case's blocking index once the server is unsealed. Until it has run, old and new cases can
 * still meet through the six other keys. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    insert into jobs (id, kind, payload, dedupe_key)
    values (gen_random_uuid(), 'linkage.backfill', '{}', 'linkage.backfill')
    on conflict (dedupe_key) where state = 'queued' do nothing
  `.execute(db);
}

export async function down(_db: Kysely<unknown>): Promise<void> {
  // Nothing to undo: a queued backfill is harmless.
}

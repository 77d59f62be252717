import { type Kysely, sql } from 'kysely';

/**
 * The app's blocking index holds all eight blocking keys of `sanctuary link` (ADR 0075), not
 * only the first six: `linkage_block_index.key` and `watchlist_block_index.key` (a slot, key
 * x 3 refinement levels) go from 0..17 to 0..23.
 *
 * The checks were declared inline on the column, so both PostgreSQL and PGlite named them
 * `<table>_key_check`. They are dropped by that name without `if exists`: a database where the
 * name differs stops here instead of keeping the old limit and refusing the new slots later.
 *
 * The last statement queues the backfill job (as the vetting migration did, same dedupe key:
 * nothing is added while one still waits), so that existing cases get the two new keys once
 * the server is unsealed. Plain migration: never imports application code.
 */
const UP = [
  'alter table linkage_block_index drop constraint linkage_block_index_key_check',
  'alter table linkage_block_index add constraint linkage_block_index_key_check check (key between 0 and 23)',
  'alter table watchlist_block_index drop constraint watchlist_block_index_key_check',
  'alter table watchlist_block_index add constraint watchlist_block_index_key_check check (key between 0 and 23)',
  // A random id (not a fixed one): applying the migration again after a down must not collide
  // with the job of the first time.
  `insert into jobs (id, kind, payload, dedupe_key)
    values (gen_random_uuid(), 'linkage.backfill', '{}', 'linkage.backfill')
    on conflict (dedupe_key) where state = 'queued' do nothing`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (pg and PGlite) refuses several at once.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The rows of the two new keys go first: the old check would refuse them.
  for (const statement of [
    'delete from watchlist_block_index where key > 17',
    'alter table watchlist_block_index drop constraint watchlist_block_index_key_check',
    'alter table watchlist_block_index add constraint watchlist_block_index_key_check check (key between 0 and 17)',
    'delete from linkage_block_index where key > 17',
    'alter table linkage_block_index drop constraint linkage_block_index_key_check',
    'alter table linkage_block_index add constraint linkage_block_index_key_check check (key between 0 and 17)',
  ]) {
    await sql.raw(statement).execute(db);
  }
}

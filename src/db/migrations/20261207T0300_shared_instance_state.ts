import { type Kysely, sql } from 'kysely';

/**
 * State that several app instances share (issue 17; ADR 0115, 0116, 0117). Nothing here is
 * readable without the keyring: tokens are stored as hashes, the rest under keys derived from it.
 *
 * - `applicant_sessions`: a hash of the cookie token, the case id encrypted (bound to that
 *   hash), and when it was last used (idle expiry).
 * - `telegram_conversations`: a conversation in progress, encrypted, by keyed chat hash.
 * - `blob_chunks`: encrypted attachment ciphertexts on PostgreSQL, in chunks of at most 1 MiB,
 *   so that every instance reads them and replication and backups carry them.
 * - `rate_limit_counts`: fixed-window counters by keyed bucket (the key changes every window).
 * - `instance_leases`: one holder at a time for work that must not run twice (Telegram polling).
 * - `fleet_seal`: one row; "Seal now" raises its epoch and every instance seals when it sees it.
 * - `unseal_requests`: a sealed instance's public key, and the keyring sealed to it once an
 *   operator approved its fingerprint on an unsealed instance.
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table applicant_sessions (
      token_hash bytea primary key,
      case_enc bytea not null,
      last_seen timestamptz not null
    )
  `.execute(db);
  await sql`
    create table telegram_conversations (
      chat_hash bytea primary key,
      state_enc bytea not null,
      touched_at timestamptz not null
    )
  `.execute(db);
  await sql`
    create table blob_chunks (
      blob_id text not null,
      chunk integer not null check (chunk >= 0),
      data bytea not null,
      primary key (blob_id, chunk)
    )
  `.execute(db);
  await sql`
    create table rate_limit_counts (
      bucket bytea primary key,
      hits integer not null,
      expires_at timestamptz not null
    )
  `.execute(db);
  await sql`create index rate_limit_counts_expires on rate_limit_counts (expires_at)`.execute(db);
  await sql`
    create table instance_leases (
      name text primary key,
      holder text not null,
      expires_at timestamptz not null
    )
  `.execute(db);
  await sql`
    create table fleet_seal (
      id smallint primary key default 1 check (id = 1),
      epoch bigint not null default 0
    )
  `.execute(db);
  await sql`insert into fleet_seal (id, epoch) values (1, 0)`.execute(db);
  await sql`
    create table unseal_requests (
      id uuid primary key,
      public_key bytea not null,
      fingerprint text not null unique,
      created_at timestamptz not null default now(),
      grant_enc bytea
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'unseal_requests',
    'fleet_seal',
    'instance_leases',
    'rate_limit_counts',
    'blob_chunks',
    'telegram_conversations',
    'applicant_sessions',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

import { type Kysely, sql } from 'kysely';

/**
 * Witnessed checkpoints and the fork alarm (issue 18 item 4, ADR 0175). Three tables, none with
 * personal data (fingerprints, sequence numbers, hashes and signatures only):
 *
 * - `witness_copies`: this server as a witness, the checkpoints verified peers sent it, each with
 *   this server's countersignature. One per (origin, log, seq): a second, different one is a fork.
 * - `witness_receipts`: this server as an origin, the countersignatures its witnesses returned.
 * - `checkpoint_forks`: two different signed checkpoints for the same log and sequence number,
 *   whoever saw them; shown on the administration page until acknowledged.
 * Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table witness_copies (
      origin text not null,
      log text not null check (log in ('audit', 'ledger')),
      seq bigint not null check (seq > 0),
      head_hash bytea not null,
      checkpoint text not null check (length(checkpoint) <= 2000),
      countersignature text not null,
      received_at timestamptz not null,
      primary key (origin, log, seq)
    )
  `.execute(db);
  await sql`
    create table witness_receipts (
      witness text not null,
      log text not null check (log in ('audit', 'ledger')),
      seq bigint not null check (seq > 0),
      head_hash bytea not null,
      checkpoint text not null check (length(checkpoint) <= 2000),
      countersignature text not null check (length(countersignature) <= 2000),
      received_at timestamptz not null,
      primary key (witness, log, seq)
    )
  `.execute(db);
  await sql`
    create table checkpoint_forks (
      id uuid primary key,
      origin text not null,
      log text not null check (log in ('audit', 'ledger')),
      seq bigint not null check (seq > 0),
      seen_by text not null check (seen_by in ('witness', 'origin', 'verify')),
      peer text,
      first_head bytea not null,
      second_head bytea not null,
      first_checkpoint text not null check (length(first_checkpoint) <= 2000),
      second_checkpoint text not null check (length(second_checkpoint) <= 2000),
      raised_at timestamptz not null default now(),
      acknowledged_by text,
      acknowledged_at timestamptz,
      unique (origin, log, seq, second_head)
    )
  `.execute(db);
  await sql`create index checkpoint_forks_open on checkpoint_forks (raised_at) where acknowledged_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table checkpoint_forks`.execute(db);
  await sql`drop table witness_receipts`.execute(db);
  await sql`drop table witness_copies`.execute(db);
}

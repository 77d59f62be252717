import { type Kysely, sql } from 'kysely';

/**
 * Referrals between Sanctuary servers (issue 14 item 5, ADRs 0131-0133): the peers an
 * administrator added and verified, and every packet sent or received. Packets hold no
 * readable content: an outgoing one is stored as it travels (sealed with HPKE to the peer's
 * key), an incoming one only by its id, digest and receipt (its content is filed into a case,
 * encrypted under the case key, in the same transaction). Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table federation_peers (
      id uuid primary key,
      label text not null check (length(label) between 1 and 120),
      endpoint text not null check (length(endpoint) between 8 and 500),
      signing_key text not null check (signing_key ~ '^[0-9a-f]{64}$'),
      encryption_key text not null check (encryption_key ~ '^[0-9a-f]{64}$'),
      fingerprint text not null unique,
      state text not null check (state in ('unverified', 'verified', 'revoked')),
      added_by text not null,
      verified_by text,
      created_at timestamptz not null default now(),
      verified_at timestamptz,
      revoked_at timestamptz
    )
  `.execute(db);
  await sql`
    create table federation_packets (
      id uuid primary key,
      direction text not null check (direction in ('out', 'in')),
      kind text not null check (kind in ('referral', 'status')),
      peer_id uuid not null references federation_peers (id),
      state text not null check (state in ('queued', 'delivered', 'failed', 'filed', 'recorded')),
      local_ref text,
      remote_ref text,
      case_id uuid,
      body bytea,
      body_hash bytea not null,
      receipt text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz
    )
  `.execute(db);
  await sql`create index federation_packets_list on federation_packets (direction, created_at)`.execute(db);
  await sql`
    create unique index federation_packets_one_referral
      on federation_packets (peer_id, direction, remote_ref) where kind = 'referral' and direction = 'in'
  `.execute(db);
  await sql`
    create index federation_packets_local_ref on federation_packets (peer_id, local_ref) where local_ref is not null
  `.execute(db);
  await sql`create index federation_packets_case on federation_packets (case_id) where case_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table federation_packets`.execute(db);
  await sql`drop table federation_peers`.execute(db);
}

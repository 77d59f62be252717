import { type Kysely, sql } from 'kysely';

/**
 * The silence alarm (ADR 0213): a witness that hears nothing from an origin, or an origin whose
 * witness countersigns nothing, within the configured window. Two tables, no personal data
 * (federation fingerprints and times only):
 *
 * - `witness_heartbeats`: per peer, the newest checkpoint exchanged with it: for an origin this
 *   server witnesses (`peer_role` 'origin'), the newest one it sent; for a witness of this server
 *   (`peer_role` 'witness'), the newest one it countersigned. The checkpoint's own signed time,
 *   never later than when it arrived.
 * - `witness_silences`: one row per silence, raised by the periodic check, ended when a
 *   checkpoint arrives again, shown on the administration page until acknowledged. At most one
 *   open (not ended) silence per peer.
 * Plain migration: imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table witness_heartbeats (
      peer_role text not null check (peer_role in ('origin', 'witness')),
      peer text not null,
      last_checkpoint_at timestamptz,
      watched_since timestamptz not null,
      primary key (peer_role, peer)
    )
  `.execute(db);
  await sql`
    create table witness_silences (
      id uuid primary key,
      peer_role text not null check (peer_role in ('origin', 'witness')),
      peer text not null,
      last_checkpoint_at timestamptz,
      raised_at timestamptz not null,
      ended_at timestamptz,
      acknowledged_by text,
      acknowledged_at timestamptz
    )
  `.execute(db);
  await sql`create unique index witness_silences_open on witness_silences (peer_role, peer) where ended_at is null`.execute(
    db,
  );
  await sql`create index witness_silences_unacknowledged on witness_silences (raised_at) where acknowledged_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table witness_silences`.execute(db);
  await sql`drop table witness_heartbeats`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * Family tracing (issue 20 item 5, ADR 0156):
 *
 * - `tracing_requests`: a family member's request to find someone, on the family member's own
 *   case; what they tell (the sought person, the relationship, how to reach them safely) is one
 *   AES-256-GCM blob under that case's data key.
 * - `tracing_request_blocks`: blind indexes of the linkage engine's blocking keys of the sought
 *   person, so that open requests find each other without decrypting every one.
 * - `tracing_proposals`: a match for a caseworker (another case's person, or another open
 *   request), with its explanation encrypted under the requesting case's key; never shown to
 *   the family.
 * - `tracing_consents`: the sought person's answer, recorded on his case: how it was given, what
 *   he allows to be passed on, and his message and contact (encrypted under his case's key).
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`
      create table tracing_requests (
        id uuid primary key,
        case_id uuid not null references cases (id) on delete cascade,
        source text not null check (source in ('applicant', 'staff')),
        status text not null default 'open' check (status in ('open', 'closed')),
        details_enc bytea not null,
        created_on date not null,
        closed_on date
      )
    `,
    sql`
      create index tracing_requests_case on tracing_requests (case_id)
    `,
    sql`
      create table tracing_request_blocks (
        request_id uuid not null references tracing_requests (id) on delete cascade,
        slot smallint not null check (slot between 0 and 63),
        value integer not null,
        primary key (request_id, slot)
      )
    `,
    sql`
      create index tracing_request_blocks_lookup on tracing_request_blocks (slot, value)
    `,
    sql`
      create table tracing_proposals (
        id uuid primary key,
        request_id uuid not null references tracing_requests (id) on delete cascade,
        case_id uuid references cases (id) on delete cascade,
        other_request_id uuid references tracing_requests (id) on delete cascade,
        score real not null check (score >= 0 and score <= 1),
        detail_enc bytea not null,
        status text not null default 'proposed' check (status in ('proposed', 'confirmed', 'rejected')),
        decided_by uuid references staff (id),
        decided_on date,
        created_on date not null,
        check ((case_id is null) <> (other_request_id is null)),
        unique (request_id, case_id),
        unique (request_id, other_request_id)
      )
    `,
    sql`
      create table tracing_consents (
        id uuid primary key,
        proposal_id uuid not null unique references tracing_proposals (id) on delete cascade,
        case_id uuid not null references cases (id) on delete cascade,
        status text not null check (status in ('given', 'refused', 'withdrawn')),
        method text not null check (method in ('inbox', 'in_person', 'phone', 'written')),
        allows text[] not null default '{}',
        message_enc bytea,
        contact_enc bytea,
        recorded_by uuid references staff (id),
        recorded_on date not null,
        withdrawn_on date
      )
    `,
  ]) {
    await statement.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'tracing_consents',
    'tracing_proposals',
    'tracing_request_blocks',
    'tracing_requests',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

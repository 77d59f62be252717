import { type Kysely, sql } from 'kysely';

/**
 * The high-assurance path (issue 20 item 6, ADRs 0158–0160):
 *
 * - `teams.restricted`: a need-to-know team whose cases nobody outside it sees (not even a
 *   coordinator's queue metadata);
 * - `cases.restricted`: set once when a contact code opens the case, never cleared by the
 *   application, so that moving the case cannot make it visible again;
 * - `ha_contact_codes`: one row per contact code. The code itself is never stored: only its
 *   keyed hash (`lookup`). The optional label is encrypted under the code's own data key.
 *   Dates of use are days only (an applicant's timestamps are no finer than the day).
 *
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table teams add column restricted boolean not null default false`.execute(db);
  await sql`alter table cases add column restricted boolean not null default false`.execute(db);
  await sql`create index cases_restricted_idx on cases (team_id) where restricted`.execute(db);
  await sql`
    create table ha_contact_codes (
      id uuid primary key,
      lookup bytea not null unique check (octet_length(lookup) = 32),
      team_id uuid not null references teams (id),
      label_enc bytea,
      issued_by uuid not null references staff (id),
      issued_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      used_on date,
      -- Checked at commit: the code is used (and locked) before its case is inserted.
      case_id uuid references cases (id) on delete set null deferrable initially deferred,
      request_hash bytea check (request_hash is null or octet_length(request_hash) = 32),
      check ((used_on is null) = (request_hash is null))
    )
  `.execute(db);
  await sql`create index ha_contact_codes_team_idx on ha_contact_codes (team_id, issued_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table ha_contact_codes`.execute(db);
  await sql`alter table cases drop column restricted`.execute(db);
  await sql`alter table teams drop column restricted`.execute(db);
}

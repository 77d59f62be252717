import { type Kysely, sql } from 'kysely';

/**
 * Evidence custody (issue 16, ADRs 0134-0137): evidence items with their arrival hashes and
 * their untouched original (encrypted under the case key), the hash-chained and signed
 * custody events of each item (append-only, like the audit log), structured testimony in
 * versions, and the witness's consent per destination (a history: the newest row counts).
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table evidence_items (
      id uuid primary key,
      case_id uuid not null,
      channel text not null check (channel in ('applicant_upload', 'applicant_message', 'staff_upload', 'interview', 'testimony')),
      source_id uuid,
      media_type text not null check (length(media_type) between 1 and 100),
      size_bytes integer not null check (size_bytes >= 0),
      sha256 bytea not null check (length(sha256) = 32),
      sha512 bytea not null check (length(sha512) = 64),
      received_by text not null check (length(received_by) between 1 and 100),
      received_at timestamptz not null,
      name_enc bytea not null,
      metadata_enc bytea not null,
      original_enc bytea not null,
      unique (channel, source_id)
    )
  `.execute(db);
  await sql`create index evidence_items_case on evidence_items (case_id)`.execute(db);
  await sql`
    create table evidence_custody (
      item_id uuid not null references evidence_items (id),
      seq integer not null check (seq >= 1),
      at timestamptz not null,
      actor text not null check (length(actor) between 1 and 100),
      action text not null check (action in ('received', 'viewed', 'copied', 'redacted', 'exported', 'transferred', 'returned', 'consent_recorded')),
      reason_enc bytea,
      item_sha256 bytea not null check (length(item_sha256) = 32),
      prev_hash bytea not null check (length(prev_hash) = 32),
      hash bytea not null check (length(hash) = 32),
      key_id text not null,
      public_key text not null,
      signature text not null,
      primary key (item_id, seq)
    )
  `.execute(db);
  await sql`
    create function evidence_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'the custody record is append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end
    $$
  `.execute(db);
  await sql`
    create trigger evidence_custody_append_only before update or delete on evidence_custody
    for each row execute function evidence_append_only()
  `.execute(db);
  await sql`
    create trigger evidence_custody_no_truncate before truncate on evidence_custody
    for each statement execute function evidence_append_only()
  `.execute(db);
  await sql`
    create table evidence_testimonies (
      id uuid primary key,
      case_id uuid not null,
      created_by text not null,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index evidence_testimonies_case on evidence_testimonies (case_id)`.execute(db);
  await sql`
    create table evidence_testimony_versions (
      testimony_id uuid not null references evidence_testimonies (id),
      version integer not null check (version >= 1),
      language text not null check (language in ('ru', 'uk', 'en')),
      body_enc bytea not null,
      created_by text not null,
      created_at timestamptz not null,
      confirmed_by text,
      confirmed_at timestamptz,
      confirmation_enc bytea,
      item_id uuid references evidence_items (id),
      primary key (testimony_id, version),
      check ((confirmed_at is null) = (confirmed_by is null))
    )
  `.execute(db);
  await sql`
    create table evidence_consents (
      id uuid primary key,
      item_id uuid not null references evidence_items (id),
      destination text not null check (destination in ('icc_otp', 'un_coi_ukraine', 'ua_prosecutor_general', 'universal_jurisdiction', 'journalists')),
      status text not null check (status in ('given', 'refused', 'not_asked')),
      how text check (how in ('written', 'oral_recorded', 'oral_witnessed', 'electronic')),
      identity text not null check (identity in ('named', 'pseudonym')),
      notes_enc bytea,
      recorded_by text not null,
      recorded_at timestamptz not null,
      check ((status = 'given') = (how is not null))
    )
  `.execute(db);
  await sql`create index evidence_consents_item on evidence_consents (item_id, destination, recorded_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table evidence_consents`.execute(db);
  await sql`drop table evidence_testimony_versions`.execute(db);
  await sql`drop table evidence_testimonies`.execute(db);
  await sql`drop trigger evidence_custody_no_truncate on evidence_custody`.execute(db);
  await sql`drop trigger evidence_custody_append_only on evidence_custody`.execute(db);
  await sql`drop function evidence_append_only()`.execute(db);
  await sql`drop table evidence_custody`.execute(db);
  await sql`drop table evidence_items`.execute(db);
}

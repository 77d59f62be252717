import { type Kysely, sql } from 'kysely';

/**
 * Redaction reviews (issue 16 item 5, ADR 0137): a redacted copy prepared by one staff member
 * is confirmed by a second before an export may use it. The pseudonym is encrypted under the
 * case key; the redacted copy's SHA-256 ties the confirmation to the exact bytes reviewed.
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table evidence_redactions (
      id uuid primary key,
      item_id uuid not null references evidence_items (id),
      pseudonym_enc bytea not null,
      redacted_sha256 bytea not null check (length(redacted_sha256) = 32),
      prepared_by text not null,
      prepared_at timestamptz not null,
      confirmed_by text,
      confirmed_at timestamptz,
      check ((confirmed_by is null) = (confirmed_at is null)),
      check (confirmed_by is null or confirmed_by <> prepared_by)
    )
  `.execute(db);
  await sql`create index evidence_redactions_item on evidence_redactions (item_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table evidence_redactions`.execute(db);
}

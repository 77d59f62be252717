import { type Kysely, sql } from 'kysely';

/**
 * The organisation's customisation (issue 21 item 5, ADRs 0193-0195): one row per version.
 * A draft is the one row without `published_at`; publishing stamps it, and the highest
 * published version is what applicants see. Published rows are never changed again, so a
 * submission that records its version keeps the questions it answered. The public texts,
 * contacts, questions and logo are the organisation's published words (in clear, ADR 0193);
 * the staff-only contact person is personal and stored only encrypted. Plain migration:
 * imports only kysely.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organisation_versions (
      version integer primary key check (version > 0),
      settings jsonb not null,
      logo bytea,
      logo_width integer,
      logo_height integer,
      contact_person_enc bytea,
      saved_by uuid not null,
      saved_at timestamptz not null default now(),
      published_by uuid,
      published_at timestamptz,
      check ((published_at is null) = (published_by is null)),
      check ((logo is null) = (logo_width is null) and (logo is null) = (logo_height is null))
    )`.execute(db);
  // At most one draft at a time.
  await sql`create unique index organisation_versions_one_draft on organisation_versions ((true))
    where published_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organisation_versions`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * Documents on the case file. Files staff upload to a case go through the same pipeline as
 * the applicant's (magic-byte allow-list, metadata stripping, streaming encryption) and into
 * the same table, `intake_attachments`; this adds who uploaded them (null: the applicant)
 * and a place in the case timeline (the sequence shared by notes, messages, tasks and
 * events). Rows that exist already take sequence numbers in arbitrary order among
 * themselves, after everything else on their case: acceptable for a timeline of documents.
 * It also queues the re-indexing of existing persons for the new name-group search terms.
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'alter table intake_attachments add column uploaded_by uuid references staff (id)',
    "alter table intake_attachments add column seq bigint not null default nextval('case_timeline_seq')",
    'create index intake_attachments_case_seq on intake_attachments (case_id, seq)',
    'drop index intake_attachments_case',
    // Name search gained diminutive terms (ADR 0071): re-index existing persons in the
    // background (cases.jobs.ts), once unsealed. Nothing to do on an empty database.
    `insert into jobs (id, kind, payload)
      select gen_random_uuid(), 'cases.reindex_person_search', '{}'::jsonb
      where exists (select 1 from cases)`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    "delete from jobs where kind = 'cases.reindex_person_search'",
    'create index intake_attachments_case on intake_attachments (case_id)',
    'drop index intake_attachments_case_seq',
    'alter table intake_attachments drop column seq',
    'alter table intake_attachments drop column uploaded_by',
  ]) {
    await sql.raw(statement).execute(db);
  }
}

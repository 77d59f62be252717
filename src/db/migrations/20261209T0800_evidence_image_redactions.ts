import { type Kysely, sql } from 'kysely';

/**
 * Image redaction (issue 16 item 5, ADR 0178): a redaction is either a pseudonym in a
 * testimony's text (as before) or regions of a photo blurred or blacked out. For an image the
 * regions and the redacted working copy itself are kept, encrypted under the case key: the
 * second person reviews exactly those bytes (their SHA-256 is `redacted_sha256`), and an
 * export sends exactly them. The original item is never touched.
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table evidence_redactions alter column pseudonym_enc drop not null`.execute(db);
  await sql`
    alter table evidence_redactions
      add column kind text not null default 'pseudonym' check (kind in ('pseudonym', 'image')),
      add column regions_enc bytea,
      add column redacted_enc bytea
  `.execute(db);
  await sql`
    alter table evidence_redactions add constraint evidence_redactions_kind_fields check (
      (kind = 'pseudonym' and pseudonym_enc is not null and regions_enc is null and redacted_enc is null)
      or (kind = 'image' and pseudonym_enc is null and regions_enc is not null and redacted_enc is not null)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table evidence_redactions drop constraint evidence_redactions_kind_fields`.execute(db);
  await sql`
    alter table evidence_redactions drop column redacted_enc, drop column regions_enc, drop column kind
  `.execute(db);
  await sql`alter table evidence_redactions alter column pseudonym_enc set not null`.execute(db);
}

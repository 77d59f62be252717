import { type Kysely, sql } from 'kysely';

/**
 * Break-glass reasons and review notes are free text typed by staff: they are now stored
 * encrypted under the case's data key (`reason_enc`, `review_note_enc`, AAD binding table,
 * column and grant id), never in clear (issue 12, finding 8; ADR 0087). The plaintext columns
 * stay, nullable, for rows written before this migration: a migration may not import the
 * application (nor hold a key), so it queues `cases.encrypt_legacy_free_text`, which encrypts
 * those rows and blanks their plaintext once the server is unsealed. Plain migration: never
 * imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'alter table break_glass_grants add column reason_enc bytea',
    'alter table break_glass_grants add column review_note_enc bytea',
    'alter table break_glass_grants alter column reason drop not null',
    'alter table break_glass_grants drop constraint if exists break_glass_grants_reason_check',
    // Every new grant carries its reason, in one form or the other.
    'alter table break_glass_grants add constraint break_glass_grants_reason_kept check (reason is not null or reason_enc is not null)',
  ]) {
    await sql.raw(statement).execute(db);
  }
  await sql`
    insert into jobs (id, kind, payload, dedupe_key)
    select gen_random_uuid(), 'cases.encrypt_legacy_free_text', '{}', 'cases.encrypt_legacy_free_text'
    where exists (select 1 from break_glass_grants where reason is not null or review_note is not null)
    on conflict (dedupe_key) where state = 'queued' do nothing
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Encrypted reasons cannot come back to plaintext without the key: refuse rather than lose them.
  const encrypted = await sql<{ n: number }>`
    select count(*)::int as n from break_glass_grants where reason_enc is not null or review_note_enc is not null
  `.execute(db);
  if ((encrypted.rows[0]?.n ?? 0) > 0) {
    throw new Error('break-glass reasons are encrypted; this migration cannot be undone without losing them');
  }
  for (const statement of [
    'alter table break_glass_grants drop constraint break_glass_grants_reason_kept',
    'alter table break_glass_grants drop column review_note_enc',
    'alter table break_glass_grants drop column reason_enc',
    'alter table break_glass_grants alter column reason set not null',
  ]) {
    await sql.raw(statement).execute(db);
  }
}

import { type Kysely, sql } from 'kysely';

/**
 * One chain entry for a batch of ledger events (ADR 0215). An entry used to be one event (a
 * transfer opened, posted, voided or expired), one row and one hash each; a batch of a thousand
 * transfers wrote and hashed a thousand rows under the chain's lock. From now on an entry that
 * records more than one event keeps them in `events`, the exact text its hash covers (a JSON
 * array of event tuples, written and hashed once), and leaves the one-event columns empty. An
 * entry of one event is written as before. Rows already written stay as they are and verify as
 * before; `ledger verify` reads both shapes. The text is stored uncompressed (EXTERNAL): it is
 * mostly random identifiers, and compressing it would cost the writer time under the lock.
 * Plain migration: never imports application code.
 */
const EVENT_COLUMNS = [
  'transfer_id',
  'event',
  'debit_account_id',
  'credit_account_id',
  'amount',
  'currency',
  'actor',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table ledger_entries add column events text`.execute(db);
  await sql`alter table ledger_entries alter column events set storage external`.execute(db);
  for (const column of EVENT_COLUMNS) {
    await sql`alter table ledger_entries alter column ${sql.ref(column)} drop not null`.execute(db);
  }
  const allSet = sql.join(
    EVENT_COLUMNS.map((c) => sql`${sql.ref(c)} is not null`),
    sql` and `,
  );
  const noneSet = sql.join(
    EVENT_COLUMNS.map((c) => sql`${sql.ref(c)} is null`),
    sql` and `,
  );
  await sql`
    alter table ledger_entries add constraint ledger_entries_one_event_or_block check (
      (events is null and ${allSet}) or (events is not null and ${noneSet})
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table ledger_entries drop constraint ledger_entries_one_event_or_block`.execute(db);
  for (const column of EVENT_COLUMNS) {
    await sql`alter table ledger_entries alter column ${sql.ref(column)} set not null`.execute(db);
  }
  await sql`alter table ledger_entries drop column events`.execute(db);
}

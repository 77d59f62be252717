import { type Kysely, sql } from 'kysely';

/**
 * The ledger's hot tables without per-row foreign keys (ADR 0214). Every transfer row and every
 * chain entry paid one referential-integrity query per reference (four for a transfer, one for
 * an entry), run as a trigger per row: three quarters of the database's time in a batch of
 * transfers. What those keys guarded is checked twice elsewhere: the ledger's writers read and
 * lock both accounts of every transfer before writing it (an unknown account, or one of another
 * currency, is refused), and `sanctuary ledger verify` replays the chain against the accounts,
 * the currencies and the transfer rows (an entry naming a missing account, a transfer without
 * entries, entries without a transfer row, a correction of a transfer that does not exist).
 * The entries' index by transfer served no query. Accounts are never deleted (the trigger below
 * makes sure); a currency in use cannot be deleted either, since every account still references
 * its currency (and a transfer's currency is its accounts'). Plain migration: never imports
 * application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const constraint of [
    'ledger_transfers_debit_account_id_fkey',
    'ledger_transfers_credit_account_id_fkey',
    'ledger_transfers_currency_fkey',
    'ledger_transfers_reverses_id_fkey',
  ]) {
    await sql`alter table ledger_transfers drop constraint if exists ${sql.raw(constraint)}`.execute(db);
  }
  await sql`alter table ledger_entries drop constraint if exists ledger_entries_transfer_id_fkey`.execute(db);
  await sql`drop index if exists ledger_entries_transfer`.execute(db);
  // What the keys also did: no account a transfer names can be deleted.
  await sql`
    create function ledger_never_delete() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger % rows are never deleted', tg_table_name
        using errcode = 'insufficient_privilege';
    end
    $$
  `.execute(db);
  for (const table of ['ledger_accounts']) {
    await sql`
      create trigger ${sql.raw(`${table}_never_delete`)} before delete on ${sql.table(table)}
      for each row execute function ledger_never_delete()
    `.execute(db);
    await sql`
      create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function ledger_never_delete()
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['ledger_accounts']) {
    await sql`drop trigger if exists ${sql.raw(`${table}_never_delete`)} on ${sql.table(table)}`.execute(db);
    await sql`drop trigger if exists ${sql.raw(`${table}_no_truncate`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists ledger_never_delete()`.execute(db);
  await sql`create index ledger_entries_transfer on ledger_entries (transfer_id)`.execute(db);
  await sql`
    alter table ledger_entries add constraint ledger_entries_transfer_id_fkey
      foreign key (transfer_id) references ledger_transfers (id)
  `.execute(db);
  await sql`
    alter table ledger_transfers
      add constraint ledger_transfers_debit_account_id_fkey foreign key (debit_account_id) references ledger_accounts (id),
      add constraint ledger_transfers_credit_account_id_fkey foreign key (credit_account_id) references ledger_accounts (id),
      add constraint ledger_transfers_currency_fkey foreign key (currency) references ledger_currencies (code),
      add constraint ledger_transfers_reverses_id_fkey foreign key (reverses_id) references ledger_transfers (id)
  `.execute(db);
}

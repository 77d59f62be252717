import { type Kysely, sql } from 'kysely';

/**
 * Reconciliation, exports and the donor report of the assistance ledger (issue 15 item 8,
 * ADR 0124, 0125). Additive only:
 *   - a budget line may name its purpose, the country it pays in and the funding source it
 *     spends (the donor report's rows, columns and report);
 *   - the column mapping of a holding's bank or provider statements;
 *   - imported statements and their lines. A line's reference and counterparty may name people:
 *     they are stored only encrypted (details_enc, under the organisation's "ledger" data key).
 *     Its date, signed amount and currency stay plain: matching and the lists need them, and
 *     they are the holding's own movements, which the ledger already records.
 * Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table ledger_accounts
      add column purpose text check (purpose ~ '^[a-z0-9][a-z0-9._-]{0,39}$'),
      add column country text check (country ~ '^[A-Z]{2}$'),
      add column funding_account_id uuid references ledger_accounts (id),
      add check (kind = 'budget' or (purpose is null and country is null and funding_account_id is null))
  `.execute(db);
  await sql`
    create table ledger_statement_mappings (
      holding_account_id uuid primary key references ledger_accounts (id),
      delimiter text not null check (delimiter in (',', ';', 'tab')),
      date_column text not null check (length(date_column) between 1 and 80),
      amount_column text not null check (length(amount_column) between 1 and 80),
      currency_column text check (length(currency_column) between 1 and 80),
      reference_column text check (length(reference_column) between 1 and 80),
      counterparty_column text check (length(counterparty_column) between 1 and 80),
      date_format text not null check (date_format in ('YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY')),
      decimal_separator text not null check (decimal_separator in ('.', ',')),
      updated_by text not null,
      updated_at timestamptz not null
    )
  `.execute(db);
  await sql`
    create table ledger_statements (
      id uuid primary key,
      holding_account_id uuid not null references ledger_accounts (id),
      fingerprint bytea not null,
      line_count integer not null check (line_count >= 0),
      new_lines integer not null check (new_lines >= 0),
      imported_by text not null,
      imported_at timestamptz not null,
      unique (holding_account_id, fingerprint)
    )
  `.execute(db);
  await sql`
    create table ledger_statement_lines (
      id uuid primary key,
      statement_id uuid not null references ledger_statements (id),
      holding_account_id uuid not null references ledger_accounts (id),
      fingerprint bytea not null,
      line_no integer not null check (line_no > 0),
      booked_on date not null,
      amount bigint not null check (amount <> 0),
      currency text not null references ledger_currencies (code),
      details_enc bytea not null,
      transfer_id uuid references ledger_transfers (id),
      match_kind text check (match_kind in ('reference', 'amount_date', 'manual')),
      matched_by text,
      matched_at timestamptz,
      held boolean not null default false,
      unique (holding_account_id, fingerprint),
      check ((transfer_id is null) = (match_kind is null))
    )
  `.execute(db);
  // A transfer is matched by at most one statement line.
  await sql`create unique index ledger_statement_lines_transfer on ledger_statement_lines (transfer_id) where transfer_id is not null`.execute(
    db,
  );
  await sql`create index ledger_statement_lines_open on ledger_statement_lines (holding_account_id, booked_on) where transfer_id is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table ledger_statement_lines`.execute(db);
  await sql`drop table ledger_statements`.execute(db);
  await sql`drop table ledger_statement_mappings`.execute(db);
  await sql`alter table ledger_accounts drop column purpose, drop column country, drop column funding_account_id`.execute(
    db,
  );
}

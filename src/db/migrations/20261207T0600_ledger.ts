import { type Kysely, sql } from 'kysely';

/**
 * The assistance ledger's core (issue 15, ADR 0119): currencies, accounts with their running
 * balances, transfers (caller-supplied ids, two-phase), and the append-only, hash-chained
 * entries that are the ledger's truth, with signed checkpoints. Limits are enforced twice:
 * by the service's conditional update and by CHECK constraints here, so no schedule of
 * concurrent posters and no bug can leave a flagged account beyond its limit. Plain
 * migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_currencies (
      code text primary key check (code ~ '^[A-Z]{3}$'),
      minor_units smallint not null check (minor_units between 0 and 4),
      added_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    insert into ledger_currencies (code, minor_units) values
      ('RUB', 2), ('KZT', 2), ('GEL', 2), ('AMD', 2), ('KGS', 2), ('RSD', 2), ('TRY', 2),
      ('EUR', 2), ('USD', 2)
  `.execute(db);
  await sql`
    create table ledger_accounts (
      id uuid primary key,
      code text not null unique check (length(code) between 1 and 80),
      kind text not null check (kind in ('funding', 'budget', 'holding', 'channel', 'recipient', 'equity')),
      currency text not null references ledger_currencies (code),
      label text not null check (length(label) between 1 and 200),
      case_id uuid,
      debits_must_not_exceed_credits boolean not null default false,
      credits_must_not_exceed_debits boolean not null default false,
      limit_minor bigint not null default 0 check (limit_minor >= 0),
      debits_pending bigint not null default 0 check (debits_pending >= 0),
      debits_posted bigint not null default 0 check (debits_posted >= 0),
      credits_pending bigint not null default 0 check (credits_pending >= 0),
      credits_posted bigint not null default 0 check (credits_posted >= 0),
      created_at timestamptz not null default now(),
      check (not (debits_must_not_exceed_credits and credits_must_not_exceed_debits)),
      check (not debits_must_not_exceed_credits
             or debits_posted + debits_pending <= credits_posted + limit_minor),
      check (not credits_must_not_exceed_debits
             or credits_posted + credits_pending <= debits_posted + limit_minor),
      check ((kind = 'recipient') = (case_id is not null))
    )
  `.execute(db);
  await sql`create index ledger_accounts_case on ledger_accounts (case_id) where case_id is not null`.execute(
    db,
  );
  await sql`
    create table ledger_transfers (
      id uuid primary key,
      body_hash bytea not null,
      kind text not null check (kind in ('allocation', 'disbursement', 'deposit', 'payment', 'correction', 'transfer')),
      debit_account_id uuid not null references ledger_accounts (id),
      credit_account_id uuid not null references ledger_accounts (id),
      amount bigint not null check (amount > 0),
      currency text not null references ledger_currencies (code),
      status text not null check (status in ('pending', 'posted', 'voided', 'expired')),
      timeout_at timestamptz,
      reverses_id uuid references ledger_transfers (id),
      created_by text not null,
      created_at timestamptz not null default now(),
      decided_by text,
      decided_at timestamptz,
      check (debit_account_id <> credit_account_id),
      check ((status = 'pending') <= (timeout_at is not null))
    )
  `.execute(db);
  await sql`create index ledger_transfers_pending on ledger_transfers (timeout_at) where status = 'pending'`.execute(
    db,
  );
  await sql`
    create table ledger_entries (
      seq bigint primary key,
      at timestamptz not null,
      transfer_id uuid not null references ledger_transfers (id),
      event text not null check (event in ('pending', 'posted', 'voided', 'expired', 'posted_direct')),
      debit_account_id uuid not null,
      credit_account_id uuid not null,
      amount bigint not null check (amount > 0),
      currency text not null,
      actor text not null,
      prev_hash bytea not null,
      hash bytea not null
    )
  `.execute(db);
  await sql`create index ledger_entries_transfer on ledger_entries (transfer_id)`.execute(db);
  await sql`
    create table ledger_checkpoints (
      seq bigint primary key,
      head_hash bytea not null,
      at timestamptz not null,
      key_id text not null,
      public_key text not null,
      signature text not null
    )
  `.execute(db);
  // Exchange rates are typed in or imported, never fetched (non-negotiable 3); each keeps its
  // source and date. A rate is a decimal string: amounts are converted with integer arithmetic.
  await sql`
    create table ledger_rates (
      id uuid primary key,
      from_currency text not null references ledger_currencies (code),
      to_currency text not null references ledger_currencies (code),
      rate text not null check (rate ~ '^[0-9]{1,12}(\.[0-9]{1,12})?$'),
      source text not null check (length(source) between 1 and 200),
      rate_date date not null,
      created_by text not null,
      created_at timestamptz not null default now(),
      check (from_currency <> to_currency)
    )
  `.execute(db);
  await sql`create index ledger_rates_pair on ledger_rates (from_currency, to_currency, rate_date desc)`.execute(
    db,
  );
  await sql`
    create table ledger_conversions (
      id uuid primary key,
      rate_id uuid not null references ledger_rates (id),
      out_transfer_id uuid not null references ledger_transfers (id),
      in_transfer_id uuid not null references ledger_transfers (id)
    )
  `.execute(db);
  await sql`
    create function ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'the ledger is append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end
    $$
  `.execute(db);
  for (const table of ['ledger_entries', 'ledger_checkpoints']) {
    await sql`
      create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function ledger_append_only()
    `.execute(db);
    await sql`
      create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function ledger_append_only()
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'ledger_checkpoints',
    'ledger_entries',
    'ledger_transfers',
    'ledger_accounts',
    'ledger_currencies',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`drop function ledger_append_only()`.execute(db);
}

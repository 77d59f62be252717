import { type Kysely, sql } from 'kysely';

/**
 * Disbursement requests with approval tiers, vetting sign-off, encrypted payment details,
 * authenticity signals and rewards for surrendered equipment (issue 15, items 3–6; ADR 0120,
 * 0121, 0122). Approvals and sign-offs are append-only (the ledger's trigger function); payment
 * details, descriptions of equipment and authenticity signals are ciphertext under the case's
 * data key. Plain migration: never imports application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_settings (
      id smallint primary key default 1 check (id = 1),
      base_currency text not null references ledger_currencies (code),
      tier1_minor bigint not null check (tier1_minor > 0),
      tier2_minor bigint not null,
      updated_by text not null,
      updated_at timestamptz not null default now(),
      check (tier2_minor >= tier1_minor)
    )
  `.execute(db);
  await sql`
    insert into ledger_settings (base_currency, tier1_minor, tier2_minor, updated_by)
    values ('EUR', 50000, 200000, 'system')
  `.execute(db);
  await sql`
    create table ledger_disbursements (
      id uuid primary key references ledger_transfers (id),
      kind text not null check (kind in ('disbursement', 'reward')),
      case_id uuid not null,
      budget_account_id uuid not null references ledger_accounts (id),
      recipient_account_id uuid not null references ledger_accounts (id),
      amount bigint not null check (amount > 0),
      currency text not null references ledger_currencies (code),
      base_amount bigint not null check (base_amount >= 0),
      base_currency text not null references ledger_currencies (code),
      rate_id uuid references ledger_rates (id),
      tier1_minor bigint not null,
      tier2_minor bigint not null,
      tier smallint not null check (tier between 1 and 3),
      purpose text not null check (purpose in ('ticket', 'accommodation', 'legal', 'stipend', 'medical', 'documents', 'reward', 'other')),
      channel text not null check (channel in ('bank_transfer', 'money_transfer', 'card_topup', 'crypto', 'courier_cash', 'voucher')),
      due_on date not null,
      requested_by text not null,
      requested_at timestamptz not null default now(),
      needs_signoff boolean not null,
      signoff_epoch integer not null default 0 check (signoff_epoch >= 0),
      paused_at timestamptz,
      payment_kind text check (payment_kind in ('card', 'wallet', 'iban', 'courier_code')),
      payment_details_enc bytea,
      reveals integer not null default 0 check (reveals >= 0),
      denied_by text,
      denied_at timestamptz,
      check ((payment_kind is null) = (payment_details_enc is null))
    )
  `.execute(db);
  await sql`create index ledger_disbursements_case on ledger_disbursements (case_id)`.execute(db);
  await sql`
    create table ledger_approvals (
      id uuid primary key,
      disbursement_id uuid not null references ledger_disbursements (id),
      approver_id text not null,
      approver_role text not null,
      decided_at timestamptz not null default now(),
      unique (disbursement_id, approver_id)
    )
  `.execute(db);
  await sql`
    create table ledger_signoffs (
      id uuid primary key,
      disbursement_id uuid not null references ledger_disbursements (id),
      officer_id text not null,
      epoch integer not null,
      signed_at timestamptz not null default now(),
      unique (disbursement_id, epoch)
    )
  `.execute(db);
  await sql`
    create table ledger_authenticity_signals (
      id uuid primary key,
      case_id uuid not null,
      kind text not null check (kind in ('equipment', 'information')),
      description_enc bytea not null,
      evidence_ids jsonb not null,
      recorded_by text not null,
      recorded_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index ledger_authenticity_case on ledger_authenticity_signals (case_id)`.execute(db);
  await sql`
    create table ledger_reward_schedule (
      id uuid primary key,
      code text not null unique check (code ~ '^[a-z0-9][a-z0-9._-]{0,59}$'),
      label text not null check (length(label) between 1 and 200),
      amount bigint not null check (amount > 0),
      currency text not null references ledger_currencies (code),
      created_by text not null,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    create table ledger_reward_claims (
      disbursement_id uuid primary key references ledger_disbursements (id),
      schedule_id uuid not null references ledger_reward_schedule (id),
      description_enc bytea not null,
      evidence_ids jsonb not null
    )
  `.execute(db);
  await sql`
    create table ledger_reward_verifications (
      id uuid primary key,
      disbursement_id uuid not null references ledger_reward_claims (disbursement_id),
      step text not null check (step in ('inspected', 'documents_checked', 'expert_opinion', 'handed_over')),
      verified_by text not null,
      verified_at timestamptz not null default now(),
      unique (disbursement_id, step)
    )
  `.execute(db);
  for (const table of ['ledger_approvals', 'ledger_signoffs', 'ledger_reward_verifications']) {
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
    'ledger_reward_verifications',
    'ledger_reward_claims',
    'ledger_reward_schedule',
    'ledger_authenticity_signals',
    'ledger_signoffs',
    'ledger_approvals',
    'ledger_disbursements',
    'ledger_settings',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

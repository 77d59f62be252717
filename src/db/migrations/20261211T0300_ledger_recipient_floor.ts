import { type Kysely, sql } from 'kysely';

/**
 * A floor under recipient accounts (ADR 0209). A recipient account holds what was disbursed
 * for a case until the payment out of the bank takes it; it had no limit, so two payments
 * recorded at once (each checked against the balance read before the chain lock) could pay
 * the same money twice. From now on a recipient account is flagged like a budget line: its
 * debits (payments, reversals of disbursements) may never exceed its posted credits, checked
 * under the chain lock by the core and by the CHECK constraint of the ledger's migration.
 *
 * `ledger verify` replays every entry against today's flags, so an account that was ever
 * overdrawn (by that race, or by a reversal after the money was paid out) keeps that much as
 * its overdraft: its history still verifies and it can never go lower than it once went.
 * Every other recipient account gets a floor of zero. Plain migration: never imports
 * application code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    with moves as (
      select e.seq, e.debit_account_id as account_id,
        case e.event when 'pending' then e.amount when 'posted_direct' then e.amount
          when 'posted' then 0 else -e.amount end as delta
      from ledger_entries e
      union all
      select e.seq, e.credit_account_id,
        case when e.event in ('posted', 'posted_direct') then -e.amount else 0 end
      from ledger_entries e
    ), running as (
      select account_id, sum(delta) over (partition by account_id order by seq) as over
      from moves
    ), deepest as (
      select account_id, max(over) as over from running group by account_id
    )
    update ledger_accounts as a
    set debits_must_not_exceed_credits = true,
        limit_minor = greatest(
          0,
          a.debits_posted + a.debits_pending - a.credits_posted,
          coalesce((select d.over from deepest d where d.account_id = a.id), 0)
        )
    where a.kind = 'recipient'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update ledger_accounts set debits_must_not_exceed_credits = false, limit_minor = 0
    where kind = 'recipient'
  `.execute(db);
}

import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** One cell of the disbursements table: a budget line (the purpose), a month and a currency. */
export interface DisbursementTotal {
  purpose: string;
  month: string;
  currency: string;
  /** Sum of posted disbursements, in minor units. */
  amount: number;
  /** How many recipient accounts (case pseudonyms) received them: what small-cell rules count. */
  recipients: number;
}

/**
 * Posted disbursements by purpose (the budget line's code) and month of posting, for reports
 * (issue 19). Sums and recipient counts only; the period is the half-open day range [from, to).
 */
export async function disbursementTotals(
  db: Db,
  period: { from: string; to: string },
): Promise<DisbursementTotal[]> {
  const { rows } = await sql<{
    purpose: string;
    month: string;
    currency: string;
    amount: string;
    recipients: string;
  }>`
    select a.code as purpose, to_char(coalesce(t.decided_at, t.created_at) at time zone 'UTC', 'YYYY-MM') as month,
           t.currency, sum(t.amount) as amount, count(distinct t.credit_account_id) as recipients
      from ledger_transfers t join ledger_accounts a on a.id = t.debit_account_id
     where t.kind = 'disbursement' and t.status = 'posted'
       and coalesce(t.decided_at, t.created_at) >= ${period.from}::date
       and coalesce(t.decided_at, t.created_at) < ${period.to}::date
     group by 1, 2, 3`.execute(db);
  return rows.map((r) => ({ ...r, amount: Number(r.amount), recipients: Number(r.recipients) }));
}

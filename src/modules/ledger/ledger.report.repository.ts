import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** Queries of the accountants' exports and the donor report (ADR 0125). */

export async function setBudgetTermsRow(
  trx: Db,
  accountId: string,
  terms: { purpose: string; country: string; funding_account_id: string },
): Promise<void> {
  await trx.updateTable('ledger_accounts').set(terms).where('id', '=', accountId).execute();
}

export interface DonorReportRow {
  month: string;
  purpose: string;
  country: string;
  recipient: string;
  /** Disbursed less what corrections reversed. */
  net: number;
}

/**
 * Posted disbursements from the budget lines that spend one funding source, less their posted
 * corrections, per recipient, purpose, country and month of posting (UTC). A line without a
 * purpose or country is reported as "unspecified" / "ZZ" (ISO 3166's user-assigned code).
 */
export async function listDonorReportRows(db: Db, fundingAccountId: string): Promise<DonorReportRow[]> {
  const rows = await sql<{ month: string; purpose: string; country: string; recipient: string; net: string }>`
    select to_char(d.decided_at at time zone 'UTC', 'YYYY-MM') as month,
           coalesce(b.purpose, 'unspecified') as purpose,
           coalesce(b.country, 'ZZ') as country,
           d.credit_account_id as recipient,
           sum(d.amount - coalesce((
             select sum(c.amount) from ledger_transfers c
             where c.reverses_id = d.id and c.kind = 'correction' and c.status = 'posted'
           ), 0))::text as net
    from ledger_transfers d
    join ledger_accounts b on b.id = d.debit_account_id
    where d.kind = 'disbursement' and d.status = 'posted' and b.kind = 'budget'
      and b.funding_account_id = ${fundingAccountId}
    group by 1, 2, 3, 4
  `.execute(db);
  return rows.rows.map((r) => ({ ...r, net: Number(r.net) })).filter((r) => r.net !== 0);
}

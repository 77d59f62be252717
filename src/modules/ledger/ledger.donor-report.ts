import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { protect2D, suppressionGrid } from '../../platform/disclosure.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { budgetTermsSchema, donorReportSchema } from './ledger.finance.schemas.ts';
import { canKeepLedger } from './ledger.policy.ts';
import { findAccountById, listCurrencies } from './ledger.repository.ts';
import { type DonorReportRow, listDonorReportRows, setBudgetTermsRow } from './ledger.report.repository.ts';
import { inTransaction, parse } from './ledger.service.ts';

/**
 * The donor report (issue 15 item 8, ADR 0125): for one funding source, what its budget lines
 * disbursed, per purpose, country and month, with small cells suppressed. A budget line names
 * its purpose, the country it pays in and the funding source it spends (setBudgetTerms); a
 * disbursement is counted in its budget line's cell, in the month it was posted, less what
 * corrections reversed. No names, no case ids, no payment details: amounts only, and an amount
 * about fewer than `threshold` recipients is hidden with enough others that it cannot be worked
 * out from the totals.
 */

/** Names a budget line's purpose, country and funding source (the donor report's cells). Audited. */
export async function setBudgetTerms(ctx: AppContext, actor: Actor, input: unknown, trx?: Db): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.budget_terms');
  const data = parse(budgetTermsSchema, input);
  await inTransaction(ctx, trx, async (t) => {
    const line = await findAccountById(t, data.accountId);
    const funding = await findAccountById(t, data.fundingAccountId);
    if (line?.kind !== 'budget') throw new AppError('not_found', 'no such budget line');
    if (funding?.kind !== 'funding' || funding.currency !== line.currency) {
      throw new AppError('validation_failed', 'not a funding source in the line currency', {
        fields: { fundingAccountId: 'field.invalid' },
      });
    }
    await setBudgetTermsRow(t, line.id, {
      purpose: data.purpose,
      country: data.country,
      funding_account_id: funding.id,
    });
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.budget_terms',
      target: line.code,
      reason: `${data.purpose} ${data.country} from ${funding.code}`,
    });
  });
}

export interface DonorReportMonth {
  month: string;
  purposes: string[];
  countries: string[];
  /** null: suppressed. */
  cells: Array<Array<number | null>>;
  purposeTotals: Array<number | null>;
  countryTotals: Array<number | null>;
  total: number | null;
}

export interface DonorReport {
  funding: { id: string; code: string; label: string; currency: string };
  minorUnits: number;
  threshold: number;
  months: DonorReportMonth[];
}

/** How many distinct recipients a set of rows is about, and what they add up to. */
function cellOf(rows: readonly DonorReportRow[]): { value: number; count: number } {
  return { value: rows.reduce((s, r) => s + r.net, 0), count: new Set(rows.map((r) => r.recipient)).size };
}

/**
 * One month of the donor report: a purpose × country table with its totals, protected by the
 * shared small-cell library (src/platform/disclosure.ts, ADR 0143/0166). The cells are protected by
 * the people behind them (distinct recipients): which entries are hidden depends on those counts
 * only, and the amounts of the entries left are published (corrections can make an amount
 * negative, which the library's counts never are).
 */
export function protectDonorMonth(
  month: string,
  rows: readonly DonorReportRow[],
  threshold: number,
): DonorReportMonth {
  const inMonth = rows.filter((r) => r.month === month);
  const purposes = [...new Set(inMonth.map((r) => r.purpose))].sort();
  const countries = [...new Set(inMonth.map((r) => r.country))].sort();
  const cells = purposes.map((p) =>
    countries.map((c) => cellOf(inMonth.filter((r) => r.purpose === p && r.country === c))),
  );
  const counts = cells.map((row) => row.map((cell) => cell.count));
  const hidden = suppressionGrid(protect2D(counts, { k: threshold }));
  const show = (value: number, i: number, j: number) => (hidden[i]![j] ? null : value);
  const rowsN = purposes.length;
  const colsN = countries.length;
  return {
    month,
    purposes,
    countries,
    cells: cells.map((row, i) => row.map((cell, j) => show(cell.value, i, j))),
    purposeTotals: purposes.map((p, i) =>
      show(cellOf(inMonth.filter((r) => r.purpose === p)).value, i, colsN),
    ),
    countryTotals: countries.map((c, j) =>
      show(cellOf(inMonth.filter((r) => r.country === c)).value, rowsN, j),
    ),
    total: show(cellOf(inMonth).value, rowsN, colsN),
  };
}

/** The donor report of a funding source. Audited (who produced which donor's report). */
export async function getDonorReport(ctx: AppContext, actor: Actor, input: unknown): Promise<DonorReport> {
  requireAllowed(canKeepLedger(actor), 'ledger.donor_report');
  const { fundingAccountId, threshold } = parse(donorReportSchema, input);
  const db = ctx.database.db;
  const funding = await findAccountById(db, fundingAccountId);
  if (funding?.kind !== 'funding') throw new AppError('not_found', 'no such funding source');
  const rows = await listDonorReportRows(db, funding.id);
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const report: DonorReport = {
    funding: { id: funding.id, code: funding.code, label: funding.label, currency: funding.currency },
    minorUnits: (await listCurrencies(db)).find((c) => c.code === funding.currency)?.minor_units ?? 2,
    threshold,
    months: months.map((month) => protectDonorMonth(month, rows, threshold)),
  };
  await ctx.database.db
    .transaction()
    .execute((t) =>
      recordAudit(t, { actor: actorLabel(actor), action: 'ledger.donor_report', target: funding.code }),
    );
  return report;
}

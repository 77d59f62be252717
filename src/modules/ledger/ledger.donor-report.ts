import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { type DisclosureCell, type SmallCellSuppressor, suppressSmallCells } from './ledger.disclosure.ts';
import { budgetTermsSchema, donorReportSchema } from './ledger.finance.schemas.ts';
import { canKeepLedger } from './ledger.policy.ts';
import { findAccountById, listCurrencies } from './ledger.repository.ts';
import { listDonorReportRows, setBudgetTermsRow } from './ledger.report.repository.ts';
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

function cellOf(rows: readonly { recipient: string; net: number }[]): DisclosureCell {
  return { value: rows.reduce((s, r) => s + r.net, 0), count: new Set(rows.map((r) => r.recipient)).size };
}

/** The donor report of a funding source. Audited (who produced which donor's report). */
export async function getDonorReport(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  suppress: SmallCellSuppressor = suppressSmallCells,
): Promise<DonorReport> {
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
    months: months.map((month) => {
      const inMonth = rows.filter((r) => r.month === month);
      const purposes = [...new Set(inMonth.map((r) => r.purpose))].sort();
      const countries = [...new Set(inMonth.map((r) => r.country))].sort();
      const table = {
        cells: purposes.map((p) =>
          countries.map((c) => cellOf(inMonth.filter((r) => r.purpose === p && r.country === c))),
        ),
        rowTotals: purposes.map((p) => cellOf(inMonth.filter((r) => r.purpose === p))),
        columnTotals: countries.map((c) => cellOf(inMonth.filter((r) => r.country === c))),
        total: cellOf(inMonth),
      };
      const mask = suppress(table, threshold);
      const show = (cell: DisclosureCell, hidden: boolean) => (hidden ? null : cell.value);
      return {
        month,
        purposes,
        countries,
        cells: table.cells.map((row, i) => row.map((cell, j) => show(cell, mask.cells[i]![j]!))),
        purposeTotals: table.rowTotals.map((cell, i) => show(cell, mask.rowTotals[i]!)),
        countryTotals: table.columnTotals.map((cell, j) => show(cell, mask.columnTotals[j]!)),
        total: show(table.total, mask.total),
      };
    }),
  };
  await ctx.database.db
    .transaction()
    .execute((t) =>
      recordAudit(t, { actor: actorLabel(actor), action: 'ledger.donor_report', target: funding.code }),
    );
  return report;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DisclosureTable,
  type SuppressionMask,
  totalsAttack,
} from '../../../test/support/disclosure.ts';
import { type DonorReportMonth, protectDonorMonth } from './ledger.donor-report.ts';
import type { DonorReportRow } from './ledger.report.repository.ts';

/**
 * The donor report's small-cell protection (the shared library, src/platform/disclosure.ts),
 * attacked from the reader's side: everything published, and that rows and columns add up to
 * their totals. The rows are what the report's query returns (one per recipient and cell).
 */
const MONTH = '2026-11';

/** count recipients in cell (i, j), each with its own amount. */
function rowsOf(counts: number[][], amount: (i: number, j: number, r: number) => number): DonorReportRow[] {
  return counts.flatMap((row, i) =>
    row.flatMap((n, j) =>
      Array.from({ length: n }, (_, r) => ({
        month: MONTH,
        purpose: `p${i}`,
        country: String.fromCharCode(65 + j).repeat(2),
        recipient: `recipient-${i}-${j}-${r}`,
        net: amount(i, j, r),
      })),
    ),
  );
}

/** The true table of a month and what the published report hides of it. */
function attackable(rows: DonorReportRow[], published: DonorReportMonth): [DisclosureTable, SuppressionMask] {
  const sum = (f: (r: DonorReportRow) => boolean) => ({
    value: rows.filter(f).reduce((s, r) => s + r.net, 0),
  });
  const table: DisclosureTable = {
    cells: published.purposes.map((p) =>
      published.countries.map((c) => sum((r) => r.purpose === p && r.country === c)),
    ),
    rowTotals: published.purposes.map((p) => sum((r) => r.purpose === p)),
    columnTotals: published.countries.map((c) => sum((r) => r.country === c)),
    total: sum(() => true),
  };
  const mask: SuppressionMask = {
    cells: published.cells.map((row) => row.map((v) => v === null)),
    rowTotals: published.purposeTotals.map((v) => v === null),
    columnTotals: published.countryTotals.map((v) => v === null),
    total: published.total === null,
  };
  return [table, mask];
}

const countsArb = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([r, c]) =>
    fc.array(fc.array(fc.integer({ min: 0, max: 25 }), { minLength: c, maxLength: c }), {
      minLength: r,
      maxLength: r,
    }),
  )
  // A month with no recipient at all is not in the report.
  .filter((counts) => counts.flat().some((n) => n > 0));

describe('small-cell suppression of the donor report', () => {
  it('hides every small cell and total, and the totals attack recovers none of them', () => {
    fc.assert(
      fc.property(countsArb, (counts) => {
        const rows = rowsOf(counts, (i, j, r) => 100 + i * 7 + j + r);
        const month = protectDonorMonth(MONTH, rows, 10);
        const [table, mask] = attackable(rows, month);
        month.purposes.forEach((p, i) => {
          month.countries.forEach((c, j) => {
            const people = rows.filter((r) => r.purpose === p && r.country === c).length;
            if (people > 0 && people < 10) expect(month.cells[i]![j]).toBeNull();
          });
        });
        expect(totalsAttack(table, mask).size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('needs its complementary suppression: hiding only the small cells gives them away', () => {
    // 12 recipients 1,500; 2 recipients 300 | 11 recipients 2,000; nobody.
    const rows = rowsOf(
      [
        [12, 2],
        [11, 0],
      ],
      (i, j, r) => (i === 0 ? (j === 0 ? 125 : 150) : r === 0 ? 200 : 180),
    );
    const month = protectDonorMonth(MONTH, rows, 10);
    const [table, mask] = attackable(rows, month);
    const primaryOnly: SuppressionMask = {
      cells: [
        [false, true],
        [false, false],
      ],
      rowTotals: [false, false],
      columnTotals: [false, true],
      total: false,
    };
    expect(totalsAttack(table, primaryOnly)).toContain('0,1');
    expect(month.cells[0]![1]).toBeNull();
    expect(totalsAttack(table, mask).size).toBe(0);
    expect(month.total).toBe(3_800);
  });
});

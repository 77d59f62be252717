import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { totalsAttack } from '../../../test/support/disclosure.ts';
import { type DisclosureTable, type SuppressionMask, suppressSmallCells } from './ledger.disclosure.ts';

const tableArb = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([r, c]) =>
    fc.array(fc.array(fc.integer({ min: 0, max: 25 }), { minLength: c, maxLength: c }), {
      minLength: r,
      maxLength: r,
    }),
  )
  .map((counts): DisclosureTable => {
    // One recipient per count, 100 per recipient plus the cell's position (values differ).
    const cell = (count: number, i: number, j: number) => ({
      value: count * 100 + (count > 0 ? i * 7 + j : 0),
      count,
    });
    const cells = counts.map((row, i) => row.map((n, j) => cell(n, i, j)));
    const sum = (xs: { value: number; count: number }[]) => ({
      value: xs.reduce((s, x) => s + x.value, 0),
      count: xs.reduce((s, x) => s + x.count, 0),
    });
    const cols = counts[0]!.length;
    return {
      cells,
      rowTotals: cells.map(sum),
      columnTotals: Array.from({ length: cols }, (_, j) => sum(cells.map((row) => row[j]!))),
      total: sum(cells.flat()),
    };
  });

describe('small-cell suppression of the donor report', () => {
  it('hides every small cell and total, and the totals attack recovers none of them', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const mask = suppressSmallCells(table, 10);
        table.cells.forEach((row, i) => {
          row.forEach((c, j) => {
            if (c.count > 0 && c.count < 10) expect(mask.cells[i]![j]).toBe(true);
          });
        });
        expect(totalsAttack(table, mask).size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('needs its complementary suppression: hiding only the small cells gives them away', () => {
    const table: DisclosureTable = {
      cells: [
        [
          { value: 1_500, count: 12 },
          { value: 300, count: 2 },
        ],
        [
          { value: 2_000, count: 11 },
          { value: 0, count: 0 },
        ],
      ],
      rowTotals: [
        { value: 1_800, count: 14 },
        { value: 2_000, count: 11 },
      ],
      columnTotals: [
        { value: 3_500, count: 23 },
        { value: 300, count: 2 },
      ],
      total: { value: 3_800, count: 25 },
    };
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
    const mask = suppressSmallCells(table, 10);
    expect(totalsAttack(table, mask).size).toBe(0);
    expect(mask.total).toBe(false);
  });
});

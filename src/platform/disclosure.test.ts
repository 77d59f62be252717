import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  determinedCells,
  isSensitive,
  marginView,
  type Protected1D,
  type Protected2D,
  protect1D,
  protect2D,
  rowView,
  suppressionGrid,
} from './disclosure.ts';

/**
 * The attacker's side of small-cell protection: everything an attacker sees (the published
 * cells and totals of one or several views) is turned into linear equations and solved
 * exactly (Gaussian elimination over the rationals, BigInt). A suppressed cell the equations
 * pin to one value is a disclosure; so is any published value, or any difference of two
 * published values, in 1..k-1.
 */

type Equation = { coefficients: Map<number, bigint>; constant: bigint };

/** The suppressed cells of a grid-with-margins that the line equations determine (independently of determinedCells). */
function solveGrid(truth: number[][], published: (number | null)[][]): Map<string, bigint> {
  const rows = truth.length;
  const columns = truth[0]?.length ?? 0;
  const index = new Map<string, number>();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) if (published[i]?.[j] === null) index.set(`${i},${j}`, index.size);
  }
  const equations: Equation[] = [];
  const line = (cells: Array<[number, number]>, totalCell: [number, number]) => {
    const coefficients = new Map<number, bigint>();
    let constant = 0n;
    const add = ([i, j]: [number, number], sign: bigint) => {
      const v = published[i]?.[j];
      if (v === null || v === undefined) {
        const x = index.get(`${i},${j}`) as number;
        coefficients.set(x, (coefficients.get(x) ?? 0n) + sign);
      } else constant -= sign * BigInt(v);
    };
    for (const c of cells) add(c, 1n);
    add(totalCell, -1n);
    equations.push({ coefficients, constant });
  };
  for (let i = 0; i < rows; i++) {
    line(
      Array.from({ length: columns - 1 }, (_, j) => [i, j] as [number, number]),
      [i, columns - 1],
    );
  }
  for (let j = 0; j < columns; j++) {
    line(
      Array.from({ length: rows - 1 }, (_, i) => [i, j] as [number, number]),
      [rows - 1, j],
    );
  }
  return solveExactly(equations, index);
}

/** Reduced row echelon form; an unknown is determined when a row holds it alone. */
function solveExactly(equations: Equation[], index: Map<string, number>): Map<string, bigint> {
  const n = index.size;
  const m = equations.map((e) => {
    const row = new Array<bigint>(n + 1).fill(0n);
    for (const [x, c] of e.coefficients) row[x] = c;
    row[n] = e.constant;
    return row;
  });
  let r = 0;
  for (let col = 0; col < n && r < m.length; col++) {
    const p = m.findIndex((row, i) => i >= r && row[col] !== 0n);
    if (p === -1) continue;
    [m[r], m[p]] = [m[p] as bigint[], m[r] as bigint[]];
    const pivot = m[r] as bigint[];
    for (let i = 0; i < m.length; i++) {
      if (i === r || (m[i] as bigint[])[col] === 0n) continue;
      const row = m[i] as bigint[];
      const f = row[col] as bigint;
      const g = pivot[col] as bigint;
      for (let c = 0; c <= n; c++) row[c] = (row[c] as bigint) * g - (pivot[c] as bigint) * f;
    }
    r++;
  }
  const names = [...index.keys()];
  const found = new Map<string, bigint>();
  for (const row of m) {
    const nonZero = row.slice(0, n).flatMap((c, x) => (c === 0n ? [] : [x]));
    if (nonZero.length === 1) {
      const x = nonZero[0] as number;
      found.set(names[x] as string, (row[n] as bigint) / (row[x] as bigint));
    }
  }
  return found;
}

function gridOf(values: number[][]): number[][] {
  const out = values.map((r) => [...r, r.reduce((a, b) => a + b, 0)]);
  out.push(out[0]?.map((_, j) => out.reduce((a, r) => a + (r[j] as number), 0)) ?? []);
  return out;
}

function publishedGrid(t: Protected2D): (number | null)[][] {
  const g = t.cells.map((r, i) => [...r, t.rowTotals[i] ?? null]);
  g.push([...t.columnTotals, t.total]);
  return g;
}

/** Every check an attacker could make on one protected 2-D table; returns what leaked. */
function attack2D(values: number[][], t: Protected2D, k: number): string[] {
  const truth = gridOf(values);
  const shown = publishedGrid(t);
  const leaks: string[] = [];
  shown.forEach((r, i) => {
    r.forEach((v, j) => {
      if (v !== null && v !== truth[i]?.[j]) leaks.push(`cell ${i},${j} shows a wrong value`);
      if (v !== null && isSensitive(v, k)) leaks.push(`cell ${i},${j} published with ${v}`);
    });
  });
  for (const [cell, value] of solveGrid(truth, shown)) {
    const [i, j] = cell.split(',').map(Number) as [number, number];
    if (value !== BigInt(truth[i]?.[j] ?? -1)) leaks.push(`solver bug at ${cell}`);
    leaks.push(`suppressed cell ${cell} recovered as ${value}`);
  }
  return leaks;
}

describe('one-way tables', () => {
  it('suppresses small counts and one more, so the total gives nothing back', () => {
    const t = protect1D([40, 3, 25, 12]);
    expect(t.cells).toEqual([40, null, 25, null]);
    expect(t.total).toBe(80);
    // Total minus what is shown is the sum of two hidden cells, never a small number.
    expect(80 - 40 - 25).toBeGreaterThanOrEqual(10);
  });

  it('adds cells until the hidden part counts at least k people', () => {
    const t = protect1D([1, 2, 3, 50]);
    // 1+2+3 = 6 < 10: the 50 must go too, and then the total is all that is left.
    expect(t.cells).toEqual([null, null, null, null]);
    expect(t.total).toBe(56);
  });

  it('hides everything when the total itself is small', () => {
    expect(protect1D([0, 4, 3])).toEqual({ cells: [0, null, null], total: null });
  });

  it('leaves a table without small counts alone, zeros included', () => {
    expect(protect1D([0, 10, 31])).toEqual({ cells: [0, 10, 31], total: 41 });
  });

  it('judges sensitivity by people when the values are amounts', () => {
    const t = protect1D([900_00, 5_000_00, 120_00], { contributors: [2, 40, 15] });
    expect(t.cells).toEqual([null, 5_000_00, null]);
  });

  it('never leaves a hidden cell that the total pins down (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 60 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (values) => {
          const t: Protected1D = protect1D(values);
          const hidden = t.cells.filter((c) => c === null).length;
          for (const c of t.cells) if (c !== null) expect(isSensitive(c)).toBe(false);
          if (t.total !== null) {
            expect(isSensitive(t.total)).toBe(false);
            expect(hidden === 0 || hidden >= 2).toBe(true);
            const rest = t.total - t.cells.reduce<number>((a, c) => a + (c ?? 0), 0);
            expect(hidden === 0 ? rest === 0 : rest >= 10).toBe(true);
          }
        },
      ),
      { numRuns: 60, seed: 19 },
    );
  });
});

describe('two-way tables with margins: recovering a cell from its row and column totals', () => {
  it('an unprotected table gives a small cell back from its totals (the attack works)', () => {
    const values = [
      [30, 2],
      [25, 40],
    ];
    // Only the primary cell hidden: its row total minus the other cell gives it back.
    const naive: Protected2D = {
      cells: [
        [30, null],
        [25, 40],
      ],
      rowTotals: [32, 65],
      columnTotals: [55, 42],
      total: 97,
    };
    expect(attack2D(values, naive, 10)).toContain('suppressed cell 0,1 recovered as 2');
  });

  it('protect2D leaves the same table with nothing to recover', () => {
    const values = [
      [30, 2],
      [25, 40],
    ];
    const t = protect2D(values);
    expect(attack2D(values, t, 10)).toEqual([]);
    expect(t.cells[0]?.[1]).toBeNull();
  });

  it('closes a bridge that the row and column rules alone leave open', () => {
    // Two blocks of small cells joined by one line: each line has two hidden cells, yet the
    // cell between the blocks is determined until a cell across is added.
    const values = [
      [5, 6, 50, 60],
      [6, 5, 7, 70],
      [80, 90, 5, 6],
      [85, 95, 6, 5],
    ];
    const t = protect2D(values);
    expect(attack2D(values, t, 10)).toEqual([]);
    expect(determinedCells(suppressionGrid(t))).toEqual([]);
  });

  it('never publishes a small count or a recoverable cell (property, with the exact solver)', () => {
    const small = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 80 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((rows) =>
          fc.integer({ min: 1, max: 5 }).chain((cols) =>
            fc.array(fc.array(small, { minLength: cols, maxLength: cols }), {
              minLength: rows,
              maxLength: rows,
            }),
          ),
        ),
        (values) => {
          const t = protect2D(values);
          expect(attack2D(values, t, 10)).toEqual([]);
        },
      ),
      { numRuns: 80, seed: 1919 },
    );
  });
});

describe('differencing two queries', () => {
  it('a team filter and no filter, sliced from one protected table, difference to nothing small', () => {
    // Rows: teams (and unassigned); columns: countries. The team view is its row, the
    // unfiltered view the column totals.
    const values = [
      [12, 14, 30],
      [1, 20, 11],
      [0, 9, 40],
    ];
    const t = protect2D(values);
    const all = marginView(t);
    for (let team = 0; team < values.length; team++) {
      const one = rowView(t, team);
      one.cells.forEach((c, j) => {
        const whole = all.cells[j];
        if (c !== null && whole !== null && whole !== undefined)
          expect(isSensitive(whole - c), `team ${team} col ${j}`).toBe(false);
      });
      if (one.total !== null && all.total !== null) expect(isSensitive(all.total - one.total)).toBe(false);
    }
    expect(attack2D(values, t, 10)).toEqual([]);
  });

  it('a period and that period plus one day: protected apart they leak, sliced from one table they do not', () => {
    // Columns: applicant types. The extra day brought one officer.
    const period = [40, 25, 12];
    const extraDay = [0, 0, 1];
    const plusOne = period.map((v, j) => v + (extraDay[j] as number));
    // Protected one by one, both tables are fine alone ...
    const a = protect1D(period);
    const b = protect1D(plusOne);
    expect(a.cells).toEqual([40, 25, 12]);
    expect(b.cells).toEqual([40, 25, 13]);
    // ... and their difference names the one officer: why the dashboards never offer such pairs
    // to roles that do not hold the cases (whole quarters only, docs/reports.md).
    expect((b.cells[2] as number) - (a.cells[2] as number)).toBe(1);
    // Sliced from one protected table (rows: the period, the extra day), the pair is safe.
    const t = protect2D([period, extraDay]);
    const first = rowView(t, 0);
    const both = marginView(t);
    first.cells.forEach((c, j) => {
      const w = both.cells[j];
      if (c !== null && w !== null && w !== undefined) expect(isSensitive(w - c)).toBe(false);
    });
    expect(attack2D([period, extraDay], t, 10)).toEqual([]);
  });
});

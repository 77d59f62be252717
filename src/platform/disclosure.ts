/**
 * Small-cell protection (issue 19, ADR 0143): primary suppression of every count below a
 * threshold k, and complementary suppression so that no suppressed cell can be worked out
 * exactly from the totals published beside it. Pure: no database, no clock, no randomness.
 *
 * A protected cell is `null` (shown as "suppressed"); every other cell is the true value.
 *
 * What is guaranteed (and tested in disclosure.test.ts):
 * - No published cell holds a count in 1..k-1 (a "sensitive" count), margins included.
 * - In every line of a table (a row or a column, with its total) either nothing is suppressed
 *   or at least two cells are, and the suppressed cells of that line together count at least
 *   k contributors — so the total minus the published cells never gives a small number.
 * - No suppressed cell is determined by the published cells and totals through linear
 *   equations: each suppressed cell lies on a cycle of suppressed cells (for a 2-D table with
 *   margins, a cell is determined exactly when it is a bridge of the bipartite graph whose
 *   nodes are the lines and whose edges are the suppressed cells; `determinedCells` checks
 *   it, and protect2D adds cells until there is no bridge).
 *
 * What it does not guarantee (documented in docs/reports.md):
 * - Intervals: with non-negativity an attacker can bound a suppressed cell (it is at most the
 *   suppressed sum of its line). The "suppressed sum ≥ k" rule keeps such bounds wide, but the
 *   widths are not computed by linear programming.
 * - Several overlapping tables are protected only when they are slices of ONE protected table
 *   (a team's row and the all-teams margin of the same team × category table). Two separately
 *   protected tables of overlapping populations (a period and that period plus a day) can be
 *   differenced: callers must not publish such pairs to roles that do not hold the cases. The
 *   dashboards enforce that by offering those roles whole calendar quarters only and by
 *   slicing every team view out of one protected table.
 */

/** The default threshold: counts 1..9 are never shown to roles that do not hold the cases. */
export const DEFAULT_K = 10;

/** A count is sensitive when some, but fewer than k, people are in it. Zero is not sensitive. */
export function isSensitive(contributors: number, k: number = DEFAULT_K): boolean {
  return contributors > 0 && contributors < k;
}

export interface ProtectOptions {
  /** The threshold (default 10). */
  k?: number;
  /**
   * The number of people behind each cell, when the published values are not head counts
   * (amounts of money): sensitivity and the "suppressed sum ≥ k" rule use these. Same shape.
   */
  contributors?: readonly number[];
}

export interface Protected1D {
  /** Each category's value, or null when suppressed. */
  cells: (number | null)[];
  /** The total, or null when suppressed (only when the total itself is sensitive). */
  total: number | null;
}

function checkCounts(values: readonly number[]): void {
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('cell values must be non-negative integers');
  }
}

/**
 * Protects a one-way table with its total: sensitive cells are suppressed; if that leaves one
 * suppressed cell, or suppressed cells that together count fewer than k, the smallest
 * non-zero published cells are suppressed too. A sensitive total suppresses the whole table.
 */
export function protect1D(values: readonly number[], options: ProtectOptions = {}): Protected1D {
  const k = options.k ?? DEFAULT_K;
  checkCounts(values);
  const people = options.contributors ?? values;
  if (people.length !== values.length) throw new RangeError('contributors must match the values');
  checkCounts(people);
  const totalPeople = people.reduce((a, b) => a + b, 0);
  const total = values.reduce((a, b) => a + b, 0);
  if (isSensitive(totalPeople, k)) {
    // Every non-zero cell goes: with one unknown total and all its parts unknown, nothing is pinned.
    return { cells: values.map((v, i) => ((people[i] ?? 0) === 0 && v === 0 ? 0 : null)), total: null };
  }
  const suppressed = people.map((p) => isSensitive(p, k));
  completeLine(suppressed, people, k);
  return { cells: values.map((v, i) => (suppressed[i] ? null : v)), total };
}

/**
 * Makes one line safe: zero or at least two suppressed cells, counting at least k together.
 * Adds the smallest non-zero published cells first (they lose the least information); when
 * only zero cells are left, a zero cell (it still hides which of two cells holds the people).
 * Returns whether it added anything.
 */
function completeLine(suppressed: boolean[], people: readonly number[], k: number): boolean {
  let changed = false;
  for (;;) {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < suppressed.length; i++) {
      if (suppressed[i]) {
        count++;
        sum += people[i] ?? 0;
      }
    }
    if (count === 0 || (count >= 2 && sum >= k)) return changed;
    const pick = smallestPublished(suppressed, people, count >= 2);
    if (pick === -1) return changed;
    suppressed[pick] = true;
    changed = true;
  }
}

function smallestPublished(
  suppressed: readonly boolean[],
  people: readonly number[],
  nonZeroOnly: boolean,
): number {
  let best = -1;
  for (let i = 0; i < suppressed.length; i++) {
    if (suppressed[i]) continue;
    const p = people[i] ?? 0;
    if (nonZeroOnly && p === 0) continue;
    // Prefer non-zero cells; among them the smallest.
    if (best === -1 || pickScore(p) < pickScore(people[best] ?? 0)) best = i;
  }
  return best;
}

/** Complementary cells: the fewest people first, zero cells last (they hide little). */
function pickScore(people: number): number {
  return people === 0 ? Number.MAX_SAFE_INTEGER : people;
}

export interface Protected2D {
  /** cells[row][column], null when suppressed. */
  cells: (number | null)[][];
  rowTotals: (number | null)[];
  columnTotals: (number | null)[];
  total: number | null;
}

export interface Protect2DOptions {
  k?: number;
  /** People behind each cell (same shape), when the values are not head counts. */
  contributors?: readonly (readonly number[])[];
  /** More cells to suppress from the start (e.g. where another published table would difference). */
  alsoSuppress?: (row: number, column: number) => boolean;
}

/**
 * Protects a two-way table with its row totals, column totals and grand total. The table is
 * handled as an (R+1)×(C+1) grid whose last row and column are the margins; each row and each
 * column of the grid is a line whose cells add up to its margin.
 */
export function protect2D(
  values: readonly (readonly number[])[],
  options: Protect2DOptions = {},
): Protected2D {
  const k = options.k ?? DEFAULT_K;
  const rows = values.length;
  const columns = values[0]?.length ?? 0;
  for (const r of values) {
    if (r.length !== columns) throw new RangeError('every row must have the same number of columns');
    checkCounts(r);
  }
  const people = options.contributors ?? values;
  if (people.length !== rows || people.some((r) => r.length !== columns)) {
    throw new RangeError('contributors must match the values');
  }
  for (const r of people) checkCounts(r);
  const grid = withMargins(values);
  const peopleGrid = withMargins(people);
  const suppressed = peopleGrid.map((r, i) =>
    r.map(
      (p, j) => isSensitive(p, k) || (i < rows && j < columns && (options.alsoSuppress?.(i, j) ?? false)),
    ),
  );
  for (let round = 0; round < (rows + 1) * (columns + 1) + 1; round++) {
    let changed = false;
    // Lines: every row (with its total), every column (with its total).
    for (let i = 0; i <= rows; i++) {
      const line = suppressed[i] as boolean[];
      if (completeLine(line, peopleGrid[i] as number[], k)) changed = true;
    }
    for (let j = 0; j <= columns; j++) {
      const line = suppressed.map((r) => r[j] as boolean);
      const linePeople = peopleGrid.map((r) => r[j] as number);
      if (completeLine(line, linePeople, k)) {
        changed = true;
        line.forEach((s, i) => {
          (suppressed[i] as boolean[])[j] = s;
        });
      }
    }
    if (!changed) {
      const bridge = determinedCells(suppressed)[0];
      if (bridge === undefined) break;
      if (!closeCycle(suppressed, peopleGrid, bridge)) break;
    }
  }
  const show = (i: number, j: number) =>
    (suppressed[i] as boolean[])[j] ? null : ((grid[i] as number[])[j] as number);
  return {
    cells: values.map((r, i) => r.map((_, j) => show(i, j))),
    rowTotals: values.map((_, i) => show(i, columns)),
    columnTotals: Array.from({ length: columns }, (_, j) => show(rows, j)),
    total: show(rows, columns),
  };
}

function withMargins(values: readonly (readonly number[])[]): number[][] {
  const columns = values[0]?.length ?? 0;
  const out = values.map((r) => [...r, r.reduce((a, b) => a + b, 0)]);
  const bottom = Array.from({ length: columns + 1 }, (_, j) => out.reduce((a, r) => a + (r[j] as number), 0));
  out.push(bottom);
  return out;
}

/**
 * The suppressed cells of a grid-with-margins that the published cells and the line sums
 * determine exactly: the bridges of the bipartite graph (row lines and column lines as nodes,
 * suppressed cells as edges). Every cell lies in exactly two lines (its row and its column),
 * so the unknowns' equations are the graph's incidence, and an unknown is fixed exactly when
 * no cycle passes through its edge. Used by protect2D and by the attack tests.
 */
export function determinedCells(suppressed: readonly (readonly boolean[])[]): Array<[number, number]> {
  const rows = suppressed.length;
  const columns = suppressed[0]?.length ?? 0;
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) if (suppressed[i]?.[j]) edges.push([i, j]);
  }
  const bridges: Array<[number, number]> = [];
  for (const [i, j] of edges) {
    // A bridge: without this edge, row node i cannot reach column node j.
    if (!reachFrom(suppressed, i, [i, j]).columns[j]) bridges.push([i, j]);
  }
  return bridges;
}

/** The row and column nodes reachable from row `start` through suppressed cells, not crossing `skip`. */
function reachFrom(
  suppressed: readonly (readonly boolean[])[],
  start: number,
  skip: readonly [number, number],
): { rows: boolean[]; columns: boolean[] } {
  const rowCount = suppressed.length;
  const columnCount = suppressed[0]?.length ?? 0;
  const rows = new Array<boolean>(rowCount).fill(false);
  const columns = new Array<boolean>(columnCount).fill(false);
  const open = (i: number, j: number) => suppressed[i]?.[j] === true && !(i === skip[0] && j === skip[1]);
  const queue: Array<['r' | 'c', number]> = [['r', start]];
  rows[start] = true;
  while (queue.length > 0) {
    const [kind, n] = queue.shift() as ['r' | 'c', number];
    if (kind === 'r') {
      for (let j = 0; j < columnCount; j++) {
        if (open(n, j) && !columns[j]) {
          columns[j] = true;
          queue.push(['c', j]);
        }
      }
    } else {
      for (let i = 0; i < rowCount; i++) {
        if (open(i, n) && !rows[i]) {
          rows[i] = true;
          queue.push(['r', i]);
        }
      }
    }
  }
  return { rows, columns };
}

/**
 * Puts a determined cell on a cycle: splits its component at the bridge and suppresses the
 * published cell with the fewest people that joins the two sides (a row on one side with a
 * column on the other).
 */
function closeCycle(
  suppressed: boolean[][],
  people: readonly (readonly number[])[],
  bridge: [number, number],
): boolean {
  const rows = suppressed.length;
  const columns = suppressed[0]?.length ?? 0;
  // Side A: what the bridge's row reaches without the bridge; side B: everything else.
  const { rows: rowA, columns: columnA } = reachFrom(suppressed, bridge[0], bridge);
  let best: [number, number] | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      if (suppressed[i]?.[j]) continue;
      if (rowA[i] === columnA[j]) continue; // joins the two sides only when they differ
      const score = pickScore(people[i]?.[j] ?? 0);
      if (score < bestScore) {
        bestScore = score;
        best = [i, j];
      }
    }
  }
  if (best === null) return false;
  (suppressed[best[0]] as boolean[])[best[1]] = true;
  return true;
}

/** Which cells of a protected 2-D table are suppressed, as a grid with margins (for audits and tests). */
export function suppressionGrid(table: Protected2D): boolean[][] {
  const grid = table.cells.map((r, i) => [...r.map((c) => c === null), table.rowTotals[i] === null]);
  grid.push([...table.columnTotals.map((c) => c === null), table.total === null]);
  return grid;
}

/** One row of a protected table with its total, as a 1-D view (a team's slice). */
export function rowView(table: Protected2D, row: number): Protected1D {
  return { cells: [...(table.cells[row] ?? [])], total: table.rowTotals[row] ?? null };
}

/** The column totals with the grand total, as a 1-D view (the all-rows view). */
export function marginView(table: Protected2D): Protected1D {
  return { cells: [...table.columnTotals], total: table.total };
}

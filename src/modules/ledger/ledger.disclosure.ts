/**
 * Small-cell suppression for the donor report (ADR 0125), behind one small interface so that the
 * reports module's general library can replace it: a table of cells with their row, column and
 * grand totals goes in; which of them must not be shown comes out.
 *
 * Primary suppression: every cell or total counting fewer than `threshold` people (but more than
 * none). Complementary suppression: a row or column (totals included: a row's cells and its total
 * are one equation) with exactly one hidden entry would give that entry away by subtraction, so
 * a second entry of that line is hidden too (the smallest non-empty cell of the line, else an
 * empty one, else the line's total), until no line has exactly one. Then no entry can be worked
 * out from the published ones one equation at a time (the "totals attack" of the tests). It does
 * not bound the intervals a linear program could derive from several equations at once; that is
 * for the general library.
 */
export interface DisclosureCell {
  /** What is published (an amount). */
  value: number;
  /** How many people it is about (distinct recipients). */
  count: number;
}

export interface DisclosureTable {
  cells: DisclosureCell[][];
  rowTotals: DisclosureCell[];
  columnTotals: DisclosureCell[];
  total: DisclosureCell;
}

/** true: hidden. Same shape as the table. */
export interface SuppressionMask {
  cells: boolean[][];
  rowTotals: boolean[];
  columnTotals: boolean[];
  total: boolean;
}

export type SmallCellSuppressor = (table: DisclosureTable, threshold: number) => SuppressionMask;

export const DEFAULT_THRESHOLD = 10;

export const suppressSmallCells: SmallCellSuppressor = (table, threshold) => {
  const rows = table.cells.length;
  const cols = table.columnTotals.length;
  // The extended grid: row `rows` holds the column totals, column `cols` the row totals.
  const at = (i: number, j: number): DisclosureCell =>
    i === rows
      ? j === cols
        ? table.total
        : table.columnTotals[j]!
      : j === cols
        ? table.rowTotals[i]!
        : table.cells[i]![j]!;
  const hidden = Array.from({ length: rows + 1 }, (_, i) =>
    Array.from({ length: cols + 1 }, (_, j) => {
      const c = at(i, j).count;
      return c > 0 && c < threshold;
    }),
  );
  const lines: Array<Array<[number, number]>> = [
    ...Array.from({ length: rows + 1 }, (_, i) =>
      Array.from({ length: cols + 1 }, (_, j) => [i, j] as [number, number]),
    ),
    ...Array.from({ length: cols + 1 }, (_, j) =>
      Array.from({ length: rows + 1 }, (_, i) => [i, j] as [number, number]),
    ),
  ];
  for (let changed = true; changed; ) {
    changed = false;
    for (const line of lines) {
      if (line.filter(([i, j]) => hidden[i]![j]).length !== 1) continue;
      // The line's last entry is its total; prefer a cell that is not empty, then the smallest.
      const choices = line
        .slice(0, -1)
        .filter(([i, j]) => !hidden[i]![j])
        .sort(([ai, aj], [bi, bj]) => {
          const a = at(ai, aj);
          const b = at(bi, bj);
          return Number(a.count === 0) - Number(b.count === 0) || a.value - b.value || ai - bi || aj - bj;
        });
      const [i, j] = choices[0] ?? line[line.length - 1]!;
      hidden[i]![j] = true;
      changed = true;
    }
  }
  return {
    cells: hidden.slice(0, rows).map((r) => r.slice(0, cols)),
    rowTotals: hidden.slice(0, rows).map((r) => r[cols]!),
    columnTotals: hidden[rows]!.slice(0, cols),
    total: hidden[rows]![cols]!,
  };
};

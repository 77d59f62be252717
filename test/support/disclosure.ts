/** A published table with its true values: cells, row totals, column totals, grand total. */
export interface DisclosureTable {
  cells: { value: number }[][];
  rowTotals: { value: number }[];
  columnTotals: { value: number }[];
  total: { value: number };
}

/** true: hidden. Same shape as the table. */
export interface SuppressionMask {
  cells: boolean[][];
  rowTotals: boolean[];
  columnTotals: boolean[];
  total: boolean;
}

/**
 * The totals attack: whoever reads the report knows every published entry and that each row's
 * cells add up to its total, each column's to its total. Any row or column with exactly one
 * unknown gives it away; solving those one at a time, over and over, recovers what it can.
 * Returns the hidden entries it recovered, as "i,j" of the extended grid (totals last).
 */
export function totalsAttack(table: DisclosureTable, mask: SuppressionMask): Set<string> {
  const rows = table.cells.length;
  const cols = table.columnTotals.length;
  const value = (i: number, j: number) =>
    i === rows
      ? j === cols
        ? table.total.value
        : table.columnTotals[j]!.value
      : j === cols
        ? table.rowTotals[i]!.value
        : table.cells[i]![j]!.value;
  const hidden = (i: number, j: number) =>
    i === rows
      ? j === cols
        ? mask.total
        : mask.columnTotals[j]!
      : j === cols
        ? mask.rowTotals[i]!
        : mask.cells[i]![j]!;
  const known = new Map<string, number>();
  for (let i = 0; i <= rows; i++)
    for (let j = 0; j <= cols; j++) if (!hidden(i, j)) known.set(`${i},${j}`, value(i, j));
  const recovered = new Set<string>();
  const lines = [
    ...Array.from({ length: rows + 1 }, (_, i) => Array.from({ length: cols + 1 }, (_, j) => `${i},${j}`)),
    ...Array.from({ length: cols + 1 }, (_, j) => Array.from({ length: rows + 1 }, (_, i) => `${i},${j}`)),
  ];
  for (let progress = true; progress; ) {
    progress = false;
    for (const line of lines) {
      const unknown = line.filter((k) => !known.has(k));
      if (unknown.length !== 1) continue;
      const total = known.get(line[line.length - 1]!);
      const parts = line.slice(0, -1).reduce((s, k) => s + (known.get(k) ?? 0), 0);
      // The unknown is either the total (sum of the parts) or one part (total minus the rest).
      known.set(unknown[0]!, unknown[0] === line[line.length - 1] ? parts : total! - parts);
      recovered.add(unknown[0]!);
      progress = true;
    }
  }
  return recovered;
}

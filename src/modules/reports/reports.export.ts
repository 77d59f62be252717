import type { Locale } from '../../platform/i18n/index.ts';
import type { Dashboard, TableView } from './dashboard.service.ts';
import { categoryLabel, tableTitle } from './reports.labels.ts';
import { reportsMessages as m } from './reports.messages.ts';

/**
 * Exports of a dashboard table (CSV and JSON), protected exactly as on the page: a suppressed
 * cell is empty in CSV and null in JSON.
 */

/**
 * One CSV field, safe to open in a spreadsheet: always quoted, quotes doubled, and a text that
 * a spreadsheet would take for a formula (=, +, -, @, tab, carriage return first) gets a
 * leading apostrophe, the OWASP advice against CSV injection. Numbers are written as digits.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

export function tableCsv(locale: Locale, table: TableView): string {
  const lines: Array<Array<string | number | null>> = [];
  if (table.kind === 'duration') {
    lines.push(['key', 'category', 'cases', 'median_days', 'p90_days']);
    for (const r of table.rows)
      lines.push([r.key, categoryLabel(locale, table.id, r.key), r.n, r.median, r.p90]);
  } else {
    lines.push(table.cumulative ? ['key', 'category', 'value', 'reached'] : ['key', 'category', 'value']);
    for (const r of table.rows) {
      const line: Array<string | number | null> = [r.key, categoryLabel(locale, table.id, r.key), r.value];
      if (table.cumulative) line.push(r.reached ?? null);
      lines.push(line);
    }
    lines.push(['total', m(locale, 'reports.total'), table.total]);
  }
  return `${lines.map((l) => l.map(csvField).join(',')).join('\r\n')}\r\n`;
}

export function tableJson(locale: Locale, dashboard: Dashboard, table: TableView): string {
  return `${JSON.stringify(
    {
      table: table.id,
      title: tableTitle(locale, table),
      period: { from: dashboard.filter.from, to: dashboard.filter.to },
      team: dashboard.filter.team === undefined ? 'all' : (dashboard.filter.team ?? 'none'),
      suppression: dashboard.restricted ? { k: dashboard.k, suppressedCells: table.suppressed } : null,
      ...(table.kind === 'duration'
        ? { rows: table.rows }
        : { unit: table.unit, unavailable: table.unavailable, rows: table.rows, total: table.total }),
    },
    null,
    2,
  )}\n`;
}

import type { Locale } from '../../platform/i18n/index.ts';
import type { TableView } from './dashboard.service.ts';
import { isReportsMessageKey, reportsMessages as m, type ReportsMessageKey } from './reports.messages.ts';

/** The title of a dashboard table in the locale. */
export function tableTitle(locale: Locale, table: Pick<TableView, 'id'>): string {
  if (table.id.startsWith('disbursements_')) {
    return m(locale, 'reports.table.disbursements', { currency: table.id.slice('disbursements_'.length) });
  }
  const key = `reports.table.${table.id}`;
  return isReportsMessageKey(key) ? m(locale, key) : table.id;
}

const PREFIXES: Readonly<Record<string, readonly string[]>> = {
  funnel: ['reports.stage.'],
  outcome: ['reports.outcome.'],
  destination_region: ['reports.region.'],
  channel: ['reports.channel.'],
  time_in_state: ['reports.status.', 'reports.stage.'],
  time_to_safety: ['reports.stage.'],
};

/** The label of a category: stages, outcomes, channels and statuses are translated; codes stay as they are. */
export function categoryLabel(locale: Locale, tableId: string, key: string): string {
  if (tableId === 'country' && key === '') return m(locale, 'reports.country.none');
  for (const prefix of PREFIXES[tableId] ?? []) {
    const candidate = `${prefix}${key}`;
    if (isReportsMessageKey(candidate)) return m(locale, candidate as ReportsMessageKey);
  }
  return key;
}

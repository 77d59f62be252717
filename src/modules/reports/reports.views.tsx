import type { Locale } from '../../platform/i18n/index.ts';
import { DataTable, type StaffFrame, StaffPage } from '../../platform/ui/index.ts';
import type { CountRow, CountTableView, Dashboard, DurationRowView, TableView } from './dashboard.service.ts';
import { categoryLabel, tableTitle } from './reports.labels.ts';
import { reportsMessages as m } from './reports.messages.ts';

/**
 * The dashboard page. Each table is a section: its chart (an SVG put in the chart's slot after
 * rendering, see reports.routes.tsx), the table with the same figures beside it, and its
 * downloads. Works without JavaScript: the filter is a plain GET form.
 */

/** Where a chart's SVG goes: the route replaces this exact markup with the chart. */
export const chartSlot = (id: string) => `<span data-chart-slot="${id}"></span>`;

export function dashboardQuery(d: Dashboard, locale: Locale): string {
  const p = new URLSearchParams();
  if (d.restricted) p.set('quarter', d.filter.quarter);
  else {
    p.set('from', d.filter.from);
    p.set('to', d.filter.to);
  }
  if (d.filter.team !== undefined) p.set('team', d.filter.team ?? 'none');
  p.set('lang', locale);
  return p.toString();
}

function shown(locale: Locale, value: number | null | undefined): string {
  return value === null || value === undefined ? m(locale, 'reports.suppressed') : String(value);
}

function FilterForm(props: { locale: Locale; dashboard: Dashboard }) {
  const l = props.locale;
  const d = props.dashboard;
  const team = d.filter.team === undefined ? 'all' : (d.filter.team ?? 'none');
  return (
    <form method="get" action="/staff/reports" class="filters">
      <input type="hidden" name="lang" value={l} />
      <fieldset>
        <legend>{m(l, 'reports.filter.legend')}</legend>
        <p>
          <label for="r-quarter">{m(l, 'reports.filter.quarter')}</label>
          <select id="r-quarter" name="quarter">
            {[...new Set([d.filter.quarter, ...d.quarters])].map((q) => (
              <option value={q} selected={q === d.filter.quarter} key={q}>
                {q}
              </option>
            ))}
          </select>
        </p>
        {d.restricted ? null : (
          <>
            <p class="hint" id="r-dates-hint">
              {m(l, 'reports.filter.dates.hint')}
            </p>
            <p>
              <label for="r-from">{m(l, 'reports.filter.from')}</label>
              <input id="r-from" name="from" type="date" aria-describedby="r-dates-hint" />
            </p>
            <p>
              <label for="r-to">{m(l, 'reports.filter.to')}</label>
              <input id="r-to" name="to" type="date" aria-describedby="r-dates-hint" />
            </p>
          </>
        )}
        <p>
          <label for="r-team">{m(l, 'reports.filter.team')}</label>
          <select id="r-team" name="team">
            <option value="all" selected={team === 'all'}>
              {m(l, 'reports.filter.team.all')}
            </option>
            {d.teams.map((t) => (
              <option value={t.id} selected={team === t.id} key={t.id}>
                {t.name}
              </option>
            ))}
            <option value="none" selected={team === 'none'}>
              {m(l, 'reports.filter.team.none')}
            </option>
          </select>
        </p>
        <button type="submit">{m(l, 'reports.filter.submit')}</button>
      </fieldset>
    </form>
  );
}

function CountTable(props: { locale: Locale; table: CountTableView; caption: string }) {
  const l = props.locale;
  const t = props.table;
  const rows: Array<CountRow & { label: string }> = [
    ...t.rows.map((r) => ({ ...r, label: categoryLabel(l, t.id, r.key) })),
    { key: '__total', label: m(l, 'reports.total'), value: t.total },
  ];
  return (
    <DataTable<CountRow & { label: string }>
      caption={props.caption}
      rows={rows}
      rowKey={(r) => r.key}
      empty=""
      rowAttributes={(r) => ({ 'data-key': r.key })}
      columns={[
        {
          key: 'label',
          header: t.cumulative ? m(l, 'reports.col.stopped') : m(l, 'reports.col.category'),
          cell: (r) => r.label,
          rowHeader: true,
        },
        {
          key: 'value',
          header: t.kind === 'amount' ? m(l, 'reports.col.amount') : m(l, 'reports.col.value'),
          cell: (r) => shown(l, r.value),
        },
        ...(t.cumulative
          ? [
              {
                key: 'reached',
                header: m(l, 'reports.col.reached'),
                cell: (r: CountRow) => (r.key === '__total' ? '' : shown(l, r.reached)),
              },
            ]
          : []),
      ]}
    />
  );
}

function DurationTable(props: { locale: Locale; rows: DurationRowView[]; id: string; caption: string }) {
  const l = props.locale;
  return (
    <DataTable<DurationRowView>
      caption={props.caption}
      rows={props.rows}
      rowKey={(r) => r.key}
      empty={m(l, 'reports.chart.empty')}
      columns={[
        {
          key: 'key',
          header: m(l, 'reports.col.category'),
          cell: (r) => categoryLabel(l, props.id, r.key),
          rowHeader: true,
        },
        { key: 'n', header: m(l, 'reports.col.n'), cell: (r) => shown(l, r.n) },
        { key: 'median', header: m(l, 'reports.col.median'), cell: (r) => shown(l, r.median) },
        { key: 'p90', header: m(l, 'reports.col.p90'), cell: (r) => shown(l, r.p90) },
      ]}
    />
  );
}

function TableSection(props: { locale: Locale; dashboard: Dashboard; table: TableView; hasChart: boolean }) {
  const l = props.locale;
  const t = props.table;
  const title = tableTitle(l, t);
  const query = dashboardQuery(props.dashboard, l);
  return (
    <section aria-labelledby={`h-${t.id}`} id={`t-${t.id}`}>
      <h2 id={`h-${t.id}`}>{title}</h2>
      {t.kind !== 'duration' && t.unavailable ? (
        <p>{m(l, 'reports.not_by_team')}</p>
      ) : (
        <div class="report">
          {props.hasChart ? (
            <figure class="chart">
              <span data-chart-slot={t.id} />
            </figure>
          ) : (
            <p>{m(l, 'reports.chart.empty')}</p>
          )}
          {t.kind === 'duration' ? (
            <DurationTable locale={l} rows={t.rows} id={t.id} caption={title} />
          ) : (
            <CountTable locale={l} table={t} caption={title} />
          )}
          {t.suppressed > 0 ? (
            <p class="hint">{m(l, 'reports.suppressed.count', { count: t.suppressed })}</p>
          ) : null}
          <p>
            {m(l, 'reports.download', { title })}{' '}
            <a href={`/staff/reports/export/${t.id}.csv?${query}`} download>
              {m(l, 'reports.download.csv')}
            </a>{' '}
            <a href={`/staff/reports/export/${t.id}.json?${query}`} download>
              {m(l, 'reports.download.json')}
            </a>
          </p>
        </div>
      )}
    </section>
  );
}

export function DashboardView(props: {
  frame: StaffFrame;
  dashboard: Dashboard;
  charts: ReadonlySet<string>;
}) {
  const l = props.frame.locale;
  const d = props.dashboard;
  return (
    <StaffPage frame={props.frame} title={m(l, 'reports.title')} path="/staff/reports">
      <h1>{m(l, 'reports.title')}</h1>
      <p>{m(l, 'reports.intro')}</p>
      <p>{d.restricted ? m(l, 'reports.restricted', { k: d.k }) : m(l, 'reports.holder')}</p>
      <FilterForm locale={l} dashboard={d} />
      <p id="r-period">{m(l, 'reports.period', { from: d.filter.from, to: d.filter.to })}</p>
      {d.tables.map((t) => (
        <TableSection locale={l} dashboard={d} table={t} hasChart={props.charts.has(t.id)} key={t.id} />
      ))}
    </StaffPage>
  );
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { renderDocument } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { addStaffNav, staffFrame } from '../../platform/ui/index.ts';
import { requireStaff } from '../auth/index.ts';
import {
  type Dashboard,
  exportDashboardTable,
  exportFileName,
  getDashboard,
  type TableView,
} from './dashboard.service.ts';
import { type ChartPoint, embeddableSvg, renderBarChart } from './reports.charts.ts';
import { tableCsv, tableJson } from './reports.export.ts';
import { categoryLabel, tableTitle } from './reports.labels.ts';
import { reportsMessages as m } from './reports.messages.ts';
import { canSeeDashboards } from './reports.policy.ts';
import { chartSlot, DashboardView } from './reports.views.tsx';

/**
 * The reports pages inside the /staff scope (session and CSRF checked by its guard):
 * the dashboard and its exports. Everyone who may not see them gets 404.
 */
export async function reportsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/reports',
    label: (l) => m(l, 'reports.nav'),
    visible: canSeeDashboards,
    order: 45,
  });

  app.get('/staff/reports', async (request, reply) => {
    const dashboard = await getDashboard(ctx, requireStaff(request), request.query);
    const frame = await staffFrame(request, reply);
    const charts = await renderCharts(frame.locale, dashboard);
    let html = renderDocument(
      <DashboardView frame={frame} dashboard={dashboard} charts={new Set(charts.keys())} />,
    );
    for (const [id, svg] of charts) html = html.replace(chartSlot(id), svg);
    return reply.status(200).type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: { file: string } }>('/staff/reports/export/:file', async (request, reply) => {
    const actor = requireStaff(request);
    const match = /^([a-z][a-z0-9_]{0,60}|disbursements_[A-Z]{3})\.(csv|json)$/.exec(request.params.file);
    const { dashboard, table } = await exportDashboardTable(ctx, actor, match?.[1] ?? '', request.query);
    const format = match?.[2] === 'json' ? 'json' : 'csv';
    const body =
      format === 'csv' ? tableCsv(request.locale, table) : tableJson(request.locale, dashboard, table);
    return reply
      .status(200)
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header(
        'Content-Disposition',
        `attachment; filename="${exportFileName(table.id, dashboard.filter, format)}"`,
      )
      .send(body);
  });
}

/** The points of a table's chart: what the table shows, less the suppressed cells. */
export function chartPoints(locale: Locale, table: TableView): ChartPoint[] {
  if (table.kind === 'duration') {
    return table.rows.flatMap((r) => {
      const label = categoryLabel(locale, table.id, r.key);
      const out: ChartPoint[] = [];
      if (r.median !== null) out.push({ label, value: r.median, series: m(locale, 'reports.col.median') });
      if (r.p90 !== null) out.push({ label, value: r.p90, series: m(locale, 'reports.col.p90') });
      return out;
    });
  }
  if (table.unavailable) return [];
  if (table.kind === 'amount') {
    return table.rows.flatMap((r) => {
      if (r.value === null) return [];
      const [purpose = r.key, month = ''] = r.key.split(' · ');
      return [{ label: month, value: r.value, series: purpose }];
    });
  }
  if (table.cumulative) {
    return table.rows.flatMap((r) =>
      r.reached === null || r.reached === undefined
        ? []
        : [{ label: categoryLabel(locale, table.id, r.key), value: r.reached }],
    );
  }
  return table.rows.flatMap((r) =>
    r.value === null ? [] : [{ label: categoryLabel(locale, table.id, r.key), value: r.value }],
  );
}

/** Every chart of the dashboard as embeddable SVG, by table id (tables with nothing to draw have none). */
export async function renderCharts(locale: Locale, dashboard: Dashboard): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of dashboard.tables) {
    const points = chartPoints(locale, table);
    if (points.length === 0) continue;
    const title = tableTitle(locale, table);
    const weekly =
      table.id === 'cases_opened' || table.id === 'cases_closed' || table.id === 'pathway_checks';
    const svg = await renderBarChart({
      title,
      xTitle: m(locale, weekly ? 'reports.axis.week' : 'reports.axis.category'),
      yTitle: m(locale, 'reports.axis.count'),
      points,
    });
    out.set(table.id, embeddableSvg(svg, m(locale, 'reports.chart.label', { title })));
  }
  return out;
}

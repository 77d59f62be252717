import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import * as tar from 'tar-stream';
import type { AppContext } from '../../context.ts';
import { auditPublicKey } from '../../crypto/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { renderDocument } from '../../platform/html.tsx';
import type { Locale } from '../../platform/i18n/index.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { today } from '../cases/index.ts';
import {
  type Dashboard,
  exportDashboardTable,
  exportFileName,
  getDashboard,
  quarterBounds,
  quarterOf,
  recentQuarters,
  type TableView,
} from './dashboard.service.ts';
import { setBudget } from './budget.service.ts';
import { type BundleFiles, buildReleaseBundle } from './release-bundle.tsx';
import { ReleasesView } from './releases.views.tsx';
import { type ChartPoint, embeddableSvg, renderBarChart } from './reports.charts.ts';
import { tableCsv, tableJson } from './reports.export.ts';
import { categoryLabel, tableTitle } from './reports.labels.ts';
import { reportsMessages as m } from './reports.messages.ts';
import { canPublishStatistics, canSeeDashboards } from './reports.policy.ts';
import { chartSlot, DashboardView } from './reports.views.tsx';
import { getRelease, listReleases, makeRelease } from './statistics.service.ts';

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

  addStaffNav(app, {
    href: '/staff/reports/releases',
    label: (l) => m(l, 'reports.releases.title'),
    visible: canPublishStatistics,
    order: 46,
  });
  const flashes = defineFlashes(
    ['reports.releases.made', 'reports.budget.set', 'reports.budget.requested', 'reports.budget.unchanged'],
    (l, key) => m(l, key),
  );

  const releasesPage = async (
    request: Parameters<typeof requireStaff>[0],
    reply: Parameters<typeof staffFrame>[1],
    status: number,
    form?: { quarter: string; rho: string; errors: Record<string, string> | undefined },
    budgetForm?: { total: string; errors: Record<string, string> | undefined },
  ) => {
    const { budget, releases } = await listReleases(ctx, requireStaff(request));
    const now = today();
    const ended = recentQuarters(now, 12).filter((q) => quarterBounds(q).to < now && q !== quarterOf(now));
    return sendHtml(
      reply,
      status,
      <ReleasesView
        frame={await staffFrame(request, reply, { flashes })}
        csrf={csrfFor(ctx, request, reply)}
        budget={budget}
        publicKey={auditPublicKey(ctx.vault.requireKeyring())}
        releases={releases}
        quarters={ended}
        {...(form === undefined
          ? {}
          : { form: { quarter: form.quarter, rho: form.rho }, errors: form.errors })}
        {...(budgetForm === undefined
          ? {}
          : { budgetForm: { total: budgetForm.total }, budgetErrors: budgetForm.errors })}
      />,
    );
  };

  app.get('/staff/reports/releases', async (request, reply) => releasesPage(request, reply, 200));

  app.post('/staff/reports/releases', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      await makeRelease(ctx, actor, request.body);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        const body = (request.body as Record<string, unknown> | undefined) ?? {};
        const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 40) : '');
        return releasesPage(request, reply, 400, {
          quarter: text(body.quarter),
          rho: text(body.rho),
          errors: error.fields,
        });
      }
      throw error;
    }
    return flashes.redirect(request, reply, '/staff/reports/releases', 'reports.releases.made');
  });

  app.post('/staff/reports/releases/budget', async (request, reply) => {
    let change: Awaited<ReturnType<typeof setBudget>>;
    try {
      change = await setBudget(ctx, requireStaff(request), request.body);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        const total = (request.body as Record<string, unknown> | undefined)?.total;
        return releasesPage(request, reply, 400, undefined, {
          total: typeof total === 'string' ? total.slice(0, 40) : '',
          errors: error.fields,
        });
      }
      throw error;
    }
    const flash =
      change.outcome === 'applied'
        ? 'reports.budget.set'
        : change.outcome === 'unchanged'
          ? 'reports.budget.unchanged'
          : 'reports.budget.requested';
    return flashes.redirect(request, reply, '/staff/reports/releases', flash);
  });

  app.get<{ Params: { id: string } }>('/staff/reports/releases/:id/bundle.tar', async (request, reply) => {
    const release = await getRelease(ctx, requireStaff(request), request.params.id);
    const files = await buildReleaseBundle(ctx.vault.requireKeyring(), release, request.locale);
    return reply
      .status(200)
      .type('application/x-tar')
      .header('Content-Disposition', `attachment; filename="sanctuary-statistics-${release.period.from}.tar"`)
      .send(await tarOf(files, `sanctuary-statistics-${release.period.from}`));
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

/** The bundle as one tar archive under a folder of its own (what a mirror unpacks and serves). */
async function tarOf(files: BundleFiles, folder: string): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of files)
    pack.entry({ name: `${folder}/${name}`, size: data.length, mode: 0o644, mtime: new Date(0) }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(pack)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

import { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { recordAudit } from '../audit/index.ts';
import { listRestrictedTeamIds, listTeams } from '../case-access/index.ts';
import { today } from '../cases/index.ts';
import {
  DEFAULT_K,
  isSensitive,
  marginView,
  type Protected1D,
  protect1D,
  protect2D,
  rowView,
} from '../../platform/disclosure.ts';
import { canSeeDashboards, holdsTheCases } from './reports.policy.ts';
import {
  type CountTable,
  type DurationTable,
  REPORT_SOURCES,
  type ReportQuery,
  type ReportTable,
} from './reports.sources.ts';

/**
 * The staff dashboards (issue 19): every table of every report source, filtered by period and
 * team, protected for roles that do not hold the cases (ADR 0143):
 *
 * - Such roles choose whole calendar quarters only: periods never overlap partly, so two
 *   queries cannot be differenced into a day or a week (dates they send are snapped to the
 *   quarter of the first day).
 * - Every table by team is protected once as a team × category table with margins; the
 *   all-teams view is its margin row and a team's view is that team's row, so a team view and
 *   the all-teams view are slices of one protected table and difference to nothing small.
 * - Durations (median, 90th percentile) are shown only for groups of at least k cases.
 */

export interface DashboardFilter {
  from: string;
  /** Last day included (the half-open range ends the day after). */
  to: string;
  quarter: string;
  /** undefined: all teams; null: cases without a team; else a team id. */
  team: string | null | undefined;
}

export interface CountRow {
  key: string;
  value: number | null;
  /** Funnel only: cases that reached at least this stage (when derivable). */
  reached?: number | null;
}

export interface CountTableView {
  kind: 'count' | 'amount';
  id: string;
  unit: string;
  unavailable: boolean;
  cumulative: boolean;
  rows: CountRow[];
  total: number | null;
  suppressed: number;
}

export interface DurationRowView {
  key: string;
  n: number | null;
  median: number | null;
  p90: number | null;
}

export interface DurationTableView {
  kind: 'duration';
  id: string;
  rows: DurationRowView[];
  suppressed: number;
}

export type TableView = CountTableView | DurationTableView;

export interface Dashboard {
  filter: DashboardFilter;
  restricted: boolean;
  k: number;
  teams: Array<{ id: string; name: string }>;
  quarters: string[];
  tables: TableView[];
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const querySchema = z.object({
  quarter: z
    .string()
    .regex(/^\d{4}-Q[1-4]$/)
    .optional(),
  from: z.union([z.literal(''), z.string().regex(dayPattern)]).optional(),
  to: z.union([z.literal(''), z.string().regex(dayPattern)]).optional(),
  team: z.union([z.literal(''), z.literal('all'), z.literal('none'), z.uuid()]).optional(),
});

/** The quarter a day falls in: "2026-Q4". */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** A quarter's first and last day. */
export function quarterBounds(quarter: string): { from: string; to: string } {
  const year = Number(quarter.slice(0, 4));
  const q = Number(quarter.slice(6, 7));
  const from = `${year}-${String(3 * q - 2).padStart(2, '0')}-01`;
  const last = new Date(Date.UTC(year, 3 * q, 0));
  return { from, to: last.toISOString().slice(0, 10) };
}

export function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const validDay = (day: string) =>
  !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);

function periodError(): AppError {
  return new AppError('validation_failed', 'bad report period', {
    fields: { period: 'reports.error.period' },
  });
}

/** Reads the filter; roles that do not hold the cases get the quarter of the first day they name. */
export async function parseDashboardFilter(
  ctx: AppContext,
  actor: Actor,
  raw: unknown,
  now = today(),
): Promise<DashboardFilter> {
  const parsed = querySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0] === 'team' ? 'team' : 'period';
    throw new AppError('validation_failed', 'bad report filter', {
      fields: { [field]: field === 'team' ? 'reports.error.team' : 'reports.error.period' },
    });
  }
  const q = parsed.data;
  const from = q.from === '' ? undefined : q.from;
  const to = q.to === '' ? undefined : q.to;
  if ((from !== undefined && !validDay(from)) || (to !== undefined && !validDay(to))) throw periodError();
  let filter: Pick<DashboardFilter, 'from' | 'to' | 'quarter'>;
  if (from !== undefined && holdsTheCases(actor)) {
    const last = to ?? quarterBounds(quarterOf(from)).to;
    const years = (Date.parse(last) - Date.parse(from)) / 86_400_000 / 366;
    if (last < from || years > 3) throw periodError();
    filter = { from, to: last, quarter: quarterOf(from) };
  } else {
    // Whole quarters only: a date from a role that does not hold the cases picks its quarter.
    const quarter = q.quarter ?? quarterOf(from ?? now);
    filter = { ...quarterBounds(quarter), quarter };
  }
  let team: string | null | undefined;
  if (q.team === 'none') team = null;
  else if (q.team === undefined || q.team === '' || q.team === 'all') team = undefined;
  else {
    const teams = await listTeams(ctx.database.db);
    if (!teams.some((t) => t.id === q.team)) {
      throw new AppError('validation_failed', 'unknown team', { fields: { team: 'reports.error.team' } });
    }
    team = q.team;
  }
  return { ...filter, team };
}

/** Every table of the dashboard for the filter, protected for the actor. */
export async function getDashboard(
  ctx: AppContext,
  actor: Actor,
  raw: unknown,
  now = today(),
): Promise<Dashboard> {
  requireAllowed(canSeeDashboards(actor), 'reports.dashboard');
  const filter = await parseDashboardFilter(ctx, actor, raw, now);
  const query: ReportQuery = {
    period: { from: filter.from, to: dayAfter(filter.to) },
    asOf: filter.to < now ? dayAfter(filter.to) : now,
    // A restricted team's cases do not exist outside it: no table counts them, for anyone (ADR 0211).
    hiddenTeams: new Set(await listRestrictedTeamIds(ctx.database.db)),
  };
  const [teams, ...perSource] = await Promise.all([
    listTeams(ctx.database.db),
    ...REPORT_SOURCES.map((s) => s.tables(ctx.database.db, query, ctx)),
  ]);
  const restricted = !holdsTheCases(actor);
  const teamRows: Array<string | null> = [...teams.map((t) => t.id), null];
  const tables = perSource.flat().map((t) => viewOf(t, filter, teamRows, restricted, DEFAULT_K));
  return {
    filter,
    restricted,
    k: DEFAULT_K,
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    quarters: recentQuarters(now, 12),
    tables,
  };
}

/** One table of the dashboard, for export (audited: an export leaves the workspace). */
export async function exportDashboardTable(
  ctx: AppContext,
  actor: Actor,
  tableId: string,
  raw: unknown,
  now = today(),
): Promise<{ dashboard: Dashboard; table: TableView }> {
  requireAllowed(canSeeDashboards(actor), 'reports.export');
  const dashboard = await getDashboard(ctx, actor, raw, now);
  const table = dashboard.tables.find((t) => t.id === tableId);
  if (table === undefined) throw new AppError('not_found', 'no such report table');
  await recordAudit(ctx.database.db, {
    actor: actorLabel(actor),
    action: 'reports.export',
    target: `report:${tableId}`,
    reason: `${dashboard.filter.from}..${dashboard.filter.to}${dashboard.restricted ? ' suppressed' : ''}`,
  });
  return { dashboard, table };
}

/** The quarter of `now` and the ones before it, newest first. */
export function recentQuarters(now: string, count: number): string[] {
  const out: string[] = [];
  let year = Number(now.slice(0, 4));
  let q = Number(quarterOf(now).slice(6));
  for (let i = 0; i < count; i++) {
    out.push(`${year}-Q${q}`);
    q -= 1;
    if (q === 0) {
      q = 4;
      year -= 1;
    }
  }
  return out;
}

function viewOf(
  table: ReportTable,
  filter: DashboardFilter,
  teamRows: ReadonlyArray<string | null>,
  restricted: boolean,
  k: number,
): TableView {
  if (table.kind === 'duration') return durationView(table, filter, restricted, k);
  return countView(table, filter, teamRows, restricted, k);
}

function countView(
  table: CountTable,
  filter: DashboardFilter,
  teamRows: ReadonlyArray<string | null>,
  restricted: boolean,
  k: number,
): CountTableView {
  const categories = table.categories ?? [...new Set(table.cells.map((c) => c.key))].sort();
  const base = {
    kind: table.kind,
    id: table.id,
    unit: table.unit,
    cumulative: table.cumulative === true,
  };
  if (!table.byTeam && filter.team !== undefined) {
    return { ...base, unavailable: true, rows: [], total: null, suppressed: 0 };
  }
  const rows = table.byTeam ? teamRows : [null];
  const index = new Map(categories.map((c, j) => [c, j]));
  const values = rows.map(() => categories.map(() => 0));
  const people = rows.map(() => categories.map(() => 0));
  for (const cell of table.cells) {
    const i = table.byTeam ? rows.indexOf(cell.team) : 0;
    const j = index.get(cell.key);
    if (i === -1 || j === undefined) continue;
    (values[i] as number[])[j] = (values[i]?.[j] ?? 0) + cell.value;
    (people[i] as number[])[j] = (people[i]?.[j] ?? 0) + cell.people;
  }
  let view: Protected1D;
  if (!table.byTeam) {
    view = restricted
      ? protect1D(values[0] as number[], { k, contributors: people[0] as number[] })
      : { cells: [...(values[0] as number[])], total: sum(values[0] as number[]) };
  } else {
    const row = filter.team === undefined ? -1 : rows.indexOf(filter.team);
    if (restricted) {
      const p = protect2D(values, { k, contributors: people });
      view = row === -1 ? marginView(p) : rowView(p, row);
    } else {
      const cells =
        row === -1
          ? categories.map((_, j) => sum(values.map((r) => r[j] as number)))
          : [...(values[row] as number[])];
      view = { cells, total: sum(cells) };
    }
  }
  const out: CountRow[] = categories.map((key, j) => ({ key, value: view.cells[j] ?? null }));
  if (base.cumulative) addReached(out, view.total);
  return {
    ...base,
    unavailable: false,
    rows: out,
    total: view.total,
    suppressed: view.cells.filter((c) => c === null).length + (view.total === null ? 1 : 0),
  };
}

/**
 * "Reached at least this stage" = the cases that stopped at it or later. Shown only where the
 * published figures determine it already (every later cell shown, or every earlier cell and
 * the total shown), so it adds nothing an attacker could not compute.
 */
function addReached(rows: CountRow[], total: number | null): void {
  rows.forEach((r, i) => {
    const later = rows.slice(i).map((x) => x.value);
    const earlier = rows.slice(0, i).map((x) => x.value);
    if (later.every((v) => v !== null)) r.reached = sum(later as number[]);
    else if (total !== null && earlier.every((v) => v !== null)) r.reached = total - sum(earlier as number[]);
    else r.reached = null;
  });
}

function durationView(
  table: DurationTable,
  filter: DashboardFilter,
  restricted: boolean,
  k: number,
): DurationTableView {
  const scope = filter.team === undefined ? 'all' : (filter.team ?? '');
  const rows = table.rows
    .filter((r) => r.scope === scope)
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((r) => {
      const hide = restricted && r.n < k;
      return {
        key: r.key,
        n: restricted && isSensitive(r.n, k) ? null : r.n,
        median: hide ? null : r.median,
        p90: hide ? null : r.p90,
      };
    });
  return {
    kind: 'duration',
    id: table.id,
    rows,
    suppressed: rows.filter((r) => r.median === null && r.n !== 0).length,
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The locale-independent file name of an exported table. */
export function exportFileName(tableId: string, filter: DashboardFilter, format: 'csv' | 'json'): string {
  return `sanctuary-${tableId}-${filter.from}-${filter.to}.${format}`;
}

export type { Locale };

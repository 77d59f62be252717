import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { CASE_STATUSES } from './case-workflow.ts';

/**
 * Aggregate queries over cases for reports (issue 19): counts only, grouped by team, never a
 * row per case. Reads plaintext columns only (status, dates, type, country, team) and the
 * day-granular status history (ADR 0144), so no case key is needed. Periods are half-open
 * day ranges [from, to).
 *
 * Speed (ADR 0169): the whole ISO weeks inside a period are read from the weekly summaries
 * `case_week_counts` and `case_week_durations` (kept exact by triggers, migration
 * 20261209T0500); only the days before the first Monday and from the last Monday on are read
 * from the raw tables (`raw*` below, which answer any period on their own and are what the
 * tests compare the summaries with). Durations are whole days, so medians and 90th
 * percentiles are computed exactly from merged day histograms.
 */
export interface StatisticsPeriod {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** The day after the last, YYYY-MM-DD. */
  to: string;
}

/** One cell of a team × category count. `team` is null for cases without a team. */
export interface TeamCount {
  team: string | null;
  key: string;
  count: number;
}

/** A duration statistic per team (null team: all teams together), in whole days. */
export interface TeamDuration {
  /** 'all' for every team together, else the team id ('' for no team). */
  scope: string;
  key: string;
  n: number;
  median: number | null;
  p90: number | null;
}

export type CaseDimension = 'week' | 'month' | 'applicant_type' | 'country' | 'outcome';

/** How far each case got: 0 contact … 5 safe (closed adds nothing, a case closes from any state). */
export const FUNNEL_STAGES = ['contact', 'triaged', 'in_progress', 'referred', 'in_transit', 'safe'] as const;

const toCounts = (
  rows: Array<{ team: string | null; key: string | null; count: string | number | bigint }>,
) => rows.map((r) => ({ team: r.team, key: r.key ?? '', count: Number(r.count) }));

/** A period cut into the whole ISO weeks inside it (from the summaries) and the days outside them (raw). */
export function splitPeriod(period: StatisticsPeriod): {
  weeks: StatisticsPeriod | null;
  edges: StatisticsPeriod[];
} {
  const first = nextMonday(period.from);
  const last = mondayOf(period.to);
  if (first >= last) return { weeks: null, edges: [period] };
  const edges = [
    { from: period.from, to: first },
    { from: last, to: period.to },
  ].filter((p) => p.from < p.to);
  return { weeks: { from: first, to: last }, edges };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday of a day's ISO week. */
export function mondayOf(day: string): string {
  return addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
}

const nextMonday = (day: string) => (mondayOf(day) === day ? day : addDays(mondayOf(day), 7));

/** Sums cells with the same team and key (summary weeks and raw edges together). */
function mergeCounts(parts: ReadonlyArray<readonly TeamCount[]>): TeamCount[] {
  const out = new Map<string, TeamCount>();
  for (const part of parts)
    for (const c of part) {
      const id = `${c.team ?? ''}\u0000${c.key}`;
      const seen = out.get(id);
      if (seen === undefined) out.set(id, { ...c });
      else seen.count += c.count;
    }
  return [...out.values()].filter((c) => c.count !== 0);
}

type SummaryDim = 'type' | 'country' | 'outcome' | 'stage' | 'closed' | 'task_due';

/** Summary cells of one dimension over whole weeks [from, to): by key, or by week (`byWeek`). */
async function summaryCounts(
  db: Db,
  dim: SummaryDim,
  weeks: StatisticsPeriod,
  byWeek: boolean,
): Promise<TeamCount[]> {
  const key = byWeek ? sql<string>`to_char(week, 'YYYY-MM-DD')` : sql<string>`key`;
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select nullif(team, '') as team, ${key} as key, sum(n) as count
      from case_week_counts
     where dim = ${dim} and week >= ${weeks.from}::date and week < ${weeks.to}::date
     group by 1, 2 having sum(n) <> 0`.execute(db);
  return toCounts(rows);
}

/** A raw count over the edge days and the summary over the whole weeks, merged. */
async function combined(
  period: StatisticsPeriod,
  summary: (weeks: StatisticsPeriod) => Promise<TeamCount[]>,
  raw: (edge: StatisticsPeriod) => Promise<TeamCount[]>,
): Promise<TeamCount[]> {
  const { weeks, edges } = splitPeriod(period);
  return mergeCounts(await Promise.all([...(weeks === null ? [] : [summary(weeks)]), ...edges.map(raw)]));
}

const SUMMARY_DIM: Partial<Record<CaseDimension, SummaryDim>> = {
  week: 'type',
  applicant_type: 'type',
  country: 'country',
  outcome: 'outcome',
};

/** Cases opened in the period, by team and by one dimension. */
export async function countCasesOpened(
  db: Db,
  period: StatisticsPeriod,
  dimension: CaseDimension,
): Promise<TeamCount[]> {
  const dim = SUMMARY_DIM[dimension];
  if (dim === undefined) return rawCasesOpened(db, period, dimension);
  return combined(
    period,
    (weeks) => summaryCounts(db, dim, weeks, dimension === 'week'),
    (edge) => rawCasesOpened(db, edge, dimension),
  );
}

/** Cases closed in the period (the day they entered "closed"), by team and week. */
export async function countCasesClosedByWeek(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  return combined(
    period,
    (weeks) => summaryCounts(db, 'closed', weeks, true),
    (edge) => rawCasesClosedByWeek(db, edge),
  );
}

/** Of the cases opened in the period: the furthest stage each reached (FUNNEL_STAGES index), by team. */
export async function countFurthestStage(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  return combined(
    period,
    (weeks) => summaryCounts(db, 'stage', weeks, false),
    (edge) => rawFurthestStage(db, edge),
  );
}

/** Open tasks whose deadline passed before `asOf`, by team and kind. */
export async function countOverdueTasks(db: Db, asOf: string): Promise<TeamCount[]> {
  const monday = mondayOf(asOf);
  return mergeCounts(
    await Promise.all([
      summaryCounts(db, 'task_due', { from: '0001-01-01', to: monday }, false),
      rawOverdueTasks(db, asOf, monday),
    ]),
  );
}

/** One bar of a day histogram: `n` stays (or cases) of `days` whole days. */
interface HistogramRow {
  team: string | null;
  key: string;
  days: number;
  n: number;
}

type HistogramSqlRow = { team: string | null; key: string; days: number; n: string | number };

const toHistogram = (rows: HistogramSqlRow[]): HistogramRow[] =>
  rows.map((r) => ({ team: r.team, key: r.key, days: Number(r.days), n: Number(r.n) }));

/** Summary histogram rows of one kind (`in:%` or `safe`) over whole weeks, key without the prefix. */
async function summaryHistogram(
  db: Db,
  kind: 'in' | 'safe',
  weeks: StatisticsPeriod,
): Promise<HistogramRow[]> {
  const { rows } = await sql<HistogramSqlRow>`
    select nullif(team, '') as team, ${kind === 'in' ? sql`substr(kind, 4)` : sql`kind`} as key, days, sum(n) as n
      from case_week_durations
     where kind in (${sql.join(kind === 'in' ? CASE_STATUSES.map((st) => `in:${st}`) : ['safe'])})
       and week >= ${weeks.from}::date and week < ${weeks.to}::date
     group by 1, 2, 3 having sum(n) <> 0`.execute(db);
  return toHistogram(rows);
}

/**
 * percentile_disc of merged day histograms, per team and for all teams together ('all'):
 * the smallest number of days whose cumulative share reaches the fraction (integers only).
 * The rows of `hiddenTeams` count nowhere, not even in 'all' (restricted teams, ADR 0211).
 */
export function durationsOf(
  rows: readonly HistogramRow[],
  hiddenTeams: ReadonlySet<string> = new Set(),
): TeamDuration[] {
  const groups = new Map<string, { scope: string; key: string; bars: Map<number, number> }>();
  const add = (scope: string, r: HistogramRow) => {
    const id = `${scope}\u0000${r.key}`;
    const g = groups.get(id) ?? { scope, key: r.key, bars: new Map<number, number>() };
    g.bars.set(r.days, (g.bars.get(r.days) ?? 0) + r.n);
    groups.set(id, g);
  };
  for (const r of rows) {
    if (r.team !== null && hiddenTeams.has(r.team)) continue;
    add(r.team ?? '', r);
    add('all', r);
  }
  const out: TeamDuration[] = [];
  for (const g of groups.values()) {
    const bars = [...g.bars].filter(([, n]) => n !== 0).sort((a, b) => a[0] - b[0]);
    const n = bars.reduce((a, [, c]) => a + c, 0);
    if (n === 0) continue;
    // cumulative/n ≥ num/den, in integers
    const at = (num: number, den: number) => {
      let cumulative = 0;
      for (const [days, c] of bars) {
        cumulative += c;
        if (cumulative * den >= num * n) return days;
      }
      return null;
    };
    out.push({ scope: g.scope, key: g.key, n, median: at(1, 2), p90: at(9, 10) });
  }
  return out;
}

async function histograms(
  db: Db,
  period: StatisticsPeriod,
  kind: 'in' | 'safe',
  raw: (edge: StatisticsPeriod) => Promise<HistogramRow[]>,
  hiddenTeams?: ReadonlySet<string>,
): Promise<TeamDuration[]> {
  const { weeks, edges } = splitPeriod(period);
  const parts = await Promise.all([
    ...(weeks === null ? [] : [summaryHistogram(db, kind, weeks)]),
    ...edges.map(raw),
  ]);
  return durationsOf(parts.flat(), hiddenTeams);
}

/**
 * Days spent in each state, for stays that ended in the period: median and 90th percentile, per
 * team and overall (without `hiddenTeams`).
 */
export async function durationsInState(
  db: Db,
  period: StatisticsPeriod,
  hiddenTeams?: ReadonlySet<string>,
): Promise<TeamDuration[]> {
  return histograms(db, period, 'in', (edge) => rawInStateHistogram(db, edge), hiddenTeams);
}

/**
 * Days from first contact to safety, for cases that first reached "safe" in the period, per
 * team and overall (without `hiddenTeams`).
 */
export async function durationsToSafety(
  db: Db,
  period: StatisticsPeriod,
  hiddenTeams?: ReadonlySet<string>,
): Promise<TeamDuration[]> {
  return histograms(db, period, 'safe', (edge) => rawToSafetyHistogram(db, edge), hiddenTeams);
}

// The raw queries: any period, straight from cases, the status history and the tasks.

/** Cases opened in the period, by team and by one dimension (raw). */
export async function rawCasesOpened(
  db: Db,
  period: StatisticsPeriod,
  dimension: CaseDimension,
): Promise<TeamCount[]> {
  const key =
    dimension === 'week'
      ? sql<string>`to_char(date_trunc('week', created_on), 'YYYY-MM-DD')`
      : dimension === 'month'
        ? sql<string>`to_char(created_on, 'YYYY-MM')`
        : dimension === 'applicant_type'
          ? sql<string>`applicant_type`
          : dimension === 'country'
            ? sql<string>`coalesce(country, '')`
            : sql<string>`case when status = 'safe' then 'safe' when status = 'closed' then coalesce(closing_reason, 'other') else 'open' end`;
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select team_id::text as team, ${key} as key, count(*) as count
      from cases
     where created_on >= ${period.from}::date and created_on < ${period.to}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

export async function rawCasesClosedByWeek(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, to_char(date_trunc('week', h.entered_on), 'YYYY-MM-DD') as key, count(*) as count
      from case_status_history h join cases c on c.id = h.case_id
     where h.status = 'closed' and h.entered_on >= ${period.from}::date and h.entered_on < ${period.to}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

export async function rawFurthestStage(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, m.stage::text as key, count(*) as count
      from cases c
      cross join lateral (
        select greatest(coalesce(max(case_report_stage(h.status)), 0), case_report_stage(c.status)) as stage
          from case_status_history h where h.case_id = c.id) m
     where c.created_on >= ${period.from}::date and c.created_on < ${period.to}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

/** Open tasks due in [from, asOf) (from omitted: every day before asOf), by team and kind (raw). */
export async function rawOverdueTasks(db: Db, asOf: string, from?: string): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, t.kind as key, count(*) as count
      from case_tasks t join cases c on c.id = t.case_id
     where t.done_at is null and t.due_on < ${asOf}::date
       ${from === undefined ? sql`` : sql`and t.due_on >= ${from}::date`}
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

/** Stays that ended in the period, as a day histogram per team and status (raw). */
export async function rawInStateHistogram(db: Db, period: StatisticsPeriod): Promise<HistogramRow[]> {
  const { rows } = await sql<HistogramSqlRow>`
    select c.team_id::text as team, h.status as key, h.left_on - h.entered_on as days, count(*) as n
      from case_status_history h join cases c on c.id = h.case_id
     where h.left_on is not null and h.left_on >= ${period.from}::date and h.left_on < ${period.to}::date
     group by 1, 2, 3`.execute(db);
  return toHistogram(rows);
}

/** Cases that first reached "safe" in the period, as a histogram of days from first contact (raw). */
export async function rawToSafetyHistogram(db: Db, period: StatisticsPeriod): Promise<HistogramRow[]> {
  const { rows } = await sql<HistogramSqlRow>`
    select c.team_id::text as team, 'safe' as key, h.entered_on - c.created_on as days, count(*) as n
      from case_status_history h join cases c on c.id = h.case_id
     where h.status = 'safe' and h.entered_on >= ${period.from}::date and h.entered_on < ${period.to}::date
       -- the first time the case reached safety
       and not exists (select 1 from case_status_history e
                        where e.case_id = h.case_id and e.status = 'safe' and e.seq < h.seq)
     group by 1, 2, 3`.execute(db);
  return toHistogram(rows);
}

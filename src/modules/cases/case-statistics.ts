import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * Aggregate queries over cases for reports (issue 19): counts only, grouped by team, never a
 * row per case. Reads plaintext columns only (status, dates, type, country, team) and the
 * day-granular status history (ADR 0144), so no case key is needed. Periods are half-open
 * day ranges [from, to).
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

/** Cases opened in the period, by team and by one dimension. */
export async function countCasesOpened(
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

/** Cases closed in the period (the day they entered "closed"), by team and week. */
export async function countCasesClosedByWeek(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, to_char(date_trunc('week', h.entered_on), 'YYYY-MM-DD') as key, count(*) as count
      from case_status_history h join cases c on c.id = h.case_id
     where h.status = 'closed' and h.entered_on >= ${period.from}::date and h.entered_on < ${period.to}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

/** Of the cases opened in the period: the furthest stage each reached (FUNNEL_STAGES index), by team. */
export async function countFurthestStage(db: Db, period: StatisticsPeriod): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, m.stage::text as key, count(*) as count
      from cases c
      cross join lateral (
        select coalesce(max(case h.status
                 when 'triaged' then 1 when 'in_progress' then 2 when 'waiting_applicant' then 2
                 when 'referred' then 3 when 'in_transit' then 4 when 'safe' then 5 else 0 end), 0) as stage
          from case_status_history h where h.case_id = c.id) m
     where c.created_on >= ${period.from}::date and c.created_on < ${period.to}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

type DurationSqlRow = {
  team: string | null;
  grouped: number;
  key: string;
  n: string;
  median: number | null;
  p90: number | null;
};

const durationRows = (rows: DurationSqlRow[]) =>
  rows.map((r) => ({
    scope: Number(r.grouped) === 1 ? 'all' : (r.team ?? ''),
    key: r.key,
    n: Number(r.n),
    median: r.median === null ? null : Number(r.median),
    p90: r.p90 === null ? null : Number(r.p90),
  }));

/** Days spent in each state, for stays that ended in the period: median and 90th percentile, per team and overall. */
export async function durationsInState(db: Db, period: StatisticsPeriod): Promise<TeamDuration[]> {
  const { rows } = await sql<DurationSqlRow>`
    select c.team_id::text as team, grouping(c.team_id) as grouped, h.status as key, count(*) as n,
           percentile_disc(0.5) within group (order by h.left_on - h.entered_on) as median,
           percentile_disc(0.9) within group (order by h.left_on - h.entered_on) as p90
      from case_status_history h join cases c on c.id = h.case_id
     where h.left_on is not null and h.left_on >= ${period.from}::date and h.left_on < ${period.to}::date
     group by grouping sets ((c.team_id, h.status), (h.status))`.execute(db);
  return durationRows(rows);
}

/** Days from first contact to safety, for cases that first reached "safe" in the period, per team and overall. */
export async function durationsToSafety(db: Db, period: StatisticsPeriod): Promise<TeamDuration[]> {
  const { rows } = await sql<DurationSqlRow>`
    select c.team_id::text as team, grouping(c.team_id) as grouped, 'safe' as key, count(*) as n,
           percentile_disc(0.5) within group (order by h.entered_on - c.created_on) as median,
           percentile_disc(0.9) within group (order by h.entered_on - c.created_on) as p90
      from case_status_history h join cases c on c.id = h.case_id
     where h.status = 'safe' and h.entered_on >= ${period.from}::date and h.entered_on < ${period.to}::date
       -- the first time the case reached safety (a range scan of the period, not of all history)
       and not exists (select 1 from case_status_history e
                        where e.case_id = h.case_id and e.status = 'safe' and e.seq < h.seq)
     group by grouping sets ((c.team_id), ())`.execute(db);
  return durationRows(rows);
}

/** Open tasks whose deadline passed before `asOf`, by team and kind. */
export async function countOverdueTasks(db: Db, asOf: string): Promise<TeamCount[]> {
  const { rows } = await sql<{ team: string | null; key: string; count: string }>`
    select c.team_id::text as team, t.kind as key, count(*) as count
      from case_tasks t join cases c on c.id = t.case_id
     where t.done_at is null and t.due_on < ${asOf}::date
     group by 1, 2`.execute(db);
  return toCounts(rows);
}

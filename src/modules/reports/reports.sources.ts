import type { Db } from '../../db/database.ts';
import type { AppContext } from '../../context.ts';
import { countPathwayChecksByWeek, countPathwayDestinations } from '../case-pathways/index.ts';
import {
  countCasesClosedByWeek,
  countCasesOpened,
  countFurthestStage,
  countOverdueTasks,
  durationsInState,
  durationsToSafety,
  FUNNEL_STAGES,
  type StatisticsPeriod,
  type TeamCount,
  type TeamDuration,
} from '../cases/index.ts';
import { countTelegramContactsByWeek } from '../intake/index.ts';
import { disbursementTotals } from '../ledger/index.ts';
import { arrivalCounts, isoWeekStart } from '../outreach/index.ts';
import { countReferralsByState } from '../referrals/index.ts';

/**
 * Report sources (ADR 0145): each module contributes its aggregate queries through its own
 * face, and this list turns them into the dashboards' tables. A module that lands later
 * (referrals, more of the ledger) adds an aggregate function to its face and one entry here;
 * nothing else in reports changes.
 */
export interface ReportQuery {
  period: StatisticsPeriod;
  /** The day overdue tasks are counted on (the period's last day, or today when sooner). */
  asOf: string;
  /**
   * Teams whose cases count nowhere, not even in totals over all teams: the restricted teams
   * (ADR 0211), whose cases do not exist outside them.
   */
  hiddenTeams?: ReadonlySet<string>;
}

/** The cells of teams the query does not hide (cells without a team are kept). */
function visible(query: ReportQuery, rows: TeamCount[]): TeamCount[] {
  const hidden = query.hiddenTeams;
  return hidden === undefined || hidden.size === 0
    ? rows
    : rows.filter((r) => r.team === null || !hidden.has(r.team));
}

/** One cell before protection: `people` is what small-cell rules count (head count for counts). */
export interface SourceCell {
  /** The team, null for no team; tables that are not by team use null throughout. */
  team: string | null;
  key: string;
  value: number;
  people: number;
}

export interface CountTable {
  kind: 'count' | 'amount';
  id: string;
  /** Whether the cells carry teams (else a team filter cannot apply to it). */
  byTeam: boolean;
  /** Categories in display order (fixed lists), or null for those observed, sorted. */
  categories: readonly string[] | null;
  cells: SourceCell[];
  /** What the values count: cases, tasks, checks, or a currency (amounts in minor units). */
  unit: string;
  /** Funnel: the table also shows "reached at least this stage". */
  cumulative?: boolean;
}

export interface DurationTable {
  kind: 'duration';
  id: string;
  rows: TeamDuration[];
}

export type ReportTable = CountTable | DurationTable;

export interface ReportSource {
  id: string;
  /**
   * `ctx` (the vault) for sources that keep their counts encrypted (cases by destination,
   * ADR 0170); without it such a table is left out.
   */
  tables(db: Db, query: ReportQuery, ctx?: AppContext): Promise<ReportTable[]>;
}

const counts = (rows: TeamCount[]): SourceCell[] =>
  rows.map((r) => ({ team: r.team, key: r.key, value: r.count, people: r.count }));

const casesSource: ReportSource = {
  id: 'cases',
  async tables(db, query) {
    const { period, hiddenTeams } = query;
    const [opened, closed, funnel, types, countries, outcomes, inState, toSafety] = await Promise.all([
      countCasesOpened(db, period, 'week'),
      countCasesClosedByWeek(db, period),
      countFurthestStage(db, period),
      countCasesOpened(db, period, 'applicant_type'),
      countCasesOpened(db, period, 'country'),
      countCasesOpened(db, period, 'outcome'),
      durationsInState(db, period, hiddenTeams),
      durationsToSafety(db, period, hiddenTeams),
    ]);
    const table = (
      id: string,
      rows: TeamCount[],
      categories: readonly string[] | null = null,
    ): CountTable => ({
      kind: 'count',
      id,
      byTeam: true,
      categories,
      cells: counts(visible(query, rows)),
      unit: 'cases',
    });
    return [
      table('cases_opened', opened, weeksOf(period)),
      table('cases_closed', closed, weeksOf(period)),
      {
        ...table(
          'funnel',
          funnel.map((r) => ({ ...r, key: FUNNEL_STAGES[Number(r.key)] ?? 'contact' })),
          FUNNEL_STAGES,
        ),
        cumulative: true,
      },
      table('applicant_type', types),
      table('country', countries),
      table('outcome', outcomes),
      { kind: 'duration', id: 'time_in_state', rows: inState },
      { kind: 'duration', id: 'time_to_safety', rows: toSafety },
    ];
  },
};

const tasksSource: ReportSource = {
  id: 'tasks',
  async tables(db, query) {
    return [
      {
        kind: 'count',
        id: 'overdue_tasks',
        byTeam: true,
        categories: null,
        cells: counts(visible(query, await countOverdueTasks(db, query.asOf))),
        unit: 'tasks',
      },
    ];
  },
};

const intakeSource: ReportSource = {
  id: 'intake',
  async tables(db, query) {
    const { period } = query;
    const [telegram, opened] = await Promise.all([
      countTelegramContactsByWeek(db, period),
      countCasesOpened(db, period, 'week'),
    ]);
    const all = visible(query, opened).reduce((a, r) => a + r.count, 0);
    const viaTelegram = Math.min(
      all,
      telegram.reduce((a, r) => a + r.count, 0),
    );
    const cell = (key: string, value: number): SourceCell => ({ team: null, key, value, people: value });
    return [
      {
        kind: 'count',
        id: 'channel',
        byTeam: false,
        categories: ['telegram', 'web_or_partner'],
        cells: [cell('telegram', viaTelegram), cell('web_or_partner', all - viaTelegram)],
        unit: 'cases',
      },
    ];
  },
};

const pathwaysSource: ReportSource = {
  id: 'case-pathways',
  async tables(db, query, ctx) {
    const { period } = query;
    const [rows, destinations] = await Promise.all([
      countPathwayChecksByWeek(db, period),
      ctx === undefined ? [] : countPathwayDestinations(ctx, db, period),
    ]);
    const byDestination: CountTable[] =
      ctx === undefined
        ? []
        : [
            {
              kind: 'count',
              id: 'destination',
              byTeam: true,
              categories: null,
              cells: counts(visible(query, destinations)),
              unit: 'cases',
            },
          ];
    return [
      // Cases opened in the weeks that begin in the period, by their current pathway (ADR 0170).
      ...byDestination,
      {
        kind: 'count',
        id: 'pathway_checks',
        byTeam: false,
        categories: weeksOf(period),
        cells: rows.map((r) => ({ team: null, key: r.key, value: r.count, people: r.count })),
        unit: 'checks',
      },
    ];
  },
};

const ledgerSource: ReportSource = {
  id: 'ledger',
  async tables(db, { period }) {
    const rows = await disbursementTotals(db, period);
    const currencies = [...new Set(rows.map((r) => r.currency))].sort();
    return currencies.map((currency) => ({
      kind: 'amount' as const,
      id: `disbursements_${currency}`,
      byTeam: false,
      categories: null,
      cells: rows
        .filter((r) => r.currency === currency)
        .map((r) => ({
          team: null,
          key: `${r.purpose} · ${r.month}`,
          value: r.amount,
          people: r.recipients,
        })),
      unit: currency,
    }));
  },
};

/**
 * Arrivals through campaign and mirror codes (issue 20 item 4, ADR 0155): aggregate counts per
 * code and ISO week, summed over the weeks that start in the period. They count visits, not
 * people or cases; small cells are protected like every other table.
 */
const outreachSource: ReportSource = {
  id: 'outreach',
  async tables(db, { period }) {
    const last = new Date(`${period.to}T00:00:00Z`);
    last.setUTCDate(last.getUTCDate() - 1);
    const rows = await arrivalCounts(db, { from: period.from, to: isoWeekStart(last) });
    const byCode = new Map<string, number>();
    for (const r of rows)
      if (r.week >= period.from) byCode.set(r.code, (byCode.get(r.code) ?? 0) + r.arrivals);
    return [
      {
        kind: 'count',
        id: 'arrivals',
        byTeam: false,
        categories: null,
        cells: [...byCode].map(([key, value]) => ({ team: null, key, value, people: value })),
        unit: 'arrivals',
      },
    ];
  },
};

/** Referrals created in the period, by their present state (issue 14's module, through its face). */
const referralsSource: ReportSource = {
  id: 'referrals',
  async tables(db, { period }) {
    const rows = await countReferralsByState(db, period);
    return [
      {
        kind: 'count',
        id: 'referrals_by_state',
        byTeam: false,
        categories: null,
        cells: rows.map((r) => ({ team: null, key: r.key, value: r.count, people: r.count })),
        unit: 'referrals',
      },
    ];
  },
};

/** The sources in the order their tables appear on the dashboard. */
export const REPORT_SOURCES: readonly ReportSource[] = [
  casesSource,
  intakeSource,
  pathwaysSource,
  tasksSource,
  referralsSource,
  ledgerSource,
  outreachSource,
];

/** The Mondays of the weeks that overlap the period (the weekly tables' categories). */
export function weeksOf(period: StatisticsPeriod): string[] {
  const start = new Date(`${period.from}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  const end = new Date(`${period.to}T00:00:00Z`);
  const weeks: string[] = [];
  for (const d = start; d < end; d.setUTCDate(d.getUTCDate() + 7)) weeks.push(d.toISOString().slice(0, 10));
  return weeks;
}

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildTeam } from '../../../test/support/factories.ts';
import { dbMode } from '../../../test/support/db.ts';
import { type ReportCaseSeed, seedReportCases } from '../../../test/support/reports.ts';
import { eraseCase } from '../retention/index.ts';
import {
  countCasesClosedByWeek,
  countCasesOpened,
  countFurthestStage,
  countOverdueTasks,
  durationsInState,
  durationsOf,
  durationsToSafety,
  rawCasesClosedByWeek,
  rawCasesOpened,
  rawFurthestStage,
  rawInStateHistogram,
  rawOverdueTasks,
  rawToSafetyHistogram,
  type StatisticsPeriod,
  splitPeriod,
  type TeamCount,
  type TeamDuration,
} from './case-statistics.ts';
import { compactReportSummaries } from './cases.jobs.ts';

/**
 * The weekly report summaries (ADR 0169) against the raw tables: every figure the dashboards
 * read (summary weeks + raw edge days) must equal the same figure computed from cases, the
 * status history and the tasks alone, for periods that start and end anywhere in a week, and
 * still after status, team and type changes, task changes, a deletion and an erasure by the
 * retention module. The summaries are written by the triggers; nothing here writes them.
 */
let t: TestApp;
let teams: string[];
let ids: string[];
const db = () => t.ctx.database.db;

const PERIODS: StatisticsPeriod[] = [
  { from: '2026-01-01', to: '2026-12-31' },
  { from: '2026-04-01', to: '2026-07-01' }, // a quarter, Wednesday to Wednesday
  { from: '2026-03-02', to: '2026-03-30' }, // Monday to Monday: summaries only
  { from: '2026-05-13', to: '2026-05-16' }, // inside one week: raw only
  { from: '2026-02-28', to: '2026-10-05' },
  { from: '2026-06-07', to: '2026-06-08' }, // one Sunday
];

const norm = (rows: readonly TeamCount[]) =>
  rows
    .filter((r) => r.count !== 0)
    .map((r) => `${r.team ?? '-'} ${r.key} ${r.count}`)
    .sort();
const normD = (rows: readonly TeamDuration[]) =>
  rows.map((r) => `${r.scope} ${r.key} ${r.n} ${r.median} ${r.p90}`).sort();

/** Every summary-backed figure for a period, beside the same figure from the raw tables. */
async function bothWays(p: StatisticsPeriod) {
  const asOf = p.to;
  const summary = await Promise.all([
    ...(['week', 'applicant_type', 'country', 'outcome'] as const).map((d) =>
      countCasesOpened(db(), p, d).then(norm),
    ),
    countCasesClosedByWeek(db(), p).then(norm),
    countFurthestStage(db(), p).then(norm),
    countOverdueTasks(db(), asOf).then(norm),
    durationsInState(db(), p).then(normD),
    durationsToSafety(db(), p).then(normD),
  ]);
  const raw = await Promise.all([
    ...(['week', 'applicant_type', 'country', 'outcome'] as const).map((d) =>
      rawCasesOpened(db(), p, d).then(norm),
    ),
    rawCasesClosedByWeek(db(), p).then(norm),
    rawFurthestStage(db(), p).then(norm),
    rawOverdueTasks(db(), asOf).then(norm),
    rawInStateHistogram(db(), p).then((h) => normD(durationsOf(h))),
    rawToSafetyHistogram(db(), p).then((h) => normD(durationsOf(h))),
  ]);
  return { summary, raw };
}

async function expectAgreement(): Promise<void> {
  for (const p of PERIODS) {
    const { summary, raw } = await bothWays(p);
    expect(summary, `${p.from}..${p.to}`).toEqual(raw);
  }
}

/** A small deterministic generator (the same cases every run). */
function generator(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
}

const addDays = (day: string, n: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

beforeAll(async () => {
  t = await buildTestApp();
  teams = [await buildTeam(t.ctx, { name: 'S1' }), await buildTeam(t.ctx, { name: 'S2' })];
  const r = generator(19);
  const paths = [
    [],
    ['triaged'],
    ['triaged', 'in_progress'],
    ['triaged', 'in_progress', 'safe'],
    ['in_progress', 'referred', 'in_transit', 'safe', 'closed'],
    ['triaged', 'closed'],
    ['in_progress', 'safe', 'in_progress', 'safe'],
  ];
  const seeds: ReportCaseSeed[] = Array.from({ length: 160 }, () => {
    const createdOn = addDays('2026-01-01', r(320));
    let day = createdOn;
    const path = paths[r(paths.length)] as string[];
    return {
      createdOn,
      teamId: r(5) === 0 ? null : (teams[r(2)] as string),
      applicantType: (['soldier', 'conscript', 'officer'] as const)[r(3)] ?? 'soldier',
      country: (['GE', 'AM', null] as const)[r(3)] ?? null,
      history: path.map((status) => {
        day = addDays(day, r(40));
        return [status, day] as [string, string];
      }),
      closingReason: 'reached_safety',
    };
  });
  ids = await seedReportCases(db(), seeds);
  // Open and done tasks, inserted through the table (their trigger counts them).
  await sql`insert into case_tasks (id, case_id, kind, title_enc, due_on, done_at)
    select gen_random_uuid(), c.id, (array['call','summons','document'])[1 + abs(hashtext(c.ref || 'k')) % 3],
           '\\x00'::bytea, c.created_on + 10 + (hashtext(c.ref) & 127),
           case when hashtext(c.ref) % 3 = 0 then now() end
      from cases c`.execute(db());
});
afterAll(async () => t.close());

describe('splitPeriod', () => {
  it('cuts a period into whole ISO weeks and the days outside them', () => {
    expect(splitPeriod({ from: '2026-04-01', to: '2026-07-01' })).toEqual({
      weeks: { from: '2026-04-06', to: '2026-06-29' },
      edges: [
        { from: '2026-04-01', to: '2026-04-06' },
        { from: '2026-06-29', to: '2026-07-01' },
      ],
    });
    expect(splitPeriod({ from: '2026-03-02', to: '2026-03-30' })).toEqual({
      weeks: { from: '2026-03-02', to: '2026-03-30' },
      edges: [],
    });
    expect(splitPeriod({ from: '2026-05-13', to: '2026-05-16' }).weeks).toBeNull();
  });
});

describe('the report summaries agree with the raw tables', () => {
  it('after a bulk load (rebuilt) and for periods that cut weeks anywhere', async () => {
    const { summary } = await bothWays(PERIODS[0] as StatisticsPeriod);
    expect(summary.flat().length).toBeGreaterThan(20); // not vacuous
    await expectAgreement();
  });

  it('after status, team, type and closing changes made by the triggers one case at a time', async () => {
    const [a, b, c, d] = ids as [string, string, string, string];
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`update cases set status = 'triaged' where id = ${a}`.execute(trx);
        await sql`update cases set status = 'safe' where id = ${a}`.execute(trx);
        await sql`update cases set team_id = ${teams[1]}, applicant_type = 'diplomat' where id = ${b}`.execute(
          trx,
        );
        await sql`update cases set status = 'closed', closing_reason = 'withdrew' where id = ${c}`.execute(
          trx,
        );
        await sql`update cases set team_id = null, country = 'KZ' where id = ${d}`.execute(trx);
        // Touching a case (every action does) moves nothing.
        await sql`update cases set last_activity_on = current_date, status = status where id = ${d}`.execute(
          trx,
        );
      });
    // A case created through an ordinary insert, today, with its trigger-written history.
    await sql`insert into cases (id, ref, created_on, applicant_type, team_id, status, urgency)
      values (${randomUUID()}, 'R-fresh', current_date, 'soldier', ${teams[0]}, 'new', 1)`.execute(db());
    await expectAgreement();
    const today = new Date().toISOString().slice(0, 10);
    const recent = { from: addDays(today, -20), to: addDays(today, 1) };
    const { summary, raw } = await bothWays(recent);
    expect(summary).toEqual(raw);
    expect(summary[1]?.some((row) => row.startsWith(`${teams[0]} soldier `))).toBe(true);
  });

  it('after tasks are done, moved and deleted', async () => {
    const tasks = await sql<{
      id: string;
    }>`select id from case_tasks where done_at is null order by id limit 3`.execute(db());
    const [x, y, z] = tasks.rows.map((row) => row.id);
    await sql`update case_tasks set done_at = now() where id = ${x}`.execute(db());
    await sql`update case_tasks set due_on = due_on - 60 where id = ${y}`.execute(db());
    await sql`delete from case_tasks where id = ${z}`.execute(db());
    await expectAgreement();
  });

  it('after a case is deleted and after the retention module erases one', async () => {
    const withTasks = await sql<{ case_id: string }>`
      select case_id from case_tasks where done_at is null group by case_id order by case_id limit 2`.execute(
      db(),
    );
    const [gone, erased] = withTasks.rows.map((row) => row.case_id) as [string, string];
    await sql`delete from cases where id = ${gone}`.execute(db());
    expect(await eraseCase(t.ctx, erased, 'test')).toBe(true);
    await expectAgreement();
    const left = await sql<{ n: number }>`select count(*)::int as n from cases`.execute(db());
    const counted = await sql<{ n: number }>`
      select coalesce(sum(n), 0)::int as n from case_week_counts where dim = 'type'`.execute(db());
    expect(counted.rows[0]?.n).toBe(left.rows[0]?.n);
  });

  it('a rebuild from the raw tables gives the same summary cells the triggers kept, and so does a compaction', async () => {
    // Cells: the triggers only insert deltas (ADR 0206), so a cell may have many rows; what a
    // reader sees is their sum. After a compaction each cell has one row, equal to the rebuild's.
    const cells = async () =>
      (
        await sql<{ row: string }>`
          select dim || ' ' || week || ' ' || team || ' ' || key || ' ' || sum(n) as row from case_week_counts
           group by dim, week, team, key having sum(n) <> 0
          union all
          select kind || ' ' || week || ' ' || team || ' ' || days || ' ' || sum(n) from case_week_durations
           group by kind, week, team, days having sum(n) <> 0`.execute(db())
      ).rows
        .map((r) => r.row)
        .sort();
    const rowsPerCell = async () =>
      (
        await sql<{ n: number }>`
          select coalesce(max(c), 0)::int as n from (
            select count(*) as c from case_week_counts group by dim, week, team, key
            union all select count(*) from case_week_durations group by kind, week, team, days) x`.execute(
          db(),
        )
      ).rows[0]?.n;
    const kept = await cells();
    // The changes above left several delta rows in some cells.
    expect(await rowsPerCell()).toBeGreaterThan(1);
    expect(await compactReportSummaries(db())).toBeGreaterThan(0);
    expect(await rowsPerCell()).toBe(1);
    expect(await cells()).toEqual(kept);
    await expectAgreement();
    await sql`select case_report_rebuild()`.execute(db());
    expect(await cells()).toEqual(kept);
  });

  it.runIf(dbMode() === 'postgres')(
    'two transactions moving cases between the same summary cells in opposite orders both commit',
    async () => {
      // With one upserted row per cell (ADR 0169) this schedule deadlocked: A holds week 1's
      // cells and waits for week 2's, which B holds while it waits for week 1's. PostgreSQL then
      // aborted one of them. Delta rows take no row lock, so both commit (ADR 0206).
      const [c1, c2, c3, c4] = await seedReportCases(db(), [
        { createdOn: '2026-08-04', teamId: teams[0] ?? null, applicantType: 'soldier' },
        { createdOn: '2026-08-05', teamId: teams[0] ?? null, applicantType: 'soldier' },
        { createdOn: '2026-08-11', teamId: teams[0] ?? null, applicantType: 'soldier' },
        { createdOn: '2026-08-12', teamId: teams[0] ?? null, applicantType: 'soldier' },
      ]);
      const retype = (id: string | undefined) =>
        sql`update cases set applicant_type = 'officer' where id = ${id ?? ''}`;
      await db()
        .connection()
        .execute(async (a) => {
          await db()
            .connection()
            .execute(async (b) => {
              await sql`begin`.execute(a);
              await sql`begin`.execute(b);
              try {
                await retype(c1).execute(a); // week 1
                await retype(c3).execute(b); // week 2
                const crossing = retype(c4).execute(a); // A into week 2
                await retype(c2).execute(b); // B into week 1
                await crossing;
                await sql`commit`.execute(a);
                await sql`commit`.execute(b);
              } catch (err) {
                await sql`rollback`.execute(a).catch(() => {});
                await sql`rollback`.execute(b).catch(() => {});
                throw err;
              }
            });
        });
      const officers = await sql<{ n: number }>`
        select count(*)::int as n from cases where id in (${sql.join([c1, c2, c3, c4].map((x) => x ?? ''))})
           and applicant_type = 'officer'`.execute(db());
      expect(officers.rows[0]?.n).toBe(4);
      await expectAgreement();
    },
  );
});

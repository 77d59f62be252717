/**
 * `npm run bench -- reports [--cases 1000000] [--iterations 60]`
 *
 * On PostgreSQL (DATABASE_URL, or a throwaway cluster started here) with N cases over four
 * years, 20 teams, a status history per case and 5% of cases with an open task: the
 * dashboard's data (every report source, protected, for one quarter) as p50/p95 for a
 * coordinator (raw) and an analyst (suppressed, team × category protection), beside a
 * baseline `select count(*) from cases` measured in the same run, as a ratio. Charts are
 * rendered and cached separately (their cost does not grow with the cases); it is printed too.
 * Goal (issue 19): dashboard p95 ≤ 200 ms at 1,000,000 cases.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { buildConfig } from '../src/config/config.ts';
import { getDashboard } from '../src/modules/reports/dashboard.service.ts';
import { renderCharts } from '../src/modules/reports/reports.routes.tsx';
import { createLogger } from '../src/platform/logging.ts';
import { buildTeam, staffActor } from '../test/support/factories.ts';
import { numberArg, percentile } from './support/fleet.ts';
import { startThrowawayPg } from './support/pg.ts';

export async function run(args: string[]): Promise<void> {
  const total = numberArg(args, 'cases', 1_000_000);
  const iterations = numberArg(args, 'iterations', 60);
  const throwaway = process.env.DATABASE_URL ? undefined : await startThrowawayPg();
  const adminUrl = process.env.DATABASE_URL ?? throwaway!.url;
  const dbName = `sanctuary_bench_reports_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-reports-'));
  try {
    const config = buildConfig({
      dataDir,
      databaseUrl: url.toString(),
      devAutoUnseal: true,
      logLevel: 'warn',
    });
    const app = await buildApp(config, { logger: createLogger('warn') });
    const ctx = app.sanctuary;
    const db = ctx.database.db;
    const teams: string[] = [];
    for (let i = 0; i < 20; i += 1) teams.push(await buildTeam(ctx, { name: `Team ${i}` }));
    const started = performance.now();
    // Seeding in SQL (the triggers are off while the rows and the history are written in bulk,
    // then on again; the report summaries are then rebuilt from the raw tables, as after a restore).
    await sql`alter table cases disable trigger user`.execute(db);
    await sql`alter table case_tasks disable trigger user`.execute(db);
    await sql`
      insert into cases (id, ref, created_on, applicant_type, country, team_id, status, closing_reason, urgency)
      select gen_random_uuid(), 'B-' || g, date '2023-01-01' + (g % 1460),
             (array['soldier','conscript','reservist','officer','diplomat','family','other','unknown'])[1 + g % 8],
             (array['GE','AM','KZ','TR','RS','DE','FR', null])[1 + g % 8],
             (${sql.val(teams)}::uuid[])[1 + g % 20],
             (array['new','in_progress','safe','closed','triaged'])[1 + g % 5],
             case when g % 5 = 3 then 'reached_safety' end, 1
        from generate_series(1, ${total}) g`.execute(db);
    await sql`insert into case_status_history (case_id, status, entered_on, left_on)
      select id, 'new', created_on, case when status = 'new' then null else created_on + 3 end from cases`.execute(
      db,
    );
    await sql`insert into case_status_history (case_id, status, entered_on, left_on)
      select id, 'in_progress', created_on + 3, case when status = 'in_progress' then null else created_on + 20 + (hashtext(ref) & 63) end
        from cases where status in ('in_progress', 'safe', 'closed')`.execute(db);
    await sql`insert into case_status_history (case_id, status, entered_on)
      select id, status, created_on + 20 + (hashtext(ref) & 63) from cases where status in ('safe', 'closed')`.execute(
      db,
    );
    await sql`insert into case_status_history (case_id, status, entered_on)
      select id, status, created_on + 3 from cases where status = 'triaged'`.execute(db);
    await sql`insert into case_tasks (id, case_id, kind, title_enc, due_on)
      select gen_random_uuid(), id, 'call', '\\x00'::bytea, created_on + 30 from cases where hashtext(ref) % 20 = 0`.execute(
      db,
    );
    await sql`alter table cases enable trigger user`.execute(db);
    await sql`alter table case_tasks enable trigger user`.execute(db);
    const rebuilt = performance.now();
    await sql`select case_report_rebuild()`.execute(db);
    process.stdout.write(
      `report summaries rebuilt in ${((performance.now() - rebuilt) / 1000).toFixed(1)} s\n`,
    );
    await sql`analyze`.execute(db);
    process.stdout.write(`seeded ${total} cases in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const coordinator = staffActor({ id: randomUUID(), role: 'coordinator' });
    const analyst = staffActor({ id: randomUUID(), role: 'analyst' });
    const quarters = ['2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2'];
    const now = '2026-12-06';
    const time = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    const measure = async (label: string, f: (i: number) => Promise<unknown>) => {
      await f(0);
      const times: number[] = [];
      for (let i = 0; i < iterations; i += 1) times.push(await time(() => f(i)));
      times.sort((a, b) => a - b);
      return { label, p50: percentile(times, 50), p95: percentile(times, 95) };
    };
    const baseline = await measure('select count(*) from cases', () =>
      sql`select count(*) from cases`.execute(db),
    );
    const rows = [
      baseline,
      await measure('dashboard, coordinator, one quarter', (i) =>
        getDashboard(ctx, coordinator, { quarter: quarters[i % quarters.length] }, now),
      ),
      await measure('dashboard, coordinator, one quarter, one team', (i) =>
        getDashboard(ctx, coordinator, { quarter: quarters[i % quarters.length], team: teams[i % 20] }, now),
      ),
      await measure('dashboard, analyst (suppressed), one quarter', (i) =>
        getDashboard(ctx, analyst, { quarter: quarters[i % quarters.length] }, now),
      ),
    ];
    const dashboard = await getDashboard(ctx, coordinator, { quarter: '2024-Q1' }, now);
    const chartsCold = await time(() => renderCharts('en', dashboard));
    const chartsWarm = await time(() => renderCharts('en', dashboard));
    for (const r of rows) {
      process.stdout.write(
        `${r.label.padEnd(48)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  ratio to count(*) p95 ${(r.p95 / baseline.p95).toFixed(2)}\n`,
      );
    }
    process.stdout.write(
      `charts of one dashboard: ${chartsCold.toFixed(0)} ms rendered, ${chartsWarm.toFixed(1)} ms from the cache\n`,
    );
    const worst = Math.max(...rows.slice(1).map((r) => r.p95));
    process.stdout.write(
      `goal: dashboard p95 ≤ 200 ms at ${total} cases: ${worst <= 200 ? 'met' : 'NOT met'} (${worst.toFixed(1)} ms)\n`,
    );
    await app.close();
  } finally {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    throwaway?.stop();
  }
}

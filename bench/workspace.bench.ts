/**
 * `npm run bench -- workspace [--cases 100000] [--iterations 200]`
 *
 * On PostgreSQL (DATABASE_URL, or a throwaway cluster started here) with N seeded cases
 * (encrypted and blind-indexed exactly as in production), measures server-side latency
 * (app.inject, in process) of the queue page, the case page and search, as p50/p95, beside
 * the /healthz round trip measured in the same run. Then runs the services behind those
 * pages once more on a database handle that records every SQL statement, and checks each
 * with EXPLAIN: none may scan the whole cases table (or the index and key tables that grow
 * with it). EXPLAIN ANALYZE of the name-search candidate query is printed.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Insertable, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { buildConfig } from '../src/config/config.ts';
import type { AppContext } from '../src/context.ts';
import { encryptField, generateDataKey, totpCode, wrapDataKey } from '../src/crypto/index.ts';
import type { Db } from '../src/db/database.ts';
import type { CasePersonIndexTable, CasesTable, Database, DataKeysTable } from '../src/db/types.ts';
import { CASE_APPLICANT_TYPES } from '../src/domain/applicant.ts';
import { completeEnrolment, createStaff, getEnrolment } from '../src/modules/auth/staff.service.ts';
import {
  getCaseFile,
  listQueue,
  newCaseRef,
  OPEN_STATUSES,
  personIndexEntries,
  personSchema,
  searchCases,
} from '../src/modules/cases/index.ts';
import { createLogger } from '../src/platform/logging.ts';
import { buildTeam } from '../test/support/factories.ts';
import { startThrowawayPg } from './support/pg.ts';

const GIVEN = ['Алексей', 'Иван', 'Павел', 'Дмитрий', 'Сергей', 'Андрей', 'Михаил', 'Юрий', 'Олег', 'Никита'];
/** An everyday form of each given name, for the diminutive search ("Лёша Смирнов" finds "Алексей Смирнов"). */
const DIMINUTIVE: Record<string, string> = {
  Алексей: 'Лёша',
  Иван: 'Ваня',
  Павел: 'Паша',
  Дмитрий: 'Дима',
  Сергей: 'Серёжа',
  Андрей: 'Андрюша',
  Михаил: 'Миша',
  Юрий: 'Юрка',
  Олег: 'Олежка',
  Никита: 'Никитка',
};
const FAMILY = [
  'Смирнов',
  'Иванов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Петров',
  'Соколов',
  'Михайлов',
  'Новиков',
  'Фёдоров',
  'Морозов',
  'Волков',
  'Алексеев',
  'Лебедев',
  'Семёнов',
  'Егоров',
  'Павлов',
  'Козлов',
  'Степанов',
  'Николаев',
];
const TYPES = CASE_APPLICANT_TYPES.filter((t) => t !== 'diplomat' && t !== 'unknown');
const STATUSES = OPEN_STATUSES;
const COUNTRIES = ['KZ', 'GE', 'AM', 'TR', 'RS', 'DE', 'FI'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function dayAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { cases: { type: 'string', default: '100000' }, iterations: { type: 'string', default: '200' } },
  });
  const total = Number(values.cases);
  const iterations = Number(values.iterations);
  const throwaway = process.env.DATABASE_URL ? undefined : await startThrowawayPg();
  const adminUrl = process.env.DATABASE_URL ?? throwaway!.url;
  const dbName = `sanctuary_bench_ws_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-ws-'));
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
    const keyring = ctx.vault.requireKeyring();

    // Staff: one caseworker in team 0 (and the triage team), one coordinator.
    const enrol = async (email: string, role: 'caseworker' | 'coordinator') => {
      const created = await createStaff(ctx, { kind: 'cli', id: 'cli' }, { email, role });
      const token = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
      const view = await getEnrolment(ctx, token);
      const password = 'correct horse battery staple';
      await completeEnrolment(ctx, token, {
        password,
        passwordRepeat: password,
        totp: totpCode(view.totpSecret),
      });
      return { id: created.staffId, email, password, secret: view.totpSecret };
    };
    const cw = await enrol('bench.caseworker@example.org', 'caseworker');
    const co = await enrol('bench.coordinator@example.org', 'coordinator');
    const teams: string[] = [];
    for (let i = 0; i < 20; i += 1)
      teams.push(await buildTeam(ctx, { name: `Team ${i}`, members: i === 0 ? [cw.id] : [] }));
    await buildTeam(ctx, { name: 'Triage', triage: true, members: [cw.id] });

    // Seed: encrypted person, story and answers per case, data key wrapped, index entries.
    process.stdout.write(`seeding ${total.toLocaleString('en')} cases…\n`);
    const t0 = performance.now();
    let probePhone = '';
    let probeRef = '';
    let probeName = '';
    let probeNick = '';
    const BATCH = 1000;
    for (let start = 0; start < total; start += BATCH) {
      const cases: Insertable<CasesTable>[] = [];
      const keys: Insertable<DataKeysTable>[] = [];
      const index: Insertable<CasePersonIndexTable>[] = [];
      for (let i = start; i < Math.min(total, start + BATCH); i += 1) {
        const id = randomUUID();
        const ref = newCaseRef();
        const person = personSchema.parse({
          givenName: GIVEN[randomInt(GIVEN.length)]!,
          familyName: FAMILY[randomInt(FAMILY.length)]!,
          phone: `+7912${String(i).padStart(7, '0')}`,
          documents: [{ type: 'passport', number: `45${String(i).padStart(8, '0')}` }],
          family: [],
        });
        const key = generateDataKey();
        const wrapped = wrapDataKey(keyring, `case:${id}`, key);
        const team = randomInt(20);
        const closed = randomInt(10) < 3;
        const mine = team === 0 && randomInt(20) === 0;
        if (mine && probeRef === '') {
          probeRef = ref;
          probePhone = person.phone ?? '';
          probeName = `${person.givenName ?? ''} ${person.familyName ?? ''}`;
          probeNick = `${DIMINUTIVE[person.givenName ?? ''] ?? ''} ${person.familyName ?? ''}`;
        }
        cases.push({
          id,
          ref,
          status: closed ? 'closed' : STATUSES[randomInt(STATUSES.length)]!,
          urgency: randomInt(4),
          applicant_type: TYPES[randomInt(TYPES.length)]!,
          country: COUNTRIES[randomInt(COUNTRIES.length)]!,
          team_id: randomInt(50) === 0 ? null : teams[team]!,
          assignee_id: mine ? cw.id : null,
          closing_reason: closed ? ('reached_safety' as const) : null,
          waiting_for_us: randomInt(2) === 0,
          waiting_since: dayAgo(randomInt(365)),
          created_on: dayAgo(randomInt(365) + 1),
          next_due_on: randomInt(50) === 0 ? dayAgo(randomInt(20) - 10) : null,
          person_enc: encryptField(key, JSON.stringify(person), {
            table: 'cases',
            column: 'person',
            rowId: id,
          }),
          story_enc: encryptField(key, 'Synthetic story for the benchmark.', {
            table: 'cases',
            column: 'story',
            rowId: id,
          }),
          intake_enc: encryptField(key, '{}', { table: 'cases', column: 'intake', rowId: id }),
        });
        key.dispose();
        keys.push({ subject: `case:${id}`, key_id: wrapped.keyId, wrapped: wrapped.wrapped });
        for (const e of personIndexEntries(keyring, person))
          index.push({ case_id: id, kind: e.kind, value: e.value });
      }
      const unique = [...new Map(index.map((e) => [`${e.case_id}|${e.kind}|${e.value}`, e])).values()];
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('cases').values(cases).execute();
        await trx.insertInto('data_keys').values(keys).execute();
        await trx.insertInto('case_person_index').values(unique).execute();
      });
    }
    // Fresh statistics, as autovacuum would have them on a live system.
    await sql`analyze`.execute(db);
    process.stdout.write(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted)\n\n`);

    // Sign in over HTTP, as a browser would.
    const signIn = async (s: { email: string; password: string; secret: string }) => {
      const page = await app.inject({ method: 'GET', url: '/staff/login' });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const pre = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const res = await app.inject({
        method: 'POST',
        url: '/staff/login',
        headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          _csrf: csrf,
          email: s.email,
          password: s.password,
          totp: totpCode(s.secret, Date.now() + 30_000),
        }).toString(),
      });
      if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
      return res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    };
    const cwCookie = await signIn(cw);
    const coCookie = await signIn(co);

    const measure = async (
      label: string,
      url: string,
      cookie?: string,
      form?: Record<string, string>,
    ): Promise<number[]> => {
      const times: number[] = [];
      const headers = cookie === undefined ? {} : { cookie };
      for (let i = 0; i < iterations + 20; i += 1) {
        const t = performance.now();
        const res =
          form === undefined
            ? await app.inject({ method: 'GET', url, headers })
            : await app.inject({
                method: 'POST',
                url,
                headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
                payload: new URLSearchParams(form).toString(),
              });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode}`);
        if (i >= 20) times.push(ms);
      }
      return times.sort((a, b) => a - b);
    };
    // Search is a POST with the CSRF field of the search form (issue 12, finding 14).
    const searchAs = async (cookie: string, q: string) => {
      const page = await app.inject({
        method: 'GET',
        url: '/staff/cases/search?lang=en',
        headers: { cookie },
      });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      return measure('search', '/staff/cases/search?lang=en', cookie, { _csrf: csrf, q });
    };
    const rows: Array<[string, number[]]> = [];
    const health = await measure('healthz', '/healthz');
    rows.push(['/healthz (baseline)', health]);
    rows.push(['queue, caseworker (team scope)', await measure('queue', '/staff/cases?lang=en', cwCookie)]);
    rows.push(['queue, coordinator (all cases)', await measure('queue', '/staff/cases?lang=en', coCookie)]);
    rows.push([
      'queue, coordinator, page 20, filtered',
      await measure('queue', '/staff/cases?lang=en&type=conscript&page=20', coCookie),
    ]);
    rows.push(['case page', await measure('case', `/staff/cases/${probeRef}?lang=en`, cwCookie)]);
    rows.push(['search by phone', await searchAs(cwCookie, probePhone)]);
    rows.push(['search by name', await searchAs(cwCookie, probeName)]);
    rows.push(['search by diminutive ("Лёша …")', await searchAs(cwCookie, probeNick)]);
    rows.push(['search by name, coordinator', await searchAs(coCookie, probeName)]);
    rows.push(['search by case reference', await searchAs(cwCookie, probeRef)]);
    const base = percentile(health, 95);
    process.stdout.write(
      `## workspace, ${total.toLocaleString('en')} cases, ${iterations} requests each (server-side, app.inject)\n`,
    );
    process.stdout.write(
      `${'request'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p95 / healthz p95'.padStart(18)}\n`,
    );
    for (const [label, times] of rows) {
      const p95 = percentile(times, 95);
      process.stdout.write(
        `${label.padEnd(40)} ${percentile(times, 50).toFixed(2).padStart(8)} ${p95.toFixed(2).padStart(8)} ${(p95 / base).toFixed(1).padStart(17)}x\n`,
      );
    }
    const goal = rows
      .filter(([l]) => l.startsWith('queue') || l.startsWith('search'))
      .every(([, t]) => percentile(t, 95) <= 50);
    process.stdout.write(`goal (queue and search p95 <= 50 ms): ${goal ? 'met' : 'NOT met'}\n\n`);

    // The services behind the pages once more, on a handle that records every statement;
    // then EXPLAIN each: none may scan a table that grows with the cases.
    const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    const spy: Db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query')
          captured.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    const spyCtx: AppContext = { ...ctx, database: { ...ctx.database, db: spy } };
    const actorOf = (id: string, role: 'caseworker' | 'coordinator') => ({
      kind: 'staff' as const,
      id,
      role,
      sessionHash: Buffer.alloc(32),
    });
    const cwActor = actorOf(cw.id, 'caseworker');
    const coActor = actorOf(co.id, 'coordinator');
    const { queueQuerySchema } = await import('../src/modules/cases/index.ts');
    await listQueue(spyCtx, cwActor, queueQuerySchema.parse({}));
    await listQueue(spyCtx, coActor, queueQuerySchema.parse({}));
    await listQueue(spyCtx, coActor, queueQuerySchema.parse({ type: 'conscript', page: '20' }));
    await getCaseFile(spyCtx, cwActor, probeRef);
    for (const q of [probePhone, probeName, probeNick, probeRef]) await searchCases(spyCtx, cwActor, { q });
    await searchCases(spyCtx, coActor, { q: probeName });
    let scans = 0;
    const seen = new Set<string>();
    for (const q of captured) {
      if (!/^\s*select/i.test(q.sql) || seen.has(q.sql)) continue;
      seen.add(q.sql);
      const plan = await pool.query(`explain ${q.sql}`, q.parameters as unknown[]);
      const text = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      const full = /Seq Scan on (cases|case_person_index|data_keys|audit_log)\b/.test(text);
      if (full) scans += 1;
      process.stdout.write(
        `${full ? 'SEQ SCAN' : 'ok      '}  ${q.sql.slice(0, 100).replace(/\s+/g, ' ')}…\n`,
      );
      if (/from "case_person_index"/.test(q.sql) && q === captured.find((c) => c.sql === q.sql)) {
        const analyze = await pool.query(`explain (analyze, buffers) ${q.sql}`, q.parameters as unknown[]);
        process.stdout.write(
          `${analyze.rows.map((r: Record<string, string>) => `    ${r['QUERY PLAN']}`).join('\n')}\n`,
        );
      }
    }
    process.stdout.write(
      `statements explained: ${seen.size}; scanning a whole table that grows with the cases: ${scans}\n`,
    );
    await spy.destroy();
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
    throwaway?.stop();
  }
}

/**
 * `npm run bench -- search [--cases 100000] [--iterations 60]`
 *
 * Queue and search at N cases (issue 21 item 2, ADRs 0184, 0185), on PostgreSQL (DATABASE_URL,
 * or a throwaway cluster started here). Every case has an encrypted person, story and
 * answers, a wrapped data key and its blind-index entries; one in five has two encrypted
 * messages. Measures the services behind the pages (in process, no HTTP) as p50/p95 beside
 * a baseline from the same run: a one-row lookup by reference in SQL. The figure of interest is the free-text search p95 (decrypt-and-search inside the
 * reader's scope, bounded to TEXT_SEARCH_CASES cases) as a ratio to that baseline.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Insertable, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { buildConfig } from '../src/config/config.ts';
import { encryptField, generateDataKey, wrapDataKey } from '../src/crypto/index.ts';
import type { CaseMessagesTable, CasePersonIndexTable, CasesTable, DataKeysTable } from '../src/db/types.ts';
import { createStaff } from '../src/modules/auth/staff.service.ts';
import {
  listQueue,
  newCaseRef,
  OPEN_STATUSES,
  personIndexEntries,
  personSchema,
  queueQuerySchema,
  searchCases,
  searchCaseText,
} from '../src/modules/cases/index.ts';
import { createLogger } from '../src/platform/logging.ts';
import { buildTeam } from '../test/support/factories.ts';
import { percentile } from './support/fleet.ts';
import { startThrowawayPg } from './support/pg.ts';

const GIVEN = ['Алексей', 'Иван', 'Павел', 'Дмитрий', 'Сергей', 'Андрей', 'Михаил', 'Юрий', 'Олег', 'Никита'];
const FAMILY = ['Смирнов', 'Иванов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов'];
const CITIES = ['Тверь', 'Омск', 'Пермь', 'Казань', 'Самара', 'Уфа', 'Тула', 'Курск'];
const WORDS =
  'повестка военкомат граница паспорт брат мать сын часть отказ мобилизация автобус поезд деньги адвокат суд больница работа дом деревня город'.split(
    ' ',
  );
const COUNTRIES = ['KZ', 'GE', 'AM', 'TR', 'RS', 'DE', 'FI'];

const dayAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const sentence = (n: number) => Array.from({ length: n }, () => WORDS[randomInt(WORDS.length)]!).join(' ');

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { cases: { type: 'string', default: '100000' }, iterations: { type: 'string', default: '60' } },
  });
  const total = Number(values.cases);
  const iterations = Number(values.iterations);
  const throwaway = process.env.DATABASE_URL ? undefined : await startThrowawayPg();
  const adminUrl = process.env.DATABASE_URL ?? throwaway!.url;
  const dbName = `sanctuary_bench_search_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-search-'));
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
    const cli = { kind: 'cli' as const, id: 'cli' as const };
    const cw = await createStaff(ctx, cli, { email: 'bench.cw@example.org', role: 'caseworker' });
    const co = await createStaff(ctx, cli, { email: 'bench.co@example.org', role: 'coordinator' });
    const teams: string[] = [];
    for (let i = 0; i < 20; i += 1)
      teams.push(
        await buildTeam(ctx, { name: `Team ${i}`, members: i === 0 ? [cw.staffId, co.staffId] : [] }),
      );

    process.stdout.write(`seeding ${total.toLocaleString('en')} cases…\n`);
    const t0 = performance.now();
    let probeRef = '';
    let probeName = '';
    const BATCH = 1000;
    for (let start = 0; start < total; start += BATCH) {
      const cases: Insertable<CasesTable>[] = [];
      const keys: Insertable<DataKeysTable>[] = [];
      const index: Insertable<CasePersonIndexTable>[] = [];
      const messages: Insertable<CaseMessagesTable>[] = [];
      for (let i = start; i < Math.min(total, start + BATCH); i += 1) {
        const id = randomUUID();
        const ref = newCaseRef();
        const person = personSchema.parse({
          givenName: GIVEN[randomInt(GIVEN.length)]!,
          familyName: FAMILY[randomInt(FAMILY.length)]!,
          birthDate: `19${70 + randomInt(30)}-0${1 + randomInt(9)}-1${randomInt(10)}`,
          location: CITIES[randomInt(CITIES.length)]!,
          phone: `+7912${String(i).padStart(7, '0')}`,
          documents: [],
          family: [],
        });
        const key = generateDataKey();
        const wrapped = wrapDataKey(keyring, `case:${id}`, key);
        const team = randomInt(20);
        const closed = randomInt(10) < 3;
        if (team === 0 && probeRef === '') {
          probeRef = ref;
          probeName = `${person.givenName} ${person.familyName}`;
        }
        cases.push({
          id,
          ref,
          status: closed ? 'closed' : OPEN_STATUSES[randomInt(OPEN_STATUSES.length)]!,
          urgency: randomInt(4),
          applicant_type: 'conscript',
          country: COUNTRIES[randomInt(COUNTRIES.length)]!,
          team_id: teams[team]!,
          closing_reason: closed ? ('reached_safety' as const) : null,
          waiting_for_us: randomInt(2) === 0,
          waiting_since: dayAgo(randomInt(365)),
          created_on: dayAgo(randomInt(365) + 1),
          last_activity_on: dayAgo(randomInt(365)),
          person_enc: encryptField(key, JSON.stringify(person), {
            table: 'cases',
            column: 'person',
            rowId: id,
          }),
          // ~60 words, about the length of a first message through the intake form.
          story_enc: encryptField(key, sentence(60), { table: 'cases', column: 'story', rowId: id }),
          intake_enc: encryptField(key, '{}', { table: 'cases', column: 'intake', rowId: id }),
        });
        if (randomInt(5) === 0) {
          for (const direction of ['in', 'out'] as const) {
            const mid = randomUUID();
            messages.push({
              id: mid,
              case_id: id,
              direction,
              author_id: null,
              body_enc: encryptField(key, sentence(30), {
                table: 'case_messages',
                column: 'body',
                rowId: mid,
              }),
            });
          }
        }
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
        if (messages.length > 0) await trx.insertInto('case_messages').values(messages).execute();
      });
    }
    await sql`analyze`.execute(db);
    process.stdout.write(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted)\n\n`);

    const actor = (id: string, role: 'caseworker' | 'coordinator') => ({
      kind: 'staff' as const,
      id,
      role,
      sessionHash: Buffer.alloc(32),
    });
    const cwActor = actor(cw.staffId, 'caseworker');
    const coActor = actor(co.staffId, 'coordinator');
    const measure = async (work: () => Promise<unknown>): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < iterations + 5; i += 1) {
        const t = performance.now();
        await work();
        if (i >= 5) times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b);
    };
    // A word in every story: the search reads the whole bound and stops at 50 matches early;
    // two rare words in no story: it reads the whole bound and finds nothing (the worst case).
    let scanned = '';
    const rows: Array<[string, number[]]> = [];
    rows.push([
      'one-row lookup by reference, SQL (baseline)',
      await measure(() => db.selectFrom('cases').select('id').where('ref', '=', probeRef).executeTakeFirst()),
    ]);
    rows.push(['search by case reference', await measure(() => searchCases(ctx, cwActor, { q: probeRef }))]);
    rows.push([
      'search by name, key facts',
      await measure(() => searchCases(ctx, cwActor, { q: probeName })),
    ]);
    rows.push([
      'search by name, coordinator',
      await measure(() => searchCases(ctx, coActor, { q: probeName })),
    ]);
    rows.push([
      'queue, coordinator, sorted by age',
      await measure(() => listQueue(ctx, coActor, queueQuerySchema.parse({ sort: 'age' }))),
    ]);
    rows.push([
      'queue, coordinator, view overdue, by country',
      await measure(() =>
        listQueue(ctx, coActor, queueQuerySchema.parse({ view: 'overdue', sort: 'country' })),
      ),
    ]);
    rows.push([
      'free text, no match (whole bound)',
      await measure(async () => {
        const r = await searchCaseText(ctx, cwActor, { q: 'малиновка ларс' });
        scanned = r.bounded ? 'bound hit' : 'all in scope';
      }),
    ]);
    rows.push([
      'free text, common words (50 matches)',
      await measure(() => searchCaseText(ctx, cwActor, { q: 'повестка брат' })),
    ]);
    rows.push([
      'free text, coordinator, no match',
      await measure(() => searchCaseText(ctx, coActor, { q: 'малиновка ларс' })),
    ]);
    const base = percentile(rows[0]![1], 95);
    process.stdout.write(
      `## search, ${total.toLocaleString('en')} cases (caseworker's scope ≈ ${Math.round(total / 20).toLocaleString('en')}, free text ${scanned}), ${iterations} runs each (services, in process)\n`,
    );
    process.stdout.write(
      `${'request'.padEnd(46)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p95 / baseline p95'.padStart(19)}\n`,
    );
    for (const [label, times] of rows) {
      const p95 = percentile(times, 95);
      process.stdout.write(
        `${label.padEnd(46)} ${percentile(times, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${(p95 / base).toFixed(1).padStart(18)}x\n`,
      );
    }
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
    throwaway?.stop();
  }
}

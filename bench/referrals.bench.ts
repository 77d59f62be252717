/**
 * `npm run bench -- referrals [--partners 10000] [--cases 100000] [--iterations 200]`
 *
 * On PostgreSQL (DATABASE_URL, or a throwaway cluster started here) with N partners (details
 * encrypted under their own keys, name and city blind-indexed, exactly as the service stores
 * them) and M cases, measures the matching of partners to a case (matchPartners: the case's
 * access check and person, the hard constraints in SQL, the scoring, and the decryption of the
 * shown partners) as p50/p95, beside a baseline query measured in the same run (one case looked
 * up by its reference). Goal (issue 14): p95 <= 50 ms.
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
import type { CasesTable, DataKeysTable, PartnersTable } from '../src/db/types.ts';
import { createStaff } from '../src/modules/auth/index.ts';
import { newCaseRef, personSchema } from '../src/modules/cases/index.ts';
import { matchPartners } from '../src/modules/referrals/index.ts';
import { partnerIndexes } from '../src/modules/referrals/partners.service.ts';
import { LANGUAGES, PARTNER_KINDS, SPECIALTIES } from '../src/modules/referrals/referrals.schemas.ts';
import { createLogger } from '../src/platform/logging.ts';
import { startThrowawayPg } from './support/pg.ts';

const PLACES: Array<[string, string[]]> = [
  ['GE', ['Tbilisi', 'Batumi', 'Kutaisi']],
  ['AM', ['Yerevan', 'Gyumri']],
  ['KZ', ['Almaty', 'Astana', 'Shymkent']],
  ['KG', ['Bishkek', 'Osh']],
  ['RS', ['Belgrade', 'Novi Sad']],
  ['TR', ['Istanbul', 'Ankara', 'Antalya']],
  ['LT', ['Vilnius']],
  ['LV', ['Riga']],
  ['EE', ['Tallinn']],
  ['DE', ['Berlin', 'Munich', 'Hamburg']],
  ['FR', ['Paris', 'Lyon']],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const some = <T>(list: readonly T[], max: number): T[] => [
  ...new Set(Array.from({ length: 1 + randomInt(max) }, () => list[randomInt(list.length)]!)),
];

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      partners: { type: 'string', default: '10000' },
      cases: { type: 'string', default: '100000' },
      iterations: { type: 'string', default: '200' },
    },
  });
  const partners = Number(values.partners);
  const cases = Number(values.cases);
  const iterations = Number(values.iterations);
  const throwaway = process.env.DATABASE_URL ? undefined : await startThrowawayPg();
  const adminUrl = process.env.DATABASE_URL ?? throwaway!.url;
  const dbName = `sanctuary_bench_ref_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-bench-ref-'));
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
    const cw = await createStaff(
      ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'bench.cw@example.org', role: 'caseworker' },
    );
    const vo = await createStaff(
      ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'bench.vo@example.org', role: 'vetting_officer' },
    );
    const actor = {
      kind: 'staff' as const,
      id: cw.staffId,
      role: 'caseworker' as const,
      sessionHash: Buffer.alloc(32),
    };

    process.stdout.write(
      `seeding ${cases.toLocaleString('en')} cases and ${partners.toLocaleString('en')} partners…\n`,
    );
    const t0 = performance.now();
    const probes: string[] = [];
    const BATCH = 1000;
    for (let start = 0; start < cases; start += BATCH) {
      const rows: Insertable<CasesTable>[] = [];
      const keys: Insertable<DataKeysTable>[] = [];
      for (let i = start; i < Math.min(cases, start + BATCH); i += 1) {
        const id = randomUUID();
        const ref = newCaseRef();
        const person = personSchema.parse({
          givenName: 'Иван',
          familyName: 'Бенчмарков',
          family: Array.from({ length: randomInt(4) }, () => ({ relation: 'child', name: 'Синтетический' })),
        });
        const key = generateDataKey();
        const wrapped = wrapDataKey(keyring, `case:${id}`, key);
        const mine = i % 1000 === 0;
        if (mine) probes.push(ref);
        rows.push({
          id,
          ref,
          status: 'triaged',
          assignee_id: mine ? cw.staffId : null,
          person_enc: encryptField(key, JSON.stringify(person), {
            table: 'cases',
            column: 'person',
            rowId: id,
          }),
          story_enc: encryptField(key, 'Synthetic.', { table: 'cases', column: 'story', rowId: id }),
        });
        key.dispose();
        keys.push({ subject: `case:${id}`, key_id: wrapped.keyId, wrapped: wrapped.wrapped });
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('cases').values(rows).execute();
        await trx.insertInto('data_keys').values(keys).execute();
      });
    }
    for (let start = 0; start < partners; start += BATCH) {
      const rows: Insertable<PartnersTable>[] = [];
      const keys: Insertable<DataKeysTable>[] = [];
      for (let i = start; i < Math.min(partners, start + BATCH); i += 1) {
        const id = randomUUID();
        const [country, cities] = PLACES[i % PLACES.length]!;
        const city = cities[randomInt(cities.length)]!;
        const details = {
          name: `Synthetic partner ${i}`,
          city,
          contactMethod: 'signal',
          contact: `@synthetic${i}`,
          notes: '',
          voucherNote: '',
        };
        const key = generateDataKey();
        const wrapped = wrapDataKey(keyring, `partner:${id}`, key);
        const from = new Date(Date.now() + (randomInt(60) - 30) * 86_400_000).toISOString().slice(0, 10);
        const until = new Date(Date.now() + (30 + randomInt(120)) * 86_400_000).toISOString().slice(0, 10);
        rows.push({
          id,
          kind: PARTNER_KINDS[randomInt(PARTNER_KINDS.length - 1)]!,
          country,
          languages: ['ru', ...some(LANGUAGES, 3)].filter((v, n, a) => a.indexOf(v) === n),
          specialties: some(SPECIALTIES, 2),
          capacity_places: randomInt(8),
          capacity_from: randomInt(3) === 0 ? null : from,
          capacity_until: randomInt(3) === 0 ? null : until,
          vetting_status: randomInt(10) === 0 ? 'pending' : 'vetted',
          vouched_by: cw.staffId,
          ...(randomInt(10) === 0 ? {} : { vetted_by: vo.staffId, vetted_at: new Date() }),
          ...partnerIndexes(keyring, details),
          details_enc: encryptField(key, JSON.stringify(details), {
            table: 'partners',
            column: 'details',
            rowId: id,
          }),
          accepted_count: randomInt(10),
          declined_count: randomInt(5),
          completed_count: randomInt(8),
        });
        key.dispose();
        keys.push({ subject: `partner:${id}`, key_id: wrapped.keyId, wrapped: wrapped.wrapped });
      }
      // A pending partner has no vetting officer (the table's check).
      for (const r of rows) if (r.vetted_by === undefined) r.vetting_status = 'pending';
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('partners').values(rows).execute();
        await trx.insertInto('data_keys').values(keys).execute();
      });
    }
    await sql`analyze`.execute(db);
    process.stdout.write(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted)\n\n`);

    const arrival = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const queries = [
      { country: 'GE', city: 'Tbilisi', people: '3', arrival, languages: ['ru'] },
      { country: 'GE', people: '3', arrival, languages: ['ru'], kind: 'host' },
      { country: 'DE', people: '1', languages: ['ru', 'de'], specialties: ['deserters'] },
      { country: 'TR', city: 'Istanbul', people: '2' },
    ];
    const time = async (label: string, fn: (i: number) => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < iterations + 20; i += 1) {
        const t = performance.now();
        await fn(i);
        if (i >= 20) times.push(performance.now() - t);
      }
      return [label, times.sort((a, b) => a - b)] as const;
    };
    const rowsOut: Array<readonly [string, number[]]> = [
      await time('baseline: one case by reference', (i) =>
        db
          .selectFrom('cases')
          .select('id')
          .where('ref', '=', probes[i % probes.length]!)
          .executeTakeFirst(),
      ),
      await time('matchPartners, Tbilisi, family of 3, next week', (i) =>
        matchPartners(ctx, actor, probes[i % probes.length]!, queries[0]),
      ),
      await time('matchPartners, Georgia, hosts only', (i) =>
        matchPartners(ctx, actor, probes[i % probes.length]!, queries[1]),
      ),
      await time('matchPartners, Germany, deserters', (i) =>
        matchPartners(ctx, actor, probes[i % probes.length]!, queries[2]),
      ),
      await time('matchPartners, Istanbul, 2 people', (i) =>
        matchPartners(ctx, actor, probes[i % probes.length]!, queries[3]),
      ),
    ];
    // Where the time goes, for the Tbilisi query: the case's access check, the candidate query,
    // the decryption of the shown partners (measured separately, same run).
    const { authoriseCase } = await import('../src/modules/case-access/index.ts');
    const { findMatchCandidates } = await import('../src/modules/referrals/referrals.repository.ts');
    const { summarisePartners } = await import('../src/modules/referrals/partners.service.ts');
    const { blindIndex } = await import('../src/crypto/index.ts');
    const { matchKey } = await import('../src/modules/linkage/index.ts');
    const tbilisi = {
      country: 'GE',
      people: 3,
      arrival,
      languages: ['ru'],
      specialties: [],
      cityIndex: blindIndex(keyring, 'partner_city', matchKey('Tbilisi')),
    };
    const germany = { country: 'DE', people: 1, languages: ['ru', 'de'], specialties: ['deserters'] };
    const { findPartnersByIds } = await import('../src/modules/referrals/referrals.repository.ts');
    const shown = await findPartnersByIds(
      db,
      (await findMatchCandidates(db, tbilisi, 100)).rows.slice(0, 20).map((r) => r.id),
    );
    rowsOut.push(
      await time('  part: authoriseCase', (i) =>
        authoriseCase(db, actor, probes[i % probes.length]!, 'content'),
      ),
      await time('  part: candidate query (Tbilisi)', () => findMatchCandidates(db, tbilisi, 100)),
      await time('  part: candidate query (Germany)', () => findMatchCandidates(db, germany, 100)),
      await time('  part: decrypt 20 shown partners', () => summarisePartners(ctx, db, shown)),
    );
    const sample = await matchPartners(ctx, actor, probes[0]!, queries[0]);
    const base = percentile(rowsOut[0]![1], 95);
    process.stdout.write(
      `## referrals matching, ${partners.toLocaleString('en')} partners, ${cases.toLocaleString('en')} cases, ${iterations} runs each\n`,
    );
    process.stdout.write(
      `${'query'.padEnd(48)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p95 / baseline'.padStart(15)}\n`,
    );
    for (const [label, times] of rowsOut) {
      const p95 = percentile(times, 95);
      process.stdout.write(
        `${label.padEnd(48)} ${percentile(times, 50).toFixed(2).padStart(8)} ${p95.toFixed(2).padStart(8)} ${(p95 / base).toFixed(1).padStart(14)}x\n`,
      );
    }
    process.stdout.write(
      `(Tbilisi query: ${sample.candidates} candidates after the hard constraints, ${sample.lines.length} shown)\n`,
    );
    const goal = rowsOut.slice(1, 5).every(([, t]) => percentile(t, 95) <= 50);
    process.stdout.write(`goal (matching p95 <= 50 ms): ${goal ? 'met' : 'NOT met'}\n`);
    await app.close();
  } finally {
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    throwaway?.stop();
  }
}

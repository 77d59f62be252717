import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildCase } from '../../../test/support/factories.ts';
import { createAppJobRunner } from '../../server.ts';
import type { NewCaseInput } from '../cases/index.ts';
import { countJobs, JobRunner } from '../jobs/index.ts';
import { decryptDetail, linkPerson } from './person-linkage.service.ts';
import { openVettingKey } from './vetting-keys.ts';

let t: TestApp;
let runner: JobRunner;
const ids: Record<string, { id: string; ref: string }> = {};

type Person = NonNullable<NewCaseInput['person']>;
const person = (p: Partial<Person>): Person => ({ documents: [], family: [], ...p });

async function signals() {
  const rows = await t.ctx.database.db
    .selectFrom('vetting_signals as s')
    .innerJoin('vetting_signal_cases as c', 'c.signal_id', 's.id')
    .select(['s.id', 's.kind', 's.status', 's.score', 'c.case_id'])
    .execute();
  const byId = new Map<string, { kind: string; status: string; cases: string[] }>();
  for (const r of rows) {
    const s = byId.get(r.id) ?? { kind: r.kind, status: r.status, cases: [] };
    s.cases.push(r.case_id);
    byId.set(r.id, s);
  }
  const name = new Map(Object.entries(ids).map(([k, v]) => [v.id, k]));
  return [...byId.values()]
    .map(
      (s) =>
        `${s.kind}:${s.cases
          .map((c) => name.get(c) ?? '?')
          .sort()
          .join('+')}`,
    )
    .sort();
}

beforeAll(async () => {
  t = await buildTestApp();
  runner = createAppJobRunner(t.ctx);
  const make = async (name: string, p: Partial<Person>) => {
    ids[name] = await buildCase(t.ctx, { person: person(p) });
  };
  // One man, four ways: Cyrillic, a diminutive with day and month swapped and the phone
  // written with 8, and Latin transliterations only.
  await make('pavel', {
    givenName: 'Павел',
    familyName: 'Филатьев',
    patronymic: 'Андреевич',
    birthDate: '1988-05-07',
    phone: '+7 912 000-00-00',
  });
  await make('pasha', {
    givenName: 'Паша',
    familyName: 'Филатьев',
    birthDate: '1988-07-05',
    phone: '8 912 000 00 00',
  });
  await make('latin', { givenNameLatin: 'Pavel', familyNameLatin: 'Filatiev', birthDate: '1988-05-07' });
  // Another name on the same phone.
  await make('other_name', {
    givenName: 'Иван',
    familyName: 'Сидоров',
    birthDate: '1975-01-02',
    phone: '89120000000',
  });
  // Unrelated people, and a namesake born in another decade.
  await make('maria', {
    givenName: 'Мария',
    familyName: 'Кузнецова',
    birthDate: '1990-01-01',
    phone: '+7 903 111 22 33',
  });
  await make('namesake', { givenName: 'Павел', familyName: 'Филатьев', birthDate: '1961-11-30' });
  for (let i = 0; i < 20; i++) {
    await make(`filler${i}`, {
      givenName: ['Олег', 'Анна', 'Дмитрий', 'Юлия'][i % 4],
      familyName: `Петренко${'абвгдежзик'[i % 10]}`,
      birthDate: `19${70 + i}-0${1 + (i % 9)}-1${i % 9}`,
    });
  }
}, 300_000);
afterAll(async () => t.close());

describe('in-app linkage job', () => {
  it('queues a linkage job with every person written, in the same transaction', async () => {
    expect((await countJobs(t.ctx.database.db, 'linkage.person')).queued).toBe(Object.keys(ids).length);
  });

  it('finds the same person across spellings, the shared phone and the several codenames', async () => {
    await runner.runUntilIdle();
    expect(await signals()).toEqual([
      'codenames:latin+pasha+pavel',
      'duplicate:latin+pasha',
      'duplicate:latin+pavel',
      'duplicate:pasha+pavel',
      'shared_phone:other_name+pasha',
      'shared_phone:other_name+pavel',
    ]);
    // (The migration's backfill job queued some cases again: harmless, the job is idempotent.)
    const jobs = await countJobs(t.ctx.database.db, 'linkage.person');
    expect(Object.keys(jobs)).toEqual(['done']);
    expect(jobs.done).toBeGreaterThanOrEqual(Object.keys(ids).length);
  });

  it('is idempotent: linking everyone again raises nothing new', async () => {
    const before = await signals();
    for (const { id } of Object.values(ids)) await linkPerson(t.ctx, id);
    expect(await signals()).toEqual(before);
  });

  it('decrypts only the candidates found by blind-index lookups, never every case', async () => {
    const outcome = await linkPerson(t.ctx, ids.maria!.id);
    expect(outcome.candidates).toBe(0);
    const pavel = await linkPerson(t.ctx, ids.pavel!.id);
    // pasha, latin, other_name and the namesake; not the 20 others.
    expect(pavel.candidates).toBeLessThanOrEqual(5);
  });

  it('stores the explanation encrypted, and blocking keys only as blind indexes', async () => {
    const db = t.ctx.database.db;
    const s = await db.selectFrom('vetting_signals').select('detail_enc').executeTakeFirstOrThrow();
    expect(Buffer.from(s.detail_enc).toString('latin1')).not.toMatch(/familyName|probability/);
    const idx = await db
      .selectFrom('linkage_block_index')
      .select(['key', 'value'])
      .where('case_id', '=', ids.pavel!.id)
      .execute();
    expect(idx.length).toBeGreaterThanOrEqual(6);
    for (const r of idx) expect(r.value).toBeLessThan(2 ** 16);
  });

  it('links nothing while sealed, and catches up after the unseal', async () => {
    const { createCase } = await import('../cases/index.ts');
    const sealed = new JobRunner({
      db: t.ctx.database.db,
      logger: t.ctx.logger,
      isSealed: () => true,
      handlers: (await import('./vetting.jobs.ts')).vettingJobHandlers(t.ctx),
    });
    const late = await createCase(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      {
        person: person({ givenName: 'Павлик', familyName: 'Филатьев', birthDate: '1988-05-07' }),
      },
    );
    ids.late = late;
    expect(await sealed.runUntilIdle()).toBe(0);
    expect((await countJobs(t.ctx.database.db, 'linkage.person')).queued).toBe(1);
    await runner.runUntilIdle();
    expect(await signals()).toContain('duplicate:late+pavel');
  });

  it('finds a wrong birth year with a changed name by the keys without the year, as `sanctuary link` does', async () => {
    // Each pair shares only blocking keys without the year (ADR 0075), and no search term:
    // Тимоха is a diminutive outside the diminutives table (no name group in common; the
    // surname and the given name's initial still agree), Сабиров/Сафиров differ in their
    // phonetic code.
    const make = async (name: string, p: Partial<Person>) => {
      ids[name] = await buildCase(t.ctx, { person: person(p) });
    };
    await make('timofey', {
      givenName: 'Тимофей',
      familyName: 'Гарипов',
      patronymic: 'Рашидович',
      birthDate: '1984-03-14',
    });
    await make('timokha', {
      givenName: 'Тимоха',
      familyName: 'Гарипов',
      patronymic: 'Рашидович',
      birthDate: '1985-03-14',
    });
    await make('sabirov', {
      givenName: 'Ренат',
      familyName: 'Сабиров',
      patronymic: 'Ильдарович',
      birthDate: '1979-11-23',
    });
    await make('safirov', {
      givenName: 'Ренат',
      familyName: 'Сафиров',
      patronymic: 'Ильдарович',
      birthDate: '1978-11-23',
    });
    await runner.runUntilIdle();
    const found = await signals();
    expect(found).toContain('duplicate:timofey+timokha');
    expect(found).toContain('duplicate:sabirov+safirov');
    // The explanation names the blocking keys the two records share.
    expect(await sharedKeysOf('timofey', 'timokha')).toEqual(['surname_given', 'surname_day_month']);
    expect(await sharedKeysOf('sabirov', 'safirov')).toEqual(['day_month_given']);
  });
});

/** The shared blocking keys listed in the explanation of the duplicate signal of two cases. */
async function sharedKeysOf(a: string, b: string): Promise<unknown> {
  const db = t.ctx.database.db;
  const pairKey = [ids[a]!.id, ids[b]!.id].sort().join(':');
  const s = await db
    .selectFrom('vetting_signals')
    .select(['id', 'detail_enc'])
    .where('kind', '=', 'duplicate')
    .where('pair_key', '=', pairKey)
    .executeTakeFirstOrThrow();
  const key = await openVettingKey(t.ctx, db);
  try {
    const detail = decryptDetail(key, s.detail_enc, s.id);
    return detail.type === 'pair' ? detail.sharedKeys : undefined;
  } finally {
    key.dispose();
  }
}

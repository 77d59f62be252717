import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { BLIND_INDEXES, expectedCoincidences } from '../../crypto/blind-index.ts';
import { SEARCH_RESULT_LIMIT, searchCases } from './case-search.service.ts';
import { personSearchTerms, queryTerms } from './case-search.ts';
import { personSchema } from './cases.schemas.ts';

const person = (given: string, family: string) =>
  personSchema.parse({ givenName: given, familyName: family, documents: [], family: [] });
const nameTerms = (p: ReturnType<typeof person>) =>
  new Set(personSearchTerms(p).flatMap((t) => (t.kind === 'name' ? [t.term] : [])));
/** Whether a query would find a person, by the terms alone (what the index and the check compare). */
const meets = (query: string, p: ReturnType<typeof person>) => {
  const have = nameTerms(p);
  return queryTerms(query).some((t) => t.kind === 'name' && have.has(t.term));
};

describe('name terms', () => {
  it('meet across scripts, word order and diminutives', () => {
    const alexander = person('Александр', 'Филатьев');
    for (const q of [
      'Александр Филатьев',
      'Filatyev Aleksandr',
      'Саша Филатьев',
      'Филатьев Саша',
      'Sasha Filatiev',
      'Шура Филатьев',
      'Олександр Філатьєв',
      'Filatyev',
    ]) {
      expect(meets(q, alexander), q).toBe(true);
    }
  });

  it('do not meet a different name, another family, or a diminutive of another name', () => {
    const alexander = person('Александр', 'Филатьев');
    for (const q of ['Паша Филатьев', 'Саша Петров', 'Алексей Филатьев', 'Женя Филатьев']) {
      expect(meets(q, alexander), q).toBe(false);
    }
    // A diminutive shared by two names finds both (Саша: Александр and Александра).
    expect(meets('Саша Иванова', person('Александра', 'Иванова'))).toBe(true);
  });

  it('ignore patronymics, and names outside the table still match exactly', () => {
    expect(meets('Филатьев Павел Андреевич', person('Павел', 'Филатьев'))).toBe(true);
    expect(meets('Ждан Филатьев', person('Ждан', 'Филатьев'))).toBe(true);
    expect(queryTerms('Ждан Филатьев').filter((t) => t.term.startsWith('ng:'))).toEqual([]);
  });
});

describe('blind-index leakage budget', () => {
  it('keeps every index within 2 <= R / 2^L < sqrt(R) (CipherSweet coincidence rule)', () => {
    for (const name of Object.keys(BLIND_INDEXES) as Array<keyof typeof BLIND_INDEXES>) {
      const c = expectedCoincidences(name);
      expect(c, name).toBeGreaterThanOrEqual(2);
      expect(c, name).toBeLessThan(Math.sqrt(BLIND_INDEXES[name].expectedRows));
    }
  });

  it('adds at most a few name entries per person (diminutive groups included)', () => {
    const terms = nameTerms(
      personSchema.parse({
        givenName: 'Александр',
        familyName: 'Филатьев',
        givenNameLatin: 'Aleksandr',
        familyNameLatin: 'Filatiev',
        documents: [],
        family: [],
      }),
    );
    // f:, gf: and one ng: per group: the Latin spelling gives the same keys.
    expect([...terms].sort()).toEqual([...terms].sort().filter((t) => /^(f|gf|ng):/.test(t)));
    expect(terms.size).toBeLessThanOrEqual(4);
  });
});

describe('search on the database', () => {
  let t: TestApp;
  let alice: TestStaff;
  let bob: TestStaff;
  let teamA: string;
  let teamB: string;
  const actor = staffActor;

  beforeAll(async () => {
    t = await buildTestApp();
    alice = await buildStaff(t.ctx, 'caseworker');
    bob = await buildStaff(t.ctx, 'caseworker');
    teamA = await buildTeam(t.ctx, { name: 'Search A', members: [alice.id] });
    teamB = await buildTeam(t.ctx, { name: 'Search B', members: [bob.id] });
  }, 120_000);
  afterAll(async () => t.close());

  const refs = async (who: TestStaff, q: string) =>
    (await searchCases(t.ctx, actor(who), { q })).map((r) => r.ref).sort();

  it('finds a diminutive across scripts, only within scope, and audits no query text', async () => {
    const mine = await buildCase(t.ctx, { teamId: teamA, person: person('Александр', 'Гордеев') });
    const theirs = await buildCase(t.ctx, { teamId: teamB, person: person('Александр', 'Гордеев') });
    const other = await buildCase(t.ctx, { teamId: teamA, person: person('Алексей', 'Гордеев') });
    expect(await refs(alice, 'Саша Гордеев')).toEqual([mine.ref]);
    expect(await refs(alice, 'Gordeev Sasha')).toEqual([mine.ref]);
    expect(await refs(alice, 'Лёша Гордеев')).toEqual([other.ref]);
    expect(await refs(bob, 'Шура Гордеев')).toEqual([theirs.ref]);
    expect(await refs(alice, 'Гордеев')).toEqual([mine.ref, other.ref].sort());
    const last = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['reason'])
      .where('action', '=', 'case.search')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(last.reason).toBe('kinds=name results=2');
  });

  it('lets a coordinator find any case by reference, but by name only the cases they may read', async () => {
    const coord = await buildStaff(t.ctx, 'coordinator');
    await buildTeam(t.ctx, { name: 'Search coordinators', members: [coord.id] });
    const theirs = await buildCase(t.ctx, { teamId: teamB, person: person('Матвей', 'Ершов') });
    const assigned = await buildCase(t.ctx, { assigneeId: coord.id, person: person('Матвей', 'Ершов') });
    expect(await refs(coord, theirs.ref)).toEqual([theirs.ref]);
    expect(await refs(coord, 'Мотя Ершов')).toEqual([assigned.ref]);
    expect(await refs(coord, 'Ершов')).toEqual([assigned.ref]);
  });

  it('does not let cases outside the scope crowd out those inside it', async () => {
    // More same-name cases outside the scope than the result limit: the one inside is found.
    for (let i = 0; i < SEARCH_RESULT_LIMIT + 5; i += 1) {
      await buildCase(t.ctx, { teamId: teamB, person: person('Пётр', 'Рябинин') });
    }
    const mine = await buildCase(t.ctx, { teamId: teamA, person: person('Пётр', 'Рябинин') });
    expect(await refs(alice, 'Петя Рябинин')).toEqual([mine.ref]);
    expect(await refs(bob, 'Pyotr Ryabinin')).toHaveLength(SEARCH_RESULT_LIMIT);
  });

  it('finds a case only when its index and its decrypted person agree', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA, person: person('Иван', 'Козырев') });
    expect(await refs(alice, 'Ваня Козырев')).toEqual([ref]);
    await t.ctx.database.db.transaction().execute(async (trx) => {
      const { replacePersonIndex } = await import('./cases.repository.ts');
      const { personIndexEntries } = await import('./case-search.ts');
      await replacePersonIndex(
        trx,
        id,
        personIndexEntries(t.ctx.vault.requireKeyring(), person('Олег', 'Козырев')),
      );
    });
    // The index now says Олег; the stored person still says Иван, so verification refuses it.
    expect(await refs(alice, 'Ваня Козырев')).toEqual([]);
    expect(await refs(alice, 'Олег Козырев')).toEqual([]);
  });
});

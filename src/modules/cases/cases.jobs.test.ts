import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { searchCases } from './case-search.service.ts';
import { reindexPersonSearchPage } from './cases.jobs.ts';

let t: TestApp;
let alice: TestStaff;
let team: string;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await buildStaff(t.ctx, 'caseworker');
  team = await buildTeam(t.ctx, { members: [alice.id] });
}, 120_000);
afterAll(async () => t.close());

describe('re-indexing person search in the background', () => {
  it('gives cases indexed before the diminutive terms their name-group entries, idempotently', async () => {
    const { ref, id } = await buildCase(t.ctx, {
      teamId: team,
      person: { givenName: 'Дмитрий', familyName: 'Чернов', documents: [], family: [] },
    });
    const find = async (q: string) => (await searchCases(t.ctx, staffActor(alice), { q })).map((r) => r.ref);
    expect(await find('Дима Чернов')).toEqual([ref]);
    // As if the index were stale (written before the name-group terms): here, emptied.
    const db = t.ctx.database.db;
    const entries = await db.selectFrom('case_person_index').selectAll().where('case_id', '=', id).execute();
    await db.deleteFrom('case_person_index').where('case_id', '=', id).execute();
    expect(await find('Дима Чернов')).toEqual([]);
    expect(await reindexPersonSearchPage(t.ctx, null)).toBeNull();
    expect(await find('Дима Чернов')).toEqual([ref]);
    await reindexPersonSearchPage(t.ctx, null);
    const again = await db.selectFrom('case_person_index').selectAll().where('case_id', '=', id).execute();
    expect(again.map((e) => `${e.kind}:${e.value}`).sort()).toEqual(
      entries.map((e) => `${e.kind}:${e.value}`).sort(),
    );
  });
});

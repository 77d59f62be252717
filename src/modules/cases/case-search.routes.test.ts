import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, signInClient, type TestApp } from '../../../test/support/app.ts';
import { SEARCH_RESULT_LIMIT } from './case-search.service.ts';
import { buildCase, buildTeam } from './cases.factories.ts';

/** The search page says when it shows only the first matches of a common name. */
describe('search page: more matches than it shows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('shows the first matches with a note to narrow the search, and no note when all are shown', async () => {
    const worker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { members: [worker.id] });
    for (let i = 0; i <= SEARCH_RESULT_LIMIT; i += 1) {
      await buildCase(t.ctx, {
        teamId,
        person: { givenName: 'Иван', familyName: 'Многофамильный', documents: [], family: [] },
      });
    }
    await buildCase(t.ctx, {
      teamId,
      person: { givenName: 'Ждан', familyName: 'Редкофамильный', documents: [], family: [] },
    });
    const client = await signInClient(t.app, worker);
    const many = await client.get(`/staff/cases/search?lang=en&q=${encodeURIComponent('Mnogofamilnyy')}`);
    expect(many.statusCode).toBe(200);
    expect(many.body.match(/href="\/staff\/cases\/C-/g)?.length).toBe(SEARCH_RESULT_LIMIT);
    expect(many.body).toContain(`Only the first ${SEARCH_RESULT_LIMIT} matches are shown`);
    const few = await client.get(`/staff/cases/search?lang=ru&q=${encodeURIComponent('Редкофамильный')}`);
    expect(few.body.match(/href="\/staff\/cases\/C-/g)?.length).toBe(1);
    expect(few.body).not.toContain('Показаны только первые');
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  searchCases,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { SEARCH_RESULT_LIMIT } from './case-search.service.ts';

let t: TestApp;
let worker: TestStaff;
let teamId: string;

beforeAll(async () => {
  t = await buildTestApp();
  worker = await buildStaff(t.ctx, 'caseworker');
  teamId = await buildTeam(t.ctx, { members: [worker.id] });
}, 120_000);
afterAll(async () => t.close());

const search = searchCases;

const searchesAudited = async () =>
  (
    await t.ctx.database.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'case.search')
      .execute()
  ).length;

/** The search page says when it shows only the first matches of a common name. */
describe('search page: more matches than it shows', () => {
  it('shows the first matches with a note to narrow the search, and no note when all are shown', async () => {
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
    const many = await search(client, 'Mnogofamilnyy');
    expect(many.statusCode).toBe(200);
    expect(many.body.match(/href="\/staff\/cases\/C-/g)?.length).toBe(SEARCH_RESULT_LIMIT);
    expect(many.body).toContain(`Only the first ${SEARCH_RESULT_LIMIT} matches are shown`);
    const few = await search(client, 'Редкофамильный', 'ru');
    expect(few.body.match(/href="\/staff\/cases\/C-/g)?.length).toBe(1);
    expect(few.body).not.toContain('Показаны только первые');
  }, 120_000);
});

/**
 * Issue 12, finding 14: identity searches travelled in the URL (method="get"), so a phone or
 * document number ended up in browser history, proxy and server logs, and Referer headers.
 */
describe('identity search stays out of every URL', () => {
  const PHONE = '+7 916 321 45 67';
  const DIGITS = '9163214567';

  it('searches by POST and renders the results in the answer: no term in any URL or Location', async () => {
    const { ref } = await buildCase(t.ctx, {
      teamId,
      person: { givenName: 'Олег', familyName: 'Телефонов', phone: PHONE, documents: [], family: [] },
    });
    const client = await signInClient(t.app, worker);
    const form = await client.get('/staff/cases/search?lang=en');
    expect(form.body).toMatch(/<form method="post" action="\/staff\/cases\/search\?lang=en"/);
    expect(form.body).not.toContain('method="get"');
    const res = await search(client, PHONE);
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain(`href="/staff/cases/${ref}?lang=en"`);
    // Every URL on the page (links, form actions, the language switch) is free of the term.
    const urls = [...res.body.matchAll(/(?:href|action|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) {
      const decoded = decodeURIComponent(url).replace(/\D/g, '');
      expect(decoded, url).not.toContain(DIGITS.slice(-7));
    }
  });

  it('no longer searches on a GET with query parameters', async () => {
    await buildCase(t.ctx, {
      teamId,
      person: {
        givenName: 'Пётр',
        familyName: 'Гетов',
        phone: '+7 916 111 22 33',
        documents: [],
        family: [],
      },
    });
    const client = await signInClient(t.app, worker);
    const before = await searchesAudited();
    const res = await client.get(`/staff/cases/search?lang=en&q=${encodeURIComponent('+7 916 111 22 33')}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/href="\/staff\/cases\/C-/);
    expect(res.body).not.toContain('916 111 22 33');
    expect(await searchesAudited()).toBe(before);
  });

  it('refuses a search POST without the CSRF field', async () => {
    const client = await signInClient(t.app, worker);
    const before = await searchesAudited();
    const res = await client.post('/staff/cases/search?lang=en', { q: PHONE });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(await searchesAudited()).toBe(before);
  });
});

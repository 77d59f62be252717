import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
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

/**
 * Issue 21 item 2 (ADRs 0184, 0185): saved views, sorting in SQL, the count, key facts in the
 * results, references in any case, free text within the scope; hostile parameters refused.
 * One coordinator, one sign-in, cases in a team of their own (the filter isolates them from
 * the cases of the tests above).
 */
describe('queue views, sorting and search results with key facts', () => {
  let co: TestStaff;
  let client: Awaited<ReturnType<typeof signInClient>>;
  let team: string;
  const refs: Record<'a' | 'b' | 'c' | 'hidden' | 'other', string> = {
    a: '',
    b: '',
    c: '',
    hidden: '',
    other: '',
  };
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const namesake = (birthDate: string, location: string) => ({
    givenName: 'Андрей',
    familyName: 'Двойников',
    birthDate,
    location,
    documents: [],
    family: [],
  });

  beforeAll(async () => {
    co = await buildStaff(t.ctx, 'coordinator');
    team = await buildTeam(t.ctx, { members: [co.id] });
    const db = t.ctx.database.db;
    const set = async (id: string, values: Record<string, unknown>) =>
      db.updateTable('cases').set(values).where('id', '=', id).execute();
    const a = await buildCase(t.ctx, {
      teamId: team,
      assigneeId: co.id,
      urgency: 3,
      country: 'KZ',
      person: namesake('1990-01-01', 'Тверь'),
      story: 'Мой брат служит в части у деревни Малиновка.',
    });
    await set(a.id, { waiting_for_us: false, created_on: '2026-01-10', last_activity_on: '2026-03-01' });
    const b = await buildCase(t.ctx, {
      teamId: team,
      urgency: 1,
      country: 'GE',
      person: namesake('1995-05-05', 'Омск'),
      story: 'Уехал через Верхний Ларс.',
    });
    await set(b.id, { waiting_for_us: true, created_on: '2026-02-10', last_activity_on: '2026-01-01' });
    const c = await buildCase(t.ctx, {
      teamId: team,
      urgency: 0,
      country: 'AM',
      person: { givenName: 'Олег', familyName: 'Третий', documents: [], family: [] },
    });
    await set(c.id, {
      waiting_for_us: false,
      next_due_on: yesterday,
      created_on: '2025-12-01',
      last_activity_on: '2026-02-01',
    });
    // A restricted case of a team the coordinator is not in (ADR 0158): never listed, found or counted.
    const restrictedTeam = await buildTeam(t.ctx, { members: [] });
    const hidden = await buildCase(t.ctx, {
      urgency: 3,
      country: 'KZ',
      person: namesake('1990-01-01', 'Тверь'),
      story: 'Малиновка.',
    });
    await set(hidden.id, { restricted: true, team_id: restrictedTeam, next_due_on: yesterday });
    // Another team's ordinary case: a metadata row for the coordinator, never named.
    const other = await buildCase(t.ctx, {
      teamId: teamId,
      country: 'KZ',
      person: namesake('1980-08-08', 'Пермь'),
      story: 'Малиновка.',
    });
    Object.assign(refs, { a: a.ref, b: b.ref, c: c.ref, hidden: hidden.ref, other: other.ref });
    client = await signInClient(t.app, co);
  }, 120_000);

  const rowsOf = (body: string) => [...body.matchAll(/data-ref="(C-[A-Z0-9]+)"/g)].map((m) => m[1]!);
  const queue = (params: string) => client.get(`/staff/cases?lang=en&team=${team}${params}`);

  it('sorts in SQL by each allow-listed column both ways, counts, and offers the views', async () => {
    const urgency = await queue('&sort=urgency&dir=desc');
    expect(urgency.statusCode).toBe(200);
    expect(rowsOf(urgency.body)).toEqual([refs.a, refs.b, refs.c]);
    expect(urgency.body).toContain('data-count="3"');
    expect(urgency.body).toContain('3 cases');
    expect(rowsOf((await queue('&sort=urgency&dir=asc')).body)).toEqual([refs.c, refs.b, refs.a]);
    expect(rowsOf((await queue('&sort=country')).body)).toEqual([refs.c, refs.b, refs.a]);
    // Age descending: the oldest first.
    expect(rowsOf((await queue('&sort=age&dir=desc')).body)).toEqual([refs.c, refs.a, refs.b]);
    expect(rowsOf((await queue('&sort=activity&dir=desc')).body)).toEqual([refs.a, refs.c, refs.b]);
    // The filters sit in one form before the table; each sortable header is a link.
    const body = urgency.body;
    expect(body.indexOf('class="queue-filters"')).toBeLessThan(body.indexOf('<table'));
    expect(body).toMatch(/<a href="[^"]*sort=age[^"]*" class="sort" data-sort="age"/);
    expect(body).toContain('(sorted descending)');
    // The sorted column's header says its order to assistive technology; only that one does,
    // and the default triage order (no single column's) claims none.
    const ariaSorts = (html: string) =>
      [...html.matchAll(/<th scope="col" aria-sort="(\w+)"><a[^>]*data-sort="(\w+)"/g)].map(
        (m) => `${m[2]}:${m[1]}`,
      );
    expect(ariaSorts(body)).toEqual(['urgency:descending']);
    expect(body.match(/aria-sort=/g)).toHaveLength(1);
    expect(ariaSorts((await queue('&sort=country')).body)).toEqual(['country:ascending']);
    expect((await queue('')).body).not.toContain('aria-sort');
    for (const v of ['mine', 'waiting', 'overdue'])
      expect(body).toContain(`href="/staff/cases?lang=en&amp;view=${v}"`);
  });

  it('applies the built-in views within the reader scope, never showing a restricted case', async () => {
    expect(rowsOf((await queue('&view=mine')).body)).toEqual([refs.a]);
    expect(rowsOf((await queue('&view=waiting')).body)).toEqual([refs.b]);
    const overdue = await client.get('/staff/cases?lang=en&view=overdue');
    expect(rowsOf(overdue.body)).toContain(refs.c);
    expect(rowsOf(overdue.body)).not.toContain(refs.hidden);
    expect(overdue.body).toContain('aria-current="page"');
    const all = await client.get('/staff/cases?lang=en&sort=urgency&country=KZ');
    expect(rowsOf(all.body)).toContain(refs.other);
    expect(rowsOf(all.body)).not.toContain(refs.hidden);
  });

  it('shows key facts only on rows whose content the reader may read', async () => {
    const res = await queue('&sort=urgency');
    expect(res.body).toContain('Андрей Двойников');
    expect(res.body).toContain('born 1990-01-01, Тверь');
    const kz = await client.get('/staff/cases?lang=en&country=KZ');
    // The other team's namesake is listed (metadata) but not named.
    expect(kz.body).not.toContain('Пермь');
  });

  it('answers 400 with a translated message for hostile sort, direction, view and search mode, changing nothing', async () => {
    const db = t.ctx.database.db;
    const before = (
      await db
        .selectFrom('cases')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    for (const params of [
      'sort=urgency;drop table cases',
      "sort=cases.ref'--",
      'sort=ref',
      'sort=',
      'dir=sideways',
      'sort=age&dir=1',
      'view=all',
      "view=mine' or 1=1",
      'sort=AGE',
    ]) {
      const res = await client.get(`/staff/cases?lang=ru&${params}`);
      expect(res.statusCode, params).toBe(400);
      expect(res.body, params).toContain('<html');
      expect(res.body, params).not.toMatch(/select |syntax|stack|at \//i);
      expect(res.body, params).toMatch(/[а-я]{4}/);
    }
    const page = await client.get('/staff/cases/search?lang=en');
    const bad = await client.post('/staff/cases/search?lang=en', {
      _csrf: Client.csrfOf(page.body),
      q: 'Малиновка',
      in: 'story; drop table cases',
    });
    expect(bad.statusCode).toBe(400);
    const after = (
      await db
        .selectFrom('cases')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(after).toBe(before);
  });

  it('finds a reference typed in lower case or without the hyphen', async () => {
    for (const typed of [
      refs.b.toLowerCase(),
      `c ${refs.b.slice(2).toLowerCase()}`,
      refs.b.replace('-', ''),
    ]) {
      const res = await search(client, typed);
      expect(rowsOf(res.body), typed).toEqual([refs.b]);
    }
  });

  it('tells namesakes apart by their key facts, without a case.read entry per result', async () => {
    const reads = async () =>
      (
        await t.ctx.database.db
          .selectFrom('audit_log')
          .select('seq')
          .where('action', '=', 'case.read')
          .execute()
      ).length;
    const readsBefore = await reads();
    const searchesBefore = await searchesAudited();
    const res = await search(client, 'андрей двойников');
    expect(res.statusCode).toBe(200);
    expect(rowsOf(res.body).sort()).toEqual([refs.a, refs.b].sort());
    expect(res.body).toContain('born 1990-01-01, Тверь');
    expect(res.body).toContain('born 1995-05-05, Омск');
    expect(res.body).not.toContain('Пермь');
    expect(await reads()).toBe(readsBefore);
    expect(await searchesAudited()).toBe(searchesBefore + 1);
  });

  it('searches the story and messages as free text within the content scope, and audits no query text', async () => {
    const page = await client.get('/staff/cases/search?lang=en');
    const res = await client.post('/staff/cases/search?lang=en', {
      _csrf: Client.csrfOf(page.body),
      q: 'МАЛИНОВКА брат',
      in: 'text',
    });
    expect(res.statusCode).toBe(200);
    // Not the restricted case, not the other team's case: the same words are in both.
    expect(rowsOf(res.body)).toEqual([refs.a]);
    expect(res.body).toContain('Андрей Двойников');
    const entry = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'case.search')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry.reason).toMatch(/^kinds=text results=1 scanned=\d+$/);
    expect(JSON.stringify(entry)).not.toMatch(/малинов|брат/i);
    const short = await client.post('/staff/cases/search?lang=en', {
      _csrf: Client.csrfOf(page.body),
      q: 'a b',
      in: 'text',
    });
    expect(short.body).toContain('Type at least one word of 3 letters or more.');
  });

  it('reads only the most recently active cases up to the bound, and says so', async () => {
    const { searchCaseText } = await import('./case-search.service.ts');
    const actor = {
      kind: 'staff' as const,
      id: co.id,
      role: 'coordinator' as const,
      sessionHash: Buffer.alloc(32),
    };
    // Three readable cases: a (2026-03-01) and c (2026-02-01) are read; b (2026-01-01) is not.
    const bounded = await searchCaseText(t.ctx, actor, { q: 'Верхний Ларс' }, { cases: 2 });
    expect(bounded.bounded).toBe(true);
    expect(bounded.items).toEqual([]);
    const all = await searchCaseText(t.ctx, actor, { q: 'Верхний Ларс' }, { cases: 3 });
    expect(all.bounded).toBe(false);
    expect(all.items.map((i) => i.ref)).toEqual([refs.b]);
  });
});

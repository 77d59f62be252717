import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  Client as C,
  type Client,
  loginAs,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { listApplicantVisibleMessages } from './case-messages.service.ts';

let t: TestApp;
let cw: { client: Client; staff: TestStaff };
let other: { client: Client; staff: TestStaff };
let teamA: string;

beforeAll(async () => {
  t = await buildTestApp();
  cw = await loginAs(t, 'caseworker');
  other = await loginAs(t, 'caseworker');
  teamA = await buildTeam(t.ctx, { name: 'Team A', members: [cw.staff.id] });
  await buildTeam(t.ctx, { name: 'Team B', members: [other.staff.id] });
});
afterAll(async () => t.close());

const auditCount = async () =>
  Number(
    (
      await t.ctx.database.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('case pages over HTTP', () => {
  it('answers 401 without a session, for pages and forms', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const anon = new C(t.app);
    expect((await anon.get('/staff/cases')).statusCode).toBe(401);
    expect((await anon.get(`/staff/cases/${ref}`)).statusCode).toBe(401);
    const login = await anon.get('/staff/login');
    const res = await anon.post(`/staff/cases/${ref}/notes`, { _csrf: C.csrfOf(login.body), body: 'x' });
    expect(res.statusCode).toBe(401);
  });

  it('shows the queue with the team case and not the other team case', async () => {
    const mine = await buildCase(t.ctx, { teamId: teamA, urgency: 2 });
    const theirs = await buildCase(t.ctx, { teamId: null, assigneeId: other.staff.id });
    const res = await cw.client.get('/staff/cases?lang=en');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(mine.ref);
    expect(res.body).not.toContain(theirs.ref);
  });

  it('does not reveal a case of another team: 404 like a missing one', async () => {
    const theirs = await buildCase(t.ctx, { assigneeId: other.staff.id });
    const before = await auditCount();
    const res = await cw.client.get(`/staff/cases/${theirs.ref}?lang=en`);
    expect(res.statusCode).toBe(404);
    expect((await cw.client.get('/staff/cases/C-23456789?lang=en')).statusCode).toBe(404);
    expect((await cw.client.get('/staff/cases/not-a-ref?lang=en')).statusCode).toBe(404);
    expect(await auditCount()).toBe(before);
  });

  it('shows HTML in a story and a message as text', async () => {
    const evil = '<script>window.pwned=1</script><img src=x onerror=alert(1)>';
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA, story: evil });
    const { addApplicantMessage } = await import('./case-messages.service.ts');
    await addApplicantMessage(t.ctx, id, evil);
    const res = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>window.pwned');
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).toContain('&lt;script>window.pwned=1&lt;/script>');
  });

  it('writes a note, a reply and a task; the reply reaches the applicant, the note does not', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA });
    const page = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    const csrf = C.csrfOf(page.body);
    expect(
      (await cw.client.post(`/staff/cases/${ref}/notes?lang=en`, { _csrf: csrf, body: 'internal only' }))
        .statusCode,
    ).toBe(303);
    expect(
      (await cw.client.post(`/staff/cases/${ref}/replies?lang=en`, { _csrf: csrf, body: 'Hello from us' }))
        .statusCode,
    ).toBe(303);
    const task = await cw.client.post(`/staff/cases/${ref}/tasks?lang=en`, {
      _csrf: csrf,
      kind: 'summons',
      title: 'Summons date',
      dueOn: '2020-01-01',
      assigneeId: cw.staff.id,
    });
    expect(task.statusCode).toBe(303);
    // Each action returns to its section; a draft's text never travels in the URL.
    expect(task.headers.location).toBe(`/staff/cases/${ref}?lang=en&flash=cases.flash.task_added#tasks`);
    const draft = await cw.client.post(`/staff/cases/${ref}/reply-draft?lang=en`, {
      _csrf: csrf,
      body: 'draft words',
      op: 'insert',
      template: 'acknowledge',
      tlang: 'uk',
    });
    expect(draft.headers.location).toBe(
      `/staff/cases/${ref}?lang=en&flash=cases.flash.saved&template=acknowledge&tlang=uk#reply`,
    );
    const withDraft = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    expect(withDraft.body).toContain('draft words\n\nВітаємо, Иван.');
    // The name is in the header, never in the document title (a laptop's history keeps titles).
    expect(withDraft.body).toContain('Петров Иван');
    expect(/<title>([^<]*)<\/title>/.exec(withDraft.body)?.[1]).not.toContain('Петров');
    const messages = await listApplicantVisibleMessages(t.ctx, id);
    expect(messages.map((m) => m.body)).toEqual(['Hello from us']);
    expect(messages[0]!.createdOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const after = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    expect(after.body).toContain('internal only');
    expect(after.body).toContain('Summons date');
    // The overdue task makes the case rise to the top of the queue.
    const queue = await cw.client.get('/staff/cases?lang=en');
    const firstRef = /data-ref="(C-[A-Z0-9]+)"/.exec(queue.body)?.[1];
    expect(firstRef).toBe(ref);
  });

  it('answers 400 with a translated message for bad input, and writes nothing', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const page = await cw.client.get(`/staff/cases/${ref}?lang=ru`);
    const csrf = C.csrfOf(page.body);
    const before = await t.ctx.database.db
      .selectFrom('case_tasks')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await cw.client.post(`/staff/cases/${ref}/tasks?lang=ru`, {
      _csrf: csrf,
      kind: 'nope',
      title: '',
      dueOn: 'x',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Некоторые поля');
    const after = await t.ctx.database.db
      .selectFrom('case_tasks')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it('refuses a stale edit with 409 instead of overwriting', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const page = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    const csrf = C.csrfOf(page.body);
    const first = await cw.client.post(`/staff/cases/${ref}/person?lang=en`, {
      _csrf: csrf,
      version: '1',
      familyName: 'Сидоров',
    });
    expect(first.statusCode).toBe(303);
    const stale = await cw.client.post(`/staff/cases/${ref}/person?lang=en`, {
      _csrf: csrf,
      version: '1',
      familyName: 'Иванов',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Someone else changed this case');
    const now = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    expect(now.body).toContain('Сидоров');
    expect(now.body).not.toContain('Иванов');
  });
});

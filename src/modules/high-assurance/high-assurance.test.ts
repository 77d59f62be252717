import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { codenameOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import {
  installWriteCounter,
  routesUnder,
  tablesWritten,
  writeCounts,
} from '../../../test/support/matrix.ts';
import { addTeamMember, createTeam, decideApproval } from '../case-access/index.ts';
import { addAttachment, intakeRuntimeOf } from '../intake/index.ts';
import { applyRetention } from '../retention/index.ts';
import { issueContactCode, newContactForm, openConversation } from './index.ts';

/**
 * The high-assurance path (issue 20 item 6), end to end on the real app and database: a code
 * issued on the staff page opens one conversation once, the case lands in the restricted team
 * and is invisible to a coordinator outside it on every case route (THE matrix of the
 * done-when: 404 and an unchanged database), break-glass needs a second administrator, and
 * the contact form answers every unusable code alike and throttles guessing with 503.
 */
let t: TestApp;
let now = Date.now();
let member: TestStaff;
let outsider: TestStaff;
let admin: TestStaff;
let admin2: TestStaff;
let memberClient: Client;
let outsiderClient: Client;
let adminClient: Client;
let teamId: string;
let ordinaryRef: string;

const db = () => t.ctx.database.db;
const countCases = async () =>
  Number((await sql<{ n: number }>`select count(*)::int as n from cases`.execute(db())).rows[0]!.n);

/** The hidden fields of the contact form on a page. */
function contactFields(html: string): { challenge: string; form_token: string } {
  const challenge = /name="challenge" value="([^"]+)"/.exec(html)?.[1];
  const formToken = /name="form_token" value="([^"]+)"/.exec(html)?.[1];
  if (challenge === undefined || formToken === undefined) throw new Error('no contact form');
  return { challenge, form_token: formToken };
}

async function issueOverHttp(label: string): Promise<string> {
  const page = await memberClient.get('/staff/high-assurance?lang=en');
  const res = await memberClient.post('/staff/high-assurance/codes?lang=en', {
    _csrf: Client.csrfOf(page.body),
    teamId,
    label,
    days: '30',
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toContain('no-store');
  const code = /id="issued-code">([^<]+)</.exec(res.body)?.[1];
  if (code === undefined) throw new Error('no code shown');
  return code;
}

beforeAll(async () => {
  t = await buildTestApp({
    clock: () => now,
    // The shipped per-client allowance: 5 a minute, so 10 code attempts (intake's sign-in limit).
    config: { intake: intakeTestConfig({ perClientPerMinute: 5 }) },
  });
  [member, outsider, admin, admin2] = await Promise.all([
    buildStaff(t.ctx, 'coordinator'),
    buildStaff(t.ctx, 'coordinator'),
    buildStaff(t.ctx, 'admin'),
    buildStaff(t.ctx, 'admin'),
  ]);
  teamId = await buildTeam(t.ctx, { name: 'Embassy desk', restricted: true, members: [member.id] });
  const ordinaryTeam = await buildTeam(t.ctx, { name: 'Ordinary', members: [outsider.id] });
  ordinaryRef = (await buildCase(t.ctx, { teamId: ordinaryTeam })).ref;
  memberClient = await signInClient(t.app, member);
  outsiderClient = await signInClient(t.app, outsider);
  adminClient = await signInClient(t.app, admin);
}, 120_000);
afterAll(async () => t.close());

describe('a contact code', () => {
  let code: string;
  let ref: string;

  it('opens one conversation once: the receipt, its retry, the inbox, and a second use refused', async () => {
    code = await issueOverHttp('via R., March');
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    const person = new Client(t.app, '10.0.0.1');
    const page = await person.get('/contact?lang=ru');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script');
    expect(Buffer.byteLength(page.body)).toBeLessThan(30 * 1024);
    expect(page.body).toContain('секретные');
    const form = {
      ...contactFields(page.body),
      // Read over the telephone: lower case, spaces instead of dashes.
      code: code.toLowerCase().replaceAll('-', ' '),
      message: 'Прошу связаться. Я сотрудник посольства.',
    };
    const before = await countCases();
    const first = await person.post('/contact?lang=ru', form);
    expect(first.statusCode).toBe(200);
    const codename = codenameOf(first);
    // The retry of the identical form: the same receipt, no second case.
    const retry = await person.post('/contact?lang=ru', form);
    expect(retry.statusCode).toBe(200);
    expect(codenameOf(retry)).toBe(codename);
    expect(await countCases()).toBe(before + 1);
    // The same code on another form: the neutral answer, nothing stored.
    const other = await person.post('/contact?lang=ru', {
      ...contactFields((await person.get('/contact?lang=ru')).body),
      code,
      message: '',
    });
    expect(other.statusCode).toBe(400);
    expect(other.body).toContain('Этим кодом нельзя открыть разговор');
    expect(await countCases()).toBe(before + 1);
    // The person continues in the ordinary inbox.
    expect((await signInApplicant(person, codename, 'ru')).statusCode).toBe(303);
    const inbox = await person.get('/inbox?lang=ru');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('Ваши сообщения');
    // Uploads are off on this path (ADR 0160): no form, and the service refuses a file.
    expect(inbox.body).not.toContain('multipart/form-data');
    const row = await db()
      .selectFrom('ha_contact_codes')
      .innerJoin('cases', 'cases.id', 'ha_contact_codes.case_id')
      .select(['cases.ref', 'cases.restricted', 'cases.team_id', 'ha_contact_codes.used_on'])
      .executeTakeFirstOrThrow();
    expect(row.restricted).toBe(true);
    expect(row.team_id).toBe(teamId);
    ref = row.ref;
    const caseId = (
      await db().selectFrom('cases').select('id').where('ref', '=', ref).executeTakeFirstOrThrow()
    ).id;
    await expect(
      addAttachment(t.ctx, intakeRuntimeOf(t.ctx), caseId, {
        data: Buffer.from('%PDF-1.4\n%%EOF\n'),
        fileName: 'order.pdf',
        keepOriginal: false,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', fields: { file: 'attach.error.restricted' } });
    expect(await db().selectFrom('intake_attachments').select('id').execute()).toEqual([]);
    // Audited without personal data: the acts name a code id and a case reference only.
    const audit = await db().selectFrom('audit_log').select(['action', 'target', 'reason']).execute();
    const ha = audit.filter((a) => a.action.startsWith('ha.'));
    expect(ha.map((a) => a.action).sort()).toEqual(['ha.code_issue', 'ha.code_use']);
    expect(JSON.stringify(audit)).not.toContain('via R.');
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  it('shows the restricted team its case with the reminder about classified documents', async () => {
    const res = await memberClient.get(`/staff/cases/${ref}?lang=en`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="ha-reminder"');
    expect(res.body).toContain('tracking marks');
    const list = await memberClient.get('/staff/high-assurance?lang=en');
    expect(list.body).toContain('via R., March');
    expect(list.body).toContain(ref);
    expect(list.body).not.toContain(code);
  });

  it('is invisible to a coordinator outside the restricted team on every case route: 404, database unchanged', async () => {
    await installWriteCounter(db());
    const routes = (await routesUnder(t, ['/staff'])).filter((r) => r.includes(':ref'));
    expect(routes.length).toBeGreaterThan(20);
    const page = await outsiderClient.get('/staff?lang=en');
    const csrf = Client.csrfOf(page.body);
    // The harness can fail: the same coordinator opens an ordinary case of another team.
    expect((await outsiderClient.get(`/staff/cases/${ordinaryRef}?lang=en`)).statusCode).toBe(200);
    const before = await writeCounts(db());
    const refused: string[] = [];
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const url = `${path.replace(':ref', ref).replace(/:[A-Za-z]+/g, randomUUID())}?lang=en`;
      const res =
        method === 'GET'
          ? await outsiderClient.get(url)
          : await outsiderClient.post(url, {
              _csrf: csrf,
              version: '1',
              reason: 'I need to see this case now',
              body: 'x',
              status: 'closed',
            });
      if (res.statusCode !== 404) refused.push(`${route} answered ${res.statusCode}`);
    }
    expect(refused).toEqual([]);
    expect(tablesWritten(before, await writeCounts(db()))).toEqual([]);
    // Nor in the queue, the search, the due list, the break-glass form or the approvals.
    for (const url of ['/staff/cases?lang=en', '/staff/cases/due?lang=en', '/staff/admin/requests?lang=en']) {
      const res = await outsiderClient.get(url);
      expect(res.body, url).not.toContain(ref);
    }
    const search = await outsiderClient.post('/staff/cases/search?lang=en', { _csrf: csrf, q: ref });
    expect(search.body).not.toContain(`/staff/cases/${ref}`);
    // (The search itself is audited, as every search is; from here on nothing may be written.)
    const afterSearch = await writeCounts(db());
    const bg = await outsiderClient.post('/staff/cases/break-glass?lang=en', {
      _csrf: csrf,
      ref,
      reason: 'I need to see this case now',
    });
    expect(bg.statusCode).toBe(404);
    // The team itself is need-to-know: not on the teams page, not addable to.
    const teams = await outsiderClient.get('/staff/cases/teams?lang=en');
    expect(teams.body).not.toContain('Embassy desk');
    const join = await outsiderClient.post(`/staff/cases/teams/${teamId}/members?lang=en`, {
      _csrf: csrf,
      staffId: outsider.id,
    });
    expect(join.statusCode).toBe(404);
    expect(tablesWritten(afterSearch, await writeCounts(db()))).toEqual([]);
  });

  it('opens to an administrator only after a second administrator approves', async () => {
    expect((await adminClient.get(`/staff/cases/${ref}?lang=en`)).statusCode).toBe(404);
    const page = await adminClient.get('/staff/high-assurance?lang=en');
    const csrf = Client.csrfOf(page.body);
    const short = await adminClient.post('/staff/high-assurance/break-glass?lang=en', {
      _csrf: csrf,
      ref,
      reason: 'short',
    });
    expect(short.statusCode).toBe(400);
    const notRestricted = await adminClient.post('/staff/high-assurance/break-glass?lang=en', {
      _csrf: csrf,
      ref: ordinaryRef,
      reason: 'suspected infiltration, urgent',
    });
    expect(notRestricted.statusCode).toBe(404);
    const asked = await adminClient.post('/staff/high-assurance/break-glass?lang=en', {
      _csrf: csrf,
      ref,
      reason: 'suspected infiltration, urgent',
    });
    expect(asked.statusCode).toBe(303);
    const approval = await db()
      .selectFrom('case_approvals')
      .select('id')
      .where('kind', '=', 'ha_break_glass')
      .executeTakeFirstOrThrow();
    // Still closed while pending, and the requester cannot approve their own request.
    expect((await adminClient.get(`/staff/cases/${ref}?lang=en`)).statusCode).toBe(404);
    await expect(decideApproval(t.ctx, staffActor(admin), approval.id, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    // A coordinator outside the team cannot decide it either.
    await expect(decideApproval(t.ctx, staffActor(outsider), approval.id, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await decideApproval(t.ctx, staffActor(admin2), approval.id, 'approve');
    const opened = await adminClient.get(`/staff/cases/${ref}?lang=en`);
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('id="ha-reminder"');
    const actions = (await db().selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    expect(actions).toContain('ha.break_glass_request');
    expect(actions).toContain('case.break_glass');
  });

  it('is erased by its minimum retention: closed, 7 days after its last activity', async () => {
    const row = await db()
      .selectFrom('cases')
      .select(['id'])
      .where('ref', '=', ref)
      .executeTakeFirstOrThrow();
    await db()
      .updateTable('cases')
      .set({ status: 'closed', closing_reason: 'withdrew', last_activity_on: '2020-01-01' })
      .where('id', '=', row.id)
      .execute();
    // An ordinary closed case with the same dates is kept (no administrator rule here).
    await db()
      .updateTable('cases')
      .set({ status: 'closed', closing_reason: 'withdrew', last_activity_on: '2020-01-01' })
      .where('ref', '=', ordinaryRef)
      .execute();
    expect(await applyRetention(t.ctx)).toBe(1);
    expect(
      await db().selectFrom('cases').select('id').where('ref', '=', ref).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await db().selectFrom('cases').select('id').where('ref', '=', ordinaryRef).executeTakeFirst(),
    ).toBeDefined();
    // The code that opened it, and its label's key, go with it.
    expect(
      await db().selectFrom('ha_contact_codes').select('id').where('case_id', 'is not', null).execute(),
    ).toEqual([]);
  });
});

describe('the contact form against hostile input', () => {
  it('answers a wrong, expired, revoked or malformed code with the same neutral error, storing nothing', async () => {
    const actor = staffActor(member);
    const expired = await issueContactCode(t.ctx, actor, { teamId, days: '1' });
    await db()
      .updateTable('ha_contact_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    const revoked = await issueContactCode(t.ctx, actor, { teamId });
    const page = await memberClient.get('/staff/high-assurance?lang=en');
    const r = await memberClient.post(`/staff/high-assurance/codes/${revoked.id}/revoke?lang=en`, {
      _csrf: Client.csrfOf(page.body),
    });
    expect(r.statusCode).toBe(303);
    const person = new Client(t.app, '10.0.0.2');
    const before = await countCases();
    const bodies = new Set<string>();
    for (const attempt of [
      expired.code,
      revoked.code,
      '0000-0000-0000-0000-0000',
      'not a code',
      'A'.repeat(64),
    ]) {
      const fields = contactFields((await person.get('/contact?lang=en')).body);
      const res = await person.post('/contact?lang=en', { ...fields, code: attempt, message: '' });
      expect(res.statusCode, attempt).toBe(400);
      // The page minus its per-form fields: identical for every refused code.
      bodies.add(res.body.replace(fields.challenge, '').replace(fields.form_token, ''));
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain('This code cannot open a conversation');
    expect(await countCases()).toBe(before);
  });

  it('refuses forged forms, overlong and broken text with a translated 400', async () => {
    const person = new Client(t.app, '10.0.0.3');
    const fields = contactFields((await person.get('/contact?lang=uk')).body);
    const code = (await issueContactCode(t.ctx, staffActor(member), { teamId })).code;
    const cases = [
      { ...fields, form_token: `${fields.form_token.slice(0, -2)}AA`, code, message: '' },
      { ...fields, challenge: 'v1.1.9999999999.x.y', code, message: '' },
      { ...fields, code, message: 'x'.repeat(5001) },
      { ...fields, code, message: 'bad \u0000 byte' },
      { code, message: '' },
    ];
    const before = await countCases();
    for (const form of cases) {
      const res = await person.post('/contact?lang=uk', form as Record<string, string>);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Будь ласка, виправте');
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await countCases()).toBe(before);
    // The code is still unused: the refusals spent nothing.
    const ok = await person.post('/contact?lang=uk', {
      ...contactFields((await person.get('/contact?lang=uk')).body),
      code,
      message: '',
    });
    expect(ok.statusCode).toBe(200);
  });

  it('throttles guessing with 503 and Retry-After, never a "bad input" answer', async () => {
    const guesser = new Client(t.app, '10.0.0.4');
    const fields = contactFields((await guesser.get('/contact?lang=en')).body);
    let busy: Awaited<ReturnType<Client['post']>> | undefined;
    for (let i = 0; i < 30 && busy === undefined; i++) {
      const res = await guesser.post('/contact?lang=en', {
        ...fields,
        code: `${String(i).padStart(4, '0')}-0000-0000-0000-0000`,
        message: '',
      });
      if (res.statusCode === 503) busy = res;
      else expect(res.statusCode).toBe(400);
    }
    expect(busy?.statusCode).toBe(503);
    expect(Number(busy?.headers['retry-after'])).toBeGreaterThan(0);
    expect(busy?.body).not.toContain('This code cannot open a conversation');
    // Another client is not turned away.
    const other = new Client(t.app, '10.0.0.5');
    const res = await other.post('/contact?lang=en', {
      ...contactFields((await other.get('/contact?lang=en')).body),
      code: 'ZZZZ-0000-0000-0000-0000',
      message: '',
    });
    expect(res.statusCode).toBe(400);
    now += 3_600_000;
  });
});

it('lets exactly one of two concurrent uses of a code win', async () => {
  const { code } = await issueContactCode(t.ctx, staffActor(member), { teamId });
  const before = await countCases();
  const attempt = (client: string) => {
    const form = newContactForm(t.ctx);
    return openConversation(
      t.ctx,
      { code, message: '', challenge: form.challenge, form_token: form.formToken },
      client,
    );
  };
  const results = await Promise.allSettled([attempt('ip:10.1.0.1'), attempt('ip:10.1.0.2')]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const lost = results.find((r) => r.status === 'rejected');
  expect((lost as PromiseRejectedResult).reason).toMatchObject({
    code: 'validation_failed',
    fields: { code: 'code.error.neutral' },
  });
  expect(await countCases()).toBe(before + 1);
});

it('is linked from no public page', async () => {
  const person = new Client(t.app, '10.0.0.6');
  for (const url of ['/?lang=ru', '/?lang=en', '/inbox?lang=uk', '/pathways?lang=ru']) {
    const res = await person.get(url);
    expect(res.body, url).not.toContain('/contact');
  }
});

it('founds a restricted team with two people, and only its members add more', async () => {
  const founder = staffActor(outsider);
  const id = await createTeam(t.ctx, founder, { name: 'Desk 9', restricted: 'on', triage: 'on' });
  const team = await db()
    .selectFrom('teams')
    .select(['restricted', 'triage'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(team).toEqual({ restricted: true, triage: false });
  // Nobody adds themselves; the first member is named by someone else.
  await expect(addTeamMember(t.ctx, founder, id, { staffId: outsider.id })).rejects.toMatchObject({
    code: 'validation_failed',
  });
  await addTeamMember(t.ctx, founder, id, { staffId: member.id });
  // From then on, a coordinator outside the team cannot add anyone (404, nothing written).
  await expect(addTeamMember(t.ctx, founder, id, { staffId: outsider.id })).rejects.toMatchObject({
    code: 'not_found',
  });
  await addTeamMember(t.ctx, staffActor(member), id, { staffId: outsider.id });
  const members = await db()
    .selectFrom('team_members')
    .select('staff_id')
    .where('team_id', '=', id)
    .execute();
  expect(members.map((m) => m.staff_id).sort()).toEqual([member.id, outsider.id].sort());
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import type { StaffActor } from '../../access/index.ts';
import { listApplicantVisibleMessages } from '../cases/index.ts';
import { linkPerson } from '../vetting/index.ts';
import { tm } from './tracing.messages.ts';
import {
  closeTracingRequest,
  decideProposal,
  fileStaffRequest,
  listProposals,
  recordConsent,
  relayMessage,
  withdrawTracingConsent,
} from './tracing.service.ts';

/**
 * Family tracing (issue 20 item 5): a request in Cyrillic matches a case in Latin script
 * through the vetting module's linkage; the proposal is for the caseworker only; the family
 * hears only what the sought person allowed, and a refusal reads exactly like any closure.
 */
describe('family tracing', () => {
  let t: TestApp;
  let cw: StaffActor;
  let other: StaffActor;
  let son: { id: string; ref: string };
  let mother: Client;
  let motherCase: { id: string; ref: string };
  const SON_MESSAGE = 'Mama, I am in Georgia, all is well';
  const SON_CONTACT = 'secret-contact-9d1';

  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig() } });
    const staff = await buildStaff(t.ctx, 'caseworker');
    cw = staffActor({ id: staff.id, role: 'caseworker' });
    other = staffActor({ id: (await buildStaff(t.ctx, 'caseworker')).id, role: 'caseworker' });
    // The son's case, filed in Latin script, and an unrelated one; both linked as the job does.
    son = await buildCase(t.ctx, {
      person: {
        givenNameLatin: 'Sergei',
        familyNameLatin: 'Ivanov',
        birthDate: '1999-03-14',
        documents: [],
        family: [],
      },
      assigneeId: cw.id,
    });
    const unrelated = await buildCase(t.ctx, {
      person: {
        givenName: 'Пётр',
        familyName: 'Сидоров',
        birthDate: '1985-07-01',
        documents: [],
        family: [],
      },
      assigneeId: cw.id,
    });
    await linkPerson(t.ctx, son.id);
    await linkPerson(t.ctx, unrelated.id);
    // The mother writes in through the web form as a family member and signs in.
    mother = new Client(t.app);
    const fields = formFieldsOf((await mother.get('/?lang=ru')).body);
    const codename = codenameOf(
      await mother.post('/submit?lang=ru', { ...fields, type: 'family', story: 'Ищу сына' }),
    );
    expect((await signInApplicant(mother, codename, 'ru')).statusCode).toBe(303);
    const row = await t.ctx.database.db
      .selectFrom('cases')
      .select(['id', 'ref'])
      .where('applicant_type', '=', 'family')
      .executeTakeFirstOrThrow();
    motherCase = row;
    await t.ctx.database.db
      .updateTable('cases')
      .set({ assignee_id: cw.id })
      .where('id', '=', row.id)
      .execute();
  });
  afterAll(async () => t.close());

  const inbox = async (caseId: string) =>
    (await listApplicantVisibleMessages(t.ctx, caseId))
      .filter((m) => m.direction === 'out')
      .map((m) => m.body);

  it('a request in Russian matches the case in Latin script, as a proposal the family never sees', async () => {
    const page = await mother.get('/tracing?lang=ru');
    expect(page.statusCode).toBe(200);
    expect(Buffer.byteLength(page.body)).toBeLessThan(30 * 1024);
    expect(page.body).not.toContain('<script');
    expect(page.body).toContain('МККК');
    const res = await mother.post('/tracing?lang=ru', {
      _csrf: Client.csrfOf(page.body),
      family_name: 'Иванов',
      given_name: 'Сергей',
      patronymic: 'Петрович',
      birth_date: '1999-03-14',
      unit: 'в/ч 12345',
      last_place: 'Белгород',
      last_contact: 'март 2025',
      relationship: 'mother',
      safe_contact: 'только здесь',
    });
    expect(res.statusCode).toBe(303);
    expect((await mother.get('/tracing?lang=ru&done=1')).body).toContain(tm('ru', 'done'));

    const proposals = await listProposals(t.ctx, cw);
    expect(proposals).toHaveLength(1);
    const p = proposals[0]!;
    expect(p.soughtRef).toBe(son.ref);
    expect(p.familyRef).toBe(motherCase.ref);
    expect(p.detail.fields.filter((f) => f.weight > 0).map((f) => f.field)).toEqual(
      expect.arrayContaining(['familyName', 'givenName', 'birthDate']),
    );
    // Another caseworker, holding neither case, sees nothing.
    expect(await listProposals(t.ctx, other)).toHaveLength(0);
    // Nothing reached the family: no message, and the request page names no match.
    expect(await inbox(motherCase.id)).toEqual([]);
    const after = (await mother.get('/tracing?lang=en')).body;
    expect(after).not.toContain(son.ref);
    expect(after).not.toContain('Sergei');
  });

  it('passes on only what he allowed, and nothing more once he withdraws', async () => {
    const [p] = await listProposals(t.ctx, cw);
    // Consent before the match is confirmed: refused, nothing written.
    await expect(
      recordConsent(t.ctx, cw, p!.id, { decision: 'given', method: 'phone', allows: 'alive' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Another caseworker cannot confirm it (404, like a missing proposal).
    await expect(decideProposal(t.ctx, other, p!.id, 'confirmed')).rejects.toMatchObject({
      code: 'not_found',
    });
    await decideProposal(t.ctx, cw, p!.id, 'confirmed');
    await recordConsent(t.ctx, cw, p!.id, {
      decision: 'given',
      method: 'in_person',
      allows: ['alive', 'message'],
      message: SON_MESSAGE,
      // Written down but not allowed: never passed on.
      contact: SON_CONTACT,
    });
    const got = await inbox(motherCase.id);
    expect(got).toHaveLength(1);
    expect(got[0]).toContain(tm('ru', 'relay.alive'));
    expect(got[0]).toContain(SON_MESSAGE);
    expect(got[0]).not.toContain(SON_CONTACT);
    expect(got[0]).not.toContain(son.ref);
    // His contact was not stored either (only what he allowed is kept).
    const consent = await t.ctx.database.db
      .selectFrom('tracing_consents')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(consent.contact_enc).toBeNull();
    expect(consent.case_id).toBe(son.id);

    await relayMessage(t.ctx, cw, p!.id, { message: 'second note' });
    expect(await inbox(motherCase.id)).toHaveLength(2);
    await withdrawTracingConsent(t.ctx, cw, p!.id);
    const before = await countRows(t.ctx.database.db, 'case_messages');
    await expect(relayMessage(t.ctx, cw, p!.id, { message: 'third note' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await countRows(t.ctx.database.db, 'case_messages')).toBe(before);
    // The steps are on both cases' access logs (audited).
    const actions = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('action', 'like', 'tracing.%')
      .execute();
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'tracing.request', target: `case:${motherCase.ref}` },
        { action: 'tracing.proposal_confirm', target: `case:${motherCase.ref}` },
        { action: 'tracing.consent', target: `case:${son.ref}` },
        { action: 'tracing.consent_withdraw', target: `case:${son.ref}` },
      ]),
    );
  });

  it('a refusal tells the family only that the request is closed, in the words of any closure', async () => {
    const wife = await buildCase(t.ctx, {
      applicantType: 'family',
      assigneeId: cw.id,
      person: { documents: [], family: [] },
    });
    const friend = await buildCase(t.ctx, {
      applicantType: 'family',
      assigneeId: cw.id,
      person: { documents: [], family: [] },
    });
    const base = { relationship: 'partner', birth_date: '1999-03-14', safe_contact: '' };
    await fileStaffRequest(
      t.ctx,
      cw,
      { ...base, case: wife.ref, family_name: 'Ivanov', given_name: 'Sergey' },
      'en',
    );
    // A request that matches nobody, closed by its caseworker.
    await fileStaffRequest(
      t.ctx,
      cw,
      { ...base, case: friend.ref, family_name: 'Zzyzx', given_name: 'Quentin', birth_date: '1950' },
      'en',
    );
    const mine = (await listProposals(t.ctx, cw)).find((p) => p.familyRef === wife.ref && !p.otherRequest);
    expect(mine?.soughtRef).toBe(son.ref);
    await decideProposal(t.ctx, cw, mine!.id, 'confirmed');
    await recordConsent(t.ctx, cw, mine!.id, {
      decision: 'refused',
      method: 'written',
      message: 'do not tell',
    });
    const friendRequest = await t.ctx.database.db
      .selectFrom('tracing_requests')
      .select('id')
      .where('case_id', '=', friend.id)
      .executeTakeFirstOrThrow();
    await closeTracingRequest(t.ctx, cw, friendRequest.id);
    expect(await inbox(wife.id)).toEqual([tm('en', 'relay.closed')]);
    expect(await inbox(friend.id)).toEqual(await inbox(wife.id));
  });

  it('refuses hostile input on the applicant form with a translated 400, storing nothing', async () => {
    const page = await mother.get('/tracing?lang=uk');
    const csrf = Client.csrfOf(page.body);
    const before = await countRows(t.ctx.database.db, 'tracing_requests');
    const cases: Array<[Record<string, string>, string]> = [
      [{ family_name: 'a\u0000b', relationship: 'mother' }, tm('uk', 'field.invalid')],
      [{ family_name: 'x'.repeat(101), relationship: 'mother' }, tm('uk', 'field.too_long')],
      [{ family_name: 'Іванов', birth_date: '1999-13-01', relationship: 'mother' }, tm('uk', 'field.date')],
      [{ family_name: 'Іванов', relationship: 'spy' }, tm('uk', 'field.required')],
      [{ relationship: 'mother' }, tm('uk', 'field.name_required')],
      [{ family_name: 'a\nb', relationship: 'mother' }, tm('uk', 'field.invalid')],
    ];
    for (const [fields, text] of cases) {
      const res = await mother.post('/tracing?lang=uk', { _csrf: csrf, ...fields });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain(text);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    // The form echoes input escaped.
    const xss = await mother.post('/tracing?lang=uk', {
      _csrf: csrf,
      family_name: '<script>x</script>',
      birth_date: 'x',
    });
    expect(xss.body).not.toContain('<script>x');
    // A forged post (no CSRF token) and a signed-out one are refused.
    expect(
      (await mother.post('/tracing?lang=uk', { family_name: 'A', relationship: 'mother' })).statusCode,
    ).toBe(403);
    expect(
      (await new Client(t.app).post('/tracing', { family_name: 'A', relationship: 'mother' })).statusCode,
    ).toBe(401);
    // An applicant whose case is not a family member's gets no form, and a post answers 404.
    const soldier = new Client(t.app);
    const form = formFieldsOf((await soldier.get('/?lang=en')).body);
    const code = codenameOf(
      await soldier.post('/submit?lang=en', { ...form, type: 'deserter', story: 'I left' }),
    );
    expect((await signInApplicant(soldier, code)).statusCode).toBe(303);
    const own = await soldier.get('/tracing?lang=en');
    expect(own.body).toContain(tm('en', 'page.not_family'));
    expect(own.body).not.toContain('name="family_name"');
    const refused = await soldier.post('/tracing?lang=en', {
      _csrf: Client.csrfOf((await soldier.get('/inbox?lang=en')).body),
      family_name: 'Ivanov',
      relationship: 'mother',
    });
    expect(refused.statusCode).toBe(404);
    expect(await countRows(t.ctx.database.db, 'tracing_requests')).toBe(before);
  });

  it('the staff page shows the proposal with its explanation to its caseworker', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    await t.ctx.database.db
      .updateTable('cases')
      .set({ assignee_id: staff.id })
      .where('id', '=', motherCase.id)
      .execute();
    const c = await signInClient(t.app, staff);
    const res = await c.get('/staff/tracing?lang=en');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(motherCase.ref);
    expect(res.body).toContain('Иванов Сергей Петрович');
    expect(res.body).toContain('birthDate');
    // Not the son's caseworker: his case is not named.
    expect(res.body).not.toContain(son.ref);
  });
});

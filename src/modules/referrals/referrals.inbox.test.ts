import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { buildPartner, staffActor } from '../../../test/support/factories.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import { createStaff } from '../auth/index.ts';
import { askConsentInInbox, createReferral } from './referrals.service.ts';

/**
 * The applicant consents in their own language through the inbox (issue 14, ADR 0164): the
 * request shows who would receive what, as check boxes in a plain form; the applicant agrees to
 * some of the fields; it is recorded as given through the inbox, and the caseworker sees it.
 * Hostile posts (no session, a forged form, another applicant, fields not asked, nonsense) are
 * refused and write nothing.
 */
let t: TestApp;
let applicant: Client;
let stranger: Client;
let cw: Client;
let caseRef: string;
let referralId: string;

async function submitAndSignIn(story: string, lang: 'ru' | 'uk' | 'en'): Promise<Client> {
  const c = new Client(t.app);
  const fields = formFieldsOf((await c.get(`/?lang=${lang}`)).body);
  const codename = codenameOf(await c.post(`/submit?lang=${lang}`, { ...fields, type: 'deserter', story }));
  expect((await signInApplicant(c, codename, lang)).statusCode).toBe(303);
  return c;
}

/** A form post as a browser sends it, repeated names included (`fields=a&fields=b`). */
const postForm = (c: Client, url: string, pairs: Array<[string, string]>) =>
  c.app.inject({
    method: 'POST',
    url,
    headers: { cookie: c.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(pairs).toString(),
  });

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

const referralRow = () =>
  t.ctx.database.db
    .selectFrom('referrals')
    .select(['state', 'consent_asked', 'consent_fields', 'consent_via', 'consent_on'])
    .where('id', '=', referralId)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  const caseworker = await buildStaff(t.ctx, 'caseworker');
  const officer = await createStaff(
    t.ctx,
    { kind: 'cli', id: 'cli' },
    { email: 'vo@example.org', role: 'vetting_officer' },
  );
  applicant = await submitAndSignIn('Нужна помощь в Тбилиси', 'ru');
  // The only case so far is the applicant's.
  const kase = await t.ctx.database.db.selectFrom('cases').select(['id', 'ref']).executeTakeFirstOrThrow();
  stranger = await submitAndSignIn('Another person', 'en');
  cw = await signInClient(t.app, caseworker);
  caseRef = kase.ref;
  await t.ctx.database.db
    .updateTable('cases')
    .set({ assignee_id: caseworker.id })
    .where('id', '=', kase.id)
    .execute();
  const partnerId = await buildPartner(t.ctx, { vettedBy: officer.staffId });
  const actor = staffActor(caseworker);
  referralId = (
    await createReferral(t.ctx, actor, caseRef, { partnerId, people: '3', arrival: '2026-12-20' })
  ).id;
  await askConsentInInbox(t.ctx, actor, caseRef, referralId, {
    fields: ['people', 'arrival_week', 'full_name'],
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('consent through the inbox', () => {
  it('shows the request in the applicant’s language, with the fields to tick, without JavaScript; not to another applicant', async () => {
    const texts = {
      ru: ['Нужно ваше согласие', 'Число людей', 'Неделя прибытия', 'Полное имя', 'Я не согласен(на)'],
      uk: ['Потрібна ваша згода', 'Кількість осіб', 'Я не згоден(на)'],
      en: ['Your agreement is asked', 'Number of people', 'Week of arrival', 'Full name', 'I do not agree'],
    } as const;
    for (const [lang, expected] of Object.entries(texts)) {
      const page = await applicant.get(`/inbox?lang=${lang}`);
      expect(page.statusCode).toBe(200);
      for (const text of expected) expect(page.body, `${lang}: ${text}`).toContain(text);
      expect(page.body).toContain(`action="/inbox/consent/${referralId}?lang=${lang}"`);
      expect(page.body).toContain('Tbilisi');
      expect(page.body).not.toMatch(/<script/i);
    }
    expect((await applicant.get('/inbox?lang=en')).body.match(/name="fields"/g)).toHaveLength(3);
    expect((await stranger.get('/inbox?lang=en')).body).not.toContain('consent-requests');
  });

  it('refuses hostile posts and writes nothing', async () => {
    const before = {
      row: await referralRow(),
      events: await countRows(t.ctx.database.db, 'referral_events'),
    };
    const token = csrfOf((await applicant.get('/inbox?lang=en')).body);
    const strangerToken = csrfOf((await stranger.get('/inbox?lang=en')).body);
    const url = `/inbox/consent/${referralId}?lang=en`;
    const cases: Array<[string, Client, string, Array<[string, string]>, number]> = [
      [
        'no session',
        new Client(t.app),
        url,
        [
          ['decision', 'agree'],
          ['fields', 'people'],
        ],
        401,
      ],
      [
        'forged form (no token)',
        applicant,
        url,
        [
          ['decision', 'agree'],
          ['fields', 'people'],
        ],
        403,
      ],
      [
        'another applicant',
        stranger,
        url,
        [
          ['_csrf', strangerToken],
          ['decision', 'agree'],
          ['fields', 'people'],
        ],
        404,
      ],
      [
        'a field not asked',
        applicant,
        url,
        [
          ['_csrf', token],
          ['decision', 'agree'],
          ['fields', 'phone'],
        ],
        400,
      ],
      [
        'a field that does not exist',
        applicant,
        url,
        [
          ['_csrf', token],
          ['decision', 'agree'],
          ['fields', 'story'],
        ],
        400,
      ],
      [
        'nothing ticked',
        applicant,
        url,
        [
          ['_csrf', token],
          ['decision', 'agree'],
        ],
        400,
      ],
      [
        'no decision',
        applicant,
        url,
        [
          ['_csrf', token],
          ['fields', 'people'],
        ],
        400,
      ],
      [
        'a made-up decision',
        applicant,
        url,
        [
          ['_csrf', token],
          ['decision', 'all'],
          ['fields', 'people'],
        ],
        400,
      ],
      [
        'a malformed id',
        applicant,
        '/inbox/consent/..%2F..%2Fstaff?lang=en',
        [
          ['_csrf', token],
          ['decision', 'agree'],
        ],
        404,
      ],
      [
        'markup as a field',
        applicant,
        url,
        [
          ['_csrf', token],
          ['decision', 'agree'],
          ['fields', '<script>x</script>'],
        ],
        400,
      ],
    ];
    for (const [name, client, target, pairs, status] of cases) {
      const res = await postForm(client, target, pairs);
      expect(res.statusCode, name).toBe(status);
      expect(res.body, name).not.toContain('<script>x');
      expect(res.body, name).not.toMatch(/at [\w.]+ \(/);
    }
    expect(await referralRow()).toEqual(before.row);
    expect(await countRows(t.ctx.database.db, 'referral_events')).toBe(before.events);
  });

  it('records the ticked fields as given through the inbox; the caseworker sees it; the request is gone', async () => {
    const token = csrfOf((await applicant.get('/inbox?lang=ru')).body);
    const res = await postForm(applicant, `/inbox/consent/${referralId}?lang=ru`, [
      ['_csrf', token],
      ['decision', 'agree'],
      ['fields', 'people'],
      ['fields', 'arrival_week'],
    ]);
    expect(res.statusCode).toBe(303);
    const row = await referralRow();
    expect(row).toMatchObject({
      state: 'consent_recorded',
      consent_asked: null,
      consent_fields: ['people', 'arrival_week'],
      consent_via: 'inbox',
    });
    expect((await applicant.get('/inbox?lang=ru')).body).not.toContain('consent-requests');
    const page = await cw.get(`/staff/referrals/cases/${caseRef}?lang=en`);
    expect(page.body).toContain('through the inbox');
    expect(page.body).toContain('Number of people, Week of arrival');
    // A second answer finds no request.
    const again = await postForm(applicant, `/inbox/consent/${referralId}?lang=ru`, [
      ['_csrf', token],
      ['decision', 'refuse'],
    ]);
    expect(again.statusCode).toBe(404);
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'reason'])
      .where('action', '=', 'referral.consent')
      .execute();
    expect(audit).toEqual([
      { actor: 'applicant', reason: `referral:${referralId} via inbox; people,arrival_week` },
    ]);
  });
});

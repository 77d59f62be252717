import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  Client as C,
  type Client,
  loginAs,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildBreakGlassGrant, buildCase, buildTeam } from '../../../test/support/factories.ts';
import { getKnowledgeBase } from '../pathways/index.ts';

/**
 * "Check pathways" on a case over HTTP: the form filled from the case, the run, the save to the
 * timeline (encrypted, audited), and hostile input (oversized, wrong types, unknown country
 * codes, injection) answered with a translated 4xx that writes nothing.
 */
let t: TestApp;
let cw: { client: Client; staff: TestStaff; csrf: string };
let other: { client: Client; staff: TestStaff; csrf: string };
let team: string;
let version: string;

beforeAll(async () => {
  t = await buildTestApp();
  const a = await loginAs(t, 'caseworker');
  const b = await loginAs(t, 'caseworker');
  cw = { ...a, csrf: C.csrfOf((await a.client.get('/staff/login')).body) };
  other = { ...b, csrf: C.csrfOf((await b.client.get('/staff/login')).body) };
  team = await buildTeam(t.ctx, { members: [cw.staff.id] });
  await buildTeam(t.ctx, { members: [other.staff.id] });
  version = (await getKnowledgeBase()).version;
}, 120_000);
afterAll(async () => t.close());

/** A deserter in Armenia with both passports: the intake answers of a real-looking case. */
async function deserterCase() {
  return buildCase(t.ctx, {
    teamId: team,
    applicantType: 'soldier',
    country: 'AM',
    person: {
      givenName: 'Иван',
      familyName: 'Петров',
      documents: [{ type: 'военный билет', number: 'АБ 123456' }],
      family: [{ relation: 'сын', name: 'Пётр' }],
    },
    answers: {
      applicant_type: 'deserter',
      country: 'AM',
      documents: 'internal_passport, foreign_passport',
      urgency: 'hiding',
    },
  });
}

const profile = {
  citizenship: 'RU',
  location: 'AM',
  applicantType: 'deserter',
  documents: 'foreign_passport',
  foreignPassportValidUntil: '2031-01-01',
  hasLeftUnit: '1',
  adults: '0',
  children: '1',
};

/** Sends a form with repeated keys (several documents) as browsers do. */
async function postForm(client: Client, url: string, form: Array<[string, string]>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: client.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

async function checksOf(caseId: string) {
  return t.ctx.database.db
    .selectFrom('case_pathway_checks')
    .selectAll()
    .where('case_id', '=', caseId)
    .execute();
}

async function snapshot(): Promise<string> {
  const parts: string[] = [];
  for (const table of ['case_pathway_checks', 'audit_log', 'cases']) {
    const r = await sql<{
      h: string | null;
    }>`select md5(string_agg(x::text, ',' order by x::text)) as h from ${sql.table(table)} x`.execute(
      t.ctx.database.db,
    );
    parts.push(`${table}:${r.rows[0]?.h ?? ''}`);
  }
  return parts.join('|');
}

describe('the pathway check form', () => {
  it('answers 401 without a session and 404 for a case that is not yours', async () => {
    const { ref } = await deserterCase();
    expect((await new C(t.app).get(`/staff/cases/${ref}/pathways`)).statusCode).toBe(401);
    expect((await other.client.get(`/staff/cases/${ref}/pathways?lang=en`)).statusCode).toBe(404);
    expect((await cw.client.get('/staff/cases/C-22222222/pathways?lang=en')).statusCode).toBe(404);
    expect((await cw.client.get('/staff/cases/nonsense/pathways?lang=en')).statusCode).toBe(404);
  });

  it('is filled from the case, says where each value came from, and audits the read', async () => {
    const { ref } = await deserterCase();
    const res = await cw.client.get(`/staff/cases/${ref}/pathways?lang=en`);
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toMatch(/<select id="pw-location"[^>]*>[\s\S]*?<option value="AM" selected>/);
    expect(body).toMatch(/<option value="deserter" selected>/);
    expect(body).toMatch(/value="internal_passport" checked\/>/);
    expect(body).toMatch(/value="foreign_passport" checked\/>/);
    expect(body).toMatch(/value="military_id" checked\/>/);
    expect(body).toMatch(/name="hasLeftUnit" value="1" checked\/>/);
    expect(body).toContain(
      'id="pw-children" name="children" type="text" inputmode="numeric" maxlength="2" value="1"',
    );
    expect(body).toContain('Citizenship is not asked at intake');
    expect(body).toContain('The foreign passport expiry date is not recorded');
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'reason'])
      .where('target', '=', `case:${ref}`)
      .where('action', '=', 'case.read')
      .execute();
    expect(audit).toEqual([{ action: 'case.read', reason: 'pathways' }]);
  });

  it('shows the form in Russian and Ukrainian too', async () => {
    const { ref } = await deserterCase();
    expect((await cw.client.get(`/staff/cases/${ref}/pathways?lang=ru`)).body).toContain('Проверить');
    expect((await cw.client.get(`/staff/cases/${ref}/pathways?lang=uk`)).body).toContain('Перевірити');
  });
});

describe('running and saving a check', () => {
  it('runs the engine: risks first, open and closed routes with reasons, sources and review dates; nothing stored', async () => {
    const { id, ref } = await deserterCase();
    const before = await snapshot();
    const res = await cw.client.post(`/staff/cases/${ref}/pathways?lang=en`, { _csrf: cw.csrf, ...profile });
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('Open to this person (lower risk first)');
    expect(body).toContain('Not open now — and why');
    expect(body).toContain('This is information, not legal advice.');
    // Risks before steps inside each open route.
    const firstCard = body.slice(body.indexOf('<article class="pathway'));
    expect(firstCard.indexOf('class="risk"')).toBeLessThan(firstCard.indexOf('Steps'));
    expect(body).toMatch(/<a href="https:\/\/[^"]+" rel="noreferrer noopener">/);
    expect(body).toMatch(/Reviewed: \d{4}-\d{2}-\d{2}/);
    expect(body).toContain(`name="contentVersion" value="${version}"`);
    expect(await snapshot()).toBe(before);
    expect(await checksOf(id)).toHaveLength(0);
  });

  it('saves to the timeline, encrypted with the case key, audited, and shows it on the case', async () => {
    const { id, ref } = await deserterCase();
    const day = new Date().toISOString().slice(0, 10);
    const res = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: cw.csrf,
      ...profile,
      contentVersion: version,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(
      new RegExp(`^/staff/cases/${ref}\\?lang=en&flash=cases.flash.pathways_saved#check-`),
    );
    const rows = await checksOf(id);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.content_version).toBe(version);
    // The server's day, which is today's unless the run crossed midnight since the request.
    expect([day, new Date().toISOString().slice(0, 10)]).toContain(row.evaluated_on);
    expect(row.author_id).toBe(cw.staff.id);
    // No plaintext profile at rest.
    const raw = Buffer.from(row.payload_enc).toString('latin1');
    // Only strings long enough that random ciphertext cannot contain them by chance.
    for (const leak of ['deserter', '"location"', '"profile"', 'foreign_passport'])
      expect(raw).not.toContain(leak);
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'reason'])
      .where('target', '=', `case:${ref}`)
      .where('action', '=', 'case.pathways_check')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.reason).toContain(version.slice(0, 12));

    const page = await cw.client.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Pathway check saved to the case timeline.');
    expect(page.body).toContain(`id="check-${row.id}"`);
    expect(page.body).toContain(`knowledge base ${version.slice(0, 12)}`);
    expect(page.body).toContain(`/staff/cases/${ref}/pathways?lang=en&amp;from=${row.id}`);
    // The run-again link fills the form from the saved profile.
    const again = await cw.client.get(`/staff/cases/${ref}/pathways?lang=en&from=${row.id}`);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('value="2031-01-01"');
    expect(again.body).toContain('value="internal_passport"/>');
  });

  it('runs and saves a soldier at the front: surrender first, the situation model kept and shown (ADR 0097)', async () => {
    const { ref } = await deserterCase();
    const front = {
      _csrf: cw.csrf,
      citizenship: 'RU',
      location: 'front',
      applicantType: 'contract',
      documents: 'military_id',
      summonsPosted: '1',
      age: '24',
      daysInLocation: '120',
      adults: '0',
      children: '0',
    };
    const run = await cw.client.post(`/staff/cases/${ref}/pathways?lang=en`, front);
    expect(run.statusCode).toBe(200);
    expect(/<article class="pathway[^"]*" id="pathway-([a-z0-9.-]+)"/.exec(run.body)?.[1]).toBe(
      'ua-surrender',
    );
    expect(run.body).toContain('travelling through Russia');
    const saved = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      ...front,
      contentVersion: version,
    });
    expect(saved.statusCode).toBe(303);
    const page = await cw.client.get(saved.headers.location as string);
    expect(page.body).toContain('At the front or in occupied Ukraine');
    const id = /id="check-([0-9a-f-]+)"/.exec(page.body)?.[1];
    const again = await cw.client.get(`/staff/cases/${ref}/pathways?lang=en&from=${id}`);
    expect(again.body).toMatch(/<option value="front" selected[^>]*>/);
    expect(again.body).toContain('value="24"');
  });

  it('refuses to save when the knowledge base changed since the result was shown (409, nothing saved)', async () => {
    const { id, ref } = await deserterCase();
    const before = await snapshot();
    const res = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: cw.csrf,
      ...profile,
      contentVersion: '0'.repeat(64),
    });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('The knowledge base changed since this check was run.');
    expect(res.body).toContain(`name="contentVersion" value="${version}"`);
    expect(await checksOf(id)).toHaveLength(0);
    expect(await snapshot()).toBe(before);
  });

  it('does not let another team save to or read checks of the case', async () => {
    const { id, ref } = await deserterCase();
    await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: cw.csrf,
      ...profile,
      contentVersion: version,
    });
    const [row] = await checksOf(id);
    const before = await snapshot();
    const save = await other.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: other.csrf,
      ...profile,
      contentVersion: version,
    });
    expect(save.statusCode).toBe(404);
    expect((await other.client.get(`/staff/cases/${ref}/pathways?lang=en&from=${row!.id}`)).statusCode).toBe(
      404,
    );
    expect(await snapshot()).toBe(before);
    // A check id from another case is not found on this one.
    const mine = await deserterCase();
    expect(
      (await cw.client.get(`/staff/cases/${mine.ref}/pathways?lang=en&from=${row!.id}`)).statusCode,
    ).toBe(404);
  });
});

describe('break-glass', () => {
  it('lets a vetting officer with a grant read and run, not save; the read is audited as break-glass', async () => {
    const vetting = await loginAs(t, 'vetting_officer');
    const csrf = C.csrfOf((await vetting.client.get('/staff/login')).body);
    const { id, ref } = await deserterCase();
    expect((await vetting.client.get(`/staff/cases/${ref}/pathways?lang=en`)).statusCode).toBe(404);
    await buildBreakGlassGrant(t.ctx, {
      staffId: vetting.staff.id,
      caseId: id,
      reason: 'checking a duplicate signal',
    });
    expect((await vetting.client.get(`/staff/cases/${ref}/pathways?lang=en`)).statusCode).toBe(200);
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('reason')
      .where('target', '=', `case:${ref}`)
      .where('actor', '=', vetting.staff.id)
      .where('action', '=', 'case.read')
      .execute();
    expect(audit.map((a) => a.reason)).toEqual(['pathways, break-glass']);
    const run = await vetting.client.post(`/staff/cases/${ref}/pathways?lang=en`, {
      _csrf: csrf,
      ...profile,
    });
    expect(run.statusCode).toBe(200);
    expect(run.body).toContain('You may read this case but not write to it');
    expect(run.body).not.toContain('/pathways/save');
    const before = await snapshot();
    const save = await vetting.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: csrf,
      ...profile,
      contentVersion: version,
    });
    expect(save.statusCode).toBe(404);
    expect(await snapshot()).toBe(before);
  });
});

describe('hostile input', () => {
  const bad: Array<[string, Array<[string, string]>, string]> = [
    [
      'an unknown country code',
      [
        ['citizenship', 'ZZ'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
      ],
      'Choose a country from the list.',
    ],
    [
      'a made-up location',
      [
        ['citizenship', 'RU'],
        ['location', 'XX'],
        ['applicantType', 'deserter'],
      ],
      'Choose a country from the list.',
    ],
    [
      'the EU as a location',
      [
        ['citizenship', 'RU'],
        ['location', 'EU'],
        ['applicantType', 'deserter'],
      ],
      'Choose a country from the list.',
    ],
    [
      'a lower-case code',
      [
        ['citizenship', 'ru'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
      ],
      'Choose a country from the list.',
    ],
    [
      'an unknown situation',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'admin'],
      ],
      'Choose the situation.',
    ],
    [
      'an unknown document',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ['documents', 'driving_licence'],
      ],
      'Choose documents from the list, each once.',
    ],
    [
      'a repeated document',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ['documents', 'foreign_passport'],
        ['documents', 'foreign_passport'],
      ],
      'Choose documents from the list, each once.',
    ],
    [
      'too many documents',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ...Array.from({ length: 12 }, (): [string, string] => ['documents', 'military_id']),
      ],
      'Choose documents from the list, each once.',
    ],
    [
      'an impossible date',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ['foreignPassportValidUntil', '2030-13-45'],
      ],
      'Enter a date as YYYY-MM-DD.',
    ],
    [
      'a count that is not a number',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ['adults', 'a1'],
      ],
      'Enter a number from 0 to 20.',
    ],
    [
      'a count above 20',
      [
        ['citizenship', 'RU'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
        ['children', '99'],
      ],
      'Enter a number from 0 to 20.',
    ],
    [
      'a country sent twice (array)',
      [
        ['citizenship', 'RU'],
        ['citizenship', 'AM'],
        ['location', 'AM'],
        ['applicantType', 'deserter'],
      ],
      'Choose a country from the list.',
    ],
    [
      'injection in a country',
      [
        ['citizenship', '<s'],
        ['location', "A'"],
        ['applicantType', '"><script>alert(1)</script>'],
      ],
      'Choose a country from the list.',
    ],
  ];

  it.each(bad)(
    'answers 400 with a translated message for %s, writing nothing',
    async (_name, form, message) => {
      const { id, ref } = await deserterCase();
      const before = await snapshot();
      for (const url of [
        `/staff/cases/${ref}/pathways?lang=en`,
        `/staff/cases/${ref}/pathways/save?lang=en`,
      ]) {
        const extra: Array<[string, string]> = url.endsWith('save?lang=en')
          ? [['contentVersion', version]]
          : [];
        const res = await postForm(cw.client, url, [['_csrf', cw.csrf], ...form, ...extra]);
        expect(res.statusCode, url).toBe(400);
        expect(res.body).toContain(message);
        expect(res.body).toContain('Some answers need correcting');
        expect(res.body).not.toContain('<script>alert(1)');
      }
      expect(await checksOf(id)).toHaveLength(0);
      expect(await snapshot()).toBe(before);
    },
  );

  it('answers 400 in Russian for a bad form in Russian', async () => {
    const { ref } = await deserterCase();
    const res = await cw.client.post(`/staff/cases/${ref}/pathways?lang=ru`, {
      _csrf: cw.csrf,
      ...profile,
      location: 'ZZ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Выберите страну из списка.');
  });

  it('answers 400 for a malformed content version on save', async () => {
    const { id, ref } = await deserterCase();
    const res = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: cw.csrf,
      ...profile,
      contentVersion: "x' or 1=1 --",
    });
    expect(res.statusCode).toBe(400);
    expect(await checksOf(id)).toHaveLength(0);
  });

  it('answers 413, translated, for an oversized body, and 403 without the CSRF token', async () => {
    const { id, ref } = await deserterCase();
    const before = await snapshot();
    const huge = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      _csrf: cw.csrf,
      ...profile,
      contentVersion: version,
      padding: 'x'.repeat(70_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.body).toMatch(/too large/i);
    const noCsrf = await cw.client.post(`/staff/cases/${ref}/pathways/save?lang=en`, {
      ...profile,
      contentVersion: version,
    });
    expect(noCsrf.statusCode).toBe(403);
    const json = await t.app.inject({
      method: 'POST',
      url: `/staff/cases/${ref}/pathways?lang=en`,
      headers: { cookie: cw.client.cookieHeader, 'content-type': 'application/json' },
      payload: JSON.stringify({ _csrf: cw.csrf, citizenship: ['RU'], location: { $ne: 1 }, adults: 3 }),
    });
    expect([400, 403, 415]).toContain(json.statusCode);
    expect(await checksOf(id)).toHaveLength(0);
    expect(await snapshot()).toBe(before);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp } from '../../../test/support/app.ts';
import { storedBlobs } from '../../../test/support/blobs.ts';
import { filesUnder, readIfPresent } from '../../../test/support/canary.ts';
import { countRows } from '../../../test/support/db.ts';
import { jpegWithExif, onePagePdf, PDF_OK, pngWithText } from '../../../test/support/file-fixtures.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { normaliseCodename } from '../../crypto/index.ts';
import { issuePartnerToken, revokePartnerToken } from './channels/partner-api/partner.service.ts';

const walk = filesUnder;

describe('hostile input on every intake surface', () => {
  let t: TestApp;
  let token: string;
  const CANARY_STORY = 'canary-story-7f3a9c';
  let codename = '';
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig({ maxUploadBytes: 64 * 1024 }) } });
    token = (await issuePartnerToken(t.ctx, { kind: 'cli', id: 'cli' }, { label: 'hotline' })).token;
  });
  afterAll(async () => t.close());

  const count = (table: 'cases' | 'intake_attachments' | 'intake_idempotency' | 'case_messages') =>
    countRows(t.ctx.database.db, table);
  const snapshot = async () => ({
    cases: await count('cases'),
    attachments: await count('intake_attachments'),
    idem: await count('intake_idempotency'),
    messages: await count('case_messages'),
  });

  async function signedIn(): Promise<Client> {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const res = await c.post('/submit?lang=en', { ...fields, story: CANARY_STORY });
    codename = codenameOf(res);
    expect((await signInApplicant(c, codename)).statusCode).toBe(303);
    return c;
  }

  it.each([
    ['control characters', { story: 'hello\u0000world' }, 'not valid'],
    ['C1 controls', { story: 'bad\u0085' }, 'not valid'],
    ['oversized story', { story: 'x'.repeat(10_001) }, 'too long'],
    ['unknown applicant type', { story: 'ok', type: 'spy' }, 'not valid'],
    ['invalid date', { story: 'ok', deadline: '2026-02-31' }, '2026-12-01'],
    ['invalid country', { story: 'ok', country: '<script>' }, 'not valid'],
  ])('web form: %s gives a translated 400 and stores nothing', async (_name, fields, text) => {
    const c = new Client(t.app);
    const page = await c.get('/?lang=en');
    const before = await snapshot();
    const res = await c.post('/submit?lang=en', {
      ...formFieldsOf(page.body),
      ...(fields as Record<string, string>),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(text);
    expect(res.body).not.toContain('<script>');
    expect(await snapshot()).toEqual(before);
  });

  it('web form: invalid UTF-8, a forged challenge, a missing token, a wrong content type', async () => {
    const before = await snapshot();
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=ru')).body);
    const raw = `form_token=${fields.form_token}&pow_challenge=${encodeURIComponent(fields.pow_challenge)}&story=%C3%28%FF`;
    const bad = await t.app.inject({
      method: 'POST',
      url: '/submit?lang=ru',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: raw,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('lang="ru"');
    const forged = await c.post('/submit?lang=ru', {
      ...fields,
      pow_challenge: fields.pow_challenge.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')),
      story: 'x',
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('Форма была открыта слишком долго');
    const noToken = await c.post('/submit?lang=ru', { story: 'x' });
    expect(noToken.statusCode).toBe(400);
    const json = await t.app.inject({
      method: 'POST',
      url: '/submit?lang=uk',
      headers: { 'content-type': 'text/plain' },
      payload: 'story=x',
    });
    expect(json.statusCode).toBe(415);
    expect(json.body).toContain('lang="uk"');
    const huge = await t.app.inject({
      method: 'POST',
      url: '/submit?lang=en',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `story=${'a'.repeat(100_000)}`,
    });
    expect(huge.statusCode).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('renders hostile text escaped in the applicant inbox', async () => {
    const c = await signedIn();
    const page = await c.get('/inbox?lang=en');
    const csrf = Client.csrfOf(page.body);
    const res = await c.post('/inbox/messages?lang=en', {
      _csrf: csrf,
      body: '<img src=x onerror=alert(1)>"\'',
    });
    expect(res.statusCode).toBe(303);
    const inbox = await c.get('/inbox?lang=en');
    expect(inbox.body).toContain('&lt;img src=x onerror=alert(1)>');
    expect(inbox.body).not.toContain('<img src=x');
  });

  it('messages need the session and its CSRF token', async () => {
    const c = await signedIn();
    const before = await snapshot();
    expect((await c.post('/inbox/messages?lang=en', { _csrf: 'x'.repeat(43), body: 'hi' })).statusCode).toBe(
      403,
    );
    expect((await new Client(t.app).post('/inbox/messages?lang=en', { body: 'hi' })).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('uploads: accepts JPEG/PNG/PDF (metadata stripped), refuses everything hostile with nothing left behind', async () => {
    const c = await signedIn();
    const csrf = Client.csrfOf((await c.get('/inbox?lang=en')).body);
    const upload = async (
      file: Buffer,
      filename: string,
      type: string,
      extra: Record<string, string> = {},
    ) => {
      const form = multipart([
        { name: '_csrf', value: csrf },
        ...Object.entries(extra).map(([name, value]) => ({ name, value })),
        { name: 'file', file, filename, type },
      ]);
      return t.app.inject({
        method: 'POST',
        url: '/inbox/attachments?lang=en',
        headers: { cookie: c.cookieHeader, 'content-type': form.contentType },
        payload: form.payload,
      });
    };
    const first = await upload(jpegWithExif(), 'photo.jpg', 'image/jpeg');
    expect(
      first.statusCode,
      first.body.slice(first.body.indexOf('<main'), first.body.indexOf('<main') + 600),
    ).toBe(303);
    expect(
      (await upload(pngWithText(), '../../etc/passwd.png', 'image/png', { keep_original: '1' })).statusCode,
    ).toBe(303);
    expect((await upload(PDF_OK, 'doc.pdf', 'application/pdf')).statusCode).toBe(303);
    const before = await snapshot();
    const blobsBefore = (await storedBlobs(t)).size;
    const zipBomb = Buffer.concat([
      Buffer.from('PK\x03\x04\x14\0\0\0\x08\0', 'latin1'),
      Buffer.alloc(2000, 0),
    ]);
    const cases: Array<[Buffer, string, string, number, string]> = [
      [zipBomb, 'bomb.zip', 'application/zip', 415, 'Only JPEG, PNG and PDF'],
      [Buffer.from('<html><script>alert(1)</script>'), 'x.jpg', 'image/jpeg', 415, 'Only JPEG, PNG and PDF'],
      [Buffer.from('<svg onload=alert(1)>'), 'x.svg', 'image/svg+xml', 415, 'Only JPEG, PNG and PDF'],
      [
        Buffer.concat([PDF_OK, Buffer.from('PK\x03\x04', 'latin1'), zipBomb]),
        'poly.pdf',
        'application/pdf',
        400,
        'damaged or unsafe',
      ],
      [
        Buffer.from('%PDF-1.7\n/OpenAction << /S /JavaScript /JS (x) >>\n%%EOF'),
        'js.pdf',
        'application/pdf',
        400,
        'damaged or unsafe',
      ],
      [
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(70 * 1024, 1)]),
        'big.jpg',
        'image/jpeg',
        413,
        'too large',
      ],
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'cut.jpg', 'image/jpeg', 400, 'damaged or unsafe'],
      [
        onePagePdf({}, { trailer: '/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>' }),
        'locked.pdf',
        'application/pdf',
        400,
        'password-protected',
      ],
    ];
    for (const [file, name, type, status, text] of cases) {
      const res = await upload(file, name, type);
      expect(res.statusCode, name).toBe(status);
      expect(res.body, name).toContain(text);
    }
    const noFile = multipart([{ name: '_csrf', value: csrf }]);
    const missing = await t.app.inject({
      method: 'POST',
      url: '/inbox/attachments?lang=en',
      headers: { cookie: c.cookieHeader, 'content-type': noFile.contentType },
      payload: noFile.payload,
    });
    expect(missing.statusCode).toBe(400);
    const forged = multipart([
      { name: '_csrf', value: 'y'.repeat(43) },
      { name: 'file', file: jpegWithExif(), filename: 'a.jpg' },
    ]);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/inbox/attachments?lang=en',
          headers: { cookie: c.cookieHeader, 'content-type': forged.contentType },
          payload: forged.payload,
        })
      ).statusCode,
    ).toBe(403);
    expect(await snapshot()).toEqual(before);
    expect((await storedBlobs(t)).size).toBe(blobsBefore);
    if (t.ctx.database.kind === 'pglite') expect(walk(join(t.dataDir, 'blobs', 'tmp'))).toEqual([]);
    // The inbox lists a safe name; no file on disk holds the EXIF location.
    const inbox = await c.get('/inbox?lang=en');
    expect(inbox.body).toContain('passwd.png');
    expect(inbox.body).not.toContain('../');
    for (const [id, ciphertext] of await storedBlobs(t))
      expect(ciphertext.includes(Buffer.from('secret-location')), id).toBe(false);
  });

  it('staff download the stripped copy by default, the original only when kept; others get 404', async () => {
    const c = await signedIn();
    const csrf = Client.csrfOf((await c.get('/inbox?lang=en')).body);
    const form = multipart([
      { name: '_csrf', value: csrf },
      { name: 'file', file: jpegWithExif(), filename: 'p.jpg', type: 'image/jpeg' },
    ]);
    await t.app.inject({
      method: 'POST',
      url: '/inbox/attachments?lang=en',
      headers: { cookie: c.cookieHeader, 'content-type': form.contentType },
      payload: form.payload,
    });
    const att = await t.ctx.database.db
      .selectFrom('intake_attachments')
      .innerJoin('cases', 'cases.id', 'intake_attachments.case_id')
      .select(['intake_attachments.id', 'cases.ref'])
      .orderBy('cases.created_on', 'desc')
      .orderBy('intake_attachments.id')
      .executeTakeFirstOrThrow();
    const { client: stranger } = await loginAs(t, 'caseworker');
    const denied = await stranger.get(`/staff/intake/cases/${att.ref}/attachments/${att.id}`);
    expect(denied.statusCode).toBe(404);
  });

  it('partner API: 401 without or with a wrong token, 400/413/415 on bad bodies, 201 and replay', async () => {
    const before = await snapshot();
    const post = (headers: Record<string, string>, payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/submissions?lang=ru',
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    expect((await post({}, '{"story":"x"}')).statusCode).toBe(401);
    expect(
      (await post({ authorization: `Bearer sanctuary_pt_${'A'.repeat(43)}` }, '{"story":"x"}')).statusCode,
    ).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    const bad = await post(auth, '{"story":"x","unknown":1}');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('поля');
    expect((await post(auth, '{"story":')).statusCode).toBe(400);
    expect((await post(auth, JSON.stringify({ story: 'a\u0007b' }))).statusCode).toBe(400);
    expect((await post(auth, JSON.stringify({ story: 'x'.repeat(70_000) }))).statusCode).toBe(413);
    expect((await post({ ...auth, 'idempotency-key': 'short' }, '{"story":"x"}')).statusCode).toBe(400);
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/v1/submissions',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'story',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(await snapshot()).toEqual(before);
    const ok = await post(
      { ...auth, 'idempotency-key': 'call-2026-11-22-001' },
      JSON.stringify({ story: 'Operator note', needs: ['legal'] }),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json().caseRef).toMatch(/^C-[0-9A-Z]{8}$/);
    const again = await post(
      { ...auth, 'idempotency-key': 'call-2026-11-22-001' },
      JSON.stringify({ story: 'Operator note', needs: ['legal'] }),
    );
    expect(again.json().caseRef).toBe(ok.json().caseRef);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const audited = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('actor', 'like', 'partner:%')
      .execute();
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining(['intake.partner_rejected', 'case.create', 'intake.partner_replay']),
    );
  });

  // Issue 21: a machine client got Russian errors by default and catalogue keys in `fields`,
  // and could not read the API's own document with its token.
  it('partner API speaks English by default (Accept-Language honoured), with messages in fields and stable codes', async () => {
    const before = await snapshot();
    const post = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/submissions',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        payload: JSON.stringify({ story: 'x', needs: ['teleport'], unknown: 1 }),
      });
    const en = (await post({})).json().error;
    expect(en.code).toBe('validation_failed');
    expect(en.message).toMatch(/^[\x20-\x7e]+$/); // English: no Cyrillic
    expect(Object.keys(en.fields).length).toBeGreaterThan(0);
    const key = /^[a-z_]+(\.[a-z_]+)+$/;
    for (const [field, message] of Object.entries(en.fields as Record<string, string>)) {
      expect(message, field).not.toMatch(key);
      expect(message, field).toMatch(/^[\x20-\x7e]+$/);
      expect(en.fieldCodes[field], field).toMatch(key);
    }
    // A language the client asks for; an unsupported one falls back to English, not Russian.
    const uk = (await post({ 'accept-language': 'uk-UA,uk;q=0.9,en;q=0.5' })).json().error;
    expect(uk.code).toBe('validation_failed');
    expect(uk.message).not.toBe(en.message);
    expect(uk.fieldCodes).toEqual(en.fieldCodes);
    expect((await post({ 'accept-language': 'de-DE' })).json().error.message).toBe(en.message);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/submissions', payload: {} });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/^[\x20-\x7e]+$/),
    });
    expect(await snapshot()).toEqual(before);
  });

  it('serves the OpenAPI document to a partner with its own token, and to nobody without one', async () => {
    const get = (headers: Record<string, string>, url = '/api/v1/openapi.json') =>
      t.app.inject({ method: 'GET', url, headers });
    const res = await get({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().paths['/api/v1/submissions'].post.operationId).toBe('createSubmission');
    expect(res.json().paths['/api/v1/openapi.json'].get.security).toEqual([{ partnerToken: [] }]);
    const other = await issuePartnerToken(t.ctx, { kind: 'cli', id: 'cli' }, { label: 'gone' });
    await revokePartnerToken(t.ctx, { kind: 'cli', id: 'cli' }, other.id);
    const { client } = await loginAs(t, 'caseworker');
    for (const denied of [
      await get({}),
      await get({ authorization: `Bearer sanctuary_pt_${'A'.repeat(43)}` }),
      await get({ authorization: `Bearer ${other.token}` }),
      await get({ authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }),
      await get({}, `/api/v1/openapi.json?access_token=${token}`),
      await client.get('/api/v1/openapi.json'), // a staff session is for /staff/api/openapi.json
    ]) {
      expect(denied.statusCode).toBe(401);
      expect(denied.json().error.code).toBe('unauthenticated');
      expect(denied.body).not.toContain('createSubmission');
    }
  });

  it('serves the OpenAPI document to signed-in staff only', async () => {
    expect((await t.app.inject('/staff/api/openapi.json')).statusCode).toBe(401);
    const { client } = await loginAs(t, 'caseworker');
    const res = await client.get('/staff/api/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.json().paths['/api/v1/submissions'].post.operationId).toBe('createSubmission');
  });

  it('never writes a codename or plaintext story to the database files, logs or data directory (canary)', async () => {
    await signedIn();
    const digits = normaliseCodename(codename)!;
    const needles = [digits, codename, digits.slice(0, 8), CANARY_STORY].map((s) => Buffer.from(s));
    const rows = await t.ctx.database.db.selectFrom('intake_codenames').selectAll().execute();
    const dump =
      JSON.stringify(rows) +
      JSON.stringify(await t.ctx.database.db.selectFrom('cases').selectAll().execute());
    expect(dump).not.toContain(digits);
    for (const f of walk(t.dataDir))
      for (const n of needles) expect(readFileSync(f).includes(n), f).toBe(false);
    for (const n of needles) expect(t.logs().includes(n.toString())).toBe(false);
    if (t.ctx.database.kind === 'postgres' && process.env.SANCTUARY_TEST_PGDATA !== undefined) {
      await t.ctx.database.db
        .executeQuery({ sql: 'checkpoint', parameters: [], query: { kind: 'RawNode' } } as never)
        .catch(() => undefined);
      for (const f of walk(process.env.SANCTUARY_TEST_PGDATA)) {
        const bytes = readIfPresent(f);
        for (const n of needles) expect(bytes?.includes(n) ?? false, f).toBe(false);
      }
    }
  });
});

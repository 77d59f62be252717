import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import {
  codenameOf,
  formFieldsOf,
  intakeTestConfig,
  replyAsStaff,
  signInApplicant,
} from '../../../test/support/intake.ts';

describe('applicant web intake (no JavaScript path)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  });
  afterAll(async () => t.close());

  const countCases = async () => countRows(t.ctx.database.db, 'cases');

  it('serves the form in Russian by default, with quick exit, language switch, safety advice and no-store', async () => {
    const res = await t.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('lang="ru"');
    expect(res.body).toContain('Быстрый выход');
    expect(res.body).toContain('href="/exit"');
    expect(res.body).toContain('?lang=uk');
    expect(res.body).toContain('Tor Browser');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(Buffer.byteLength(res.body)).toBeLessThan(30 * 1024);
  });

  it('serves the proof-of-work worker from its own origin and the hidden progress panel (ADR 0196)', async () => {
    const form = await t.app.inject('/?lang=en');
    expect(form.body).toMatch(/<div id="pow-progress" class="pow-progress" hidden>/);
    // worker-src falls back to script-src: the form page's 'self' admits the same-origin worker.
    expect(form.headers['content-security-policy']).toContain("script-src 'self'");
    expect(form.headers['content-security-policy']).not.toContain('worker-src');
    const pathways = await t.app.inject('/pathways?lang=en');
    expect(pathways.headers['content-security-policy']).toContain("script-src 'none'");
    const worker = await t.app.inject('/intake/pow-worker.js');
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(worker.body).toContain("crypto.subtle.digest('SHA-256'");
  });

  it('files a submission, shows a codename once, signs back in and shows a staff reply', async () => {
    const c = new Client(t.app);
    const page = await c.get('/?lang=en');
    const before = await countCases();
    const res = await c.post('/submit?lang=en', {
      ...formFieldsOf(page.body),
      type: 'deserter',
      country: 'KZ',
      urgency: 'hiding',
      story: 'I left my unit <script>alert(1)</script> and need help.',
      needs: 'leave',
    });
    expect(res.statusCode).toBe(200);
    const codename = codenameOf(res);
    expect(codename).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} ext\. \d{6}$/);
    expect(await countCases()).toBe(before + 1);

    const signIn = await signInApplicant(c, codename);
    expect(signIn.statusCode).toBe(303);
    const caseRow = await t.ctx.database.db
      .selectFrom('cases')
      .select(['id', 'ref', 'urgency', 'status'])
      .orderBy('created_on', 'desc')
      .executeTakeFirstOrThrow();
    expect(caseRow.status).toBe('new');
    await replyAsStaff(t, caseRow.ref, 'We read you. Stay where you are <b>safe</b>.');
    const inbox = await c.get('/inbox?lang=en');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('We read you. Stay where you are &lt;b>safe&lt;/b>.');
  });

  it('answers a retried form with the same codename and stores nothing new', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const first = await c.post('/submit?lang=en', { ...fields, story: 'retry me' });
    const before = await countCases();
    const second = await c.post('/submit?lang=en', { ...fields, story: 'retry me' });
    expect(second.statusCode).toBe(200);
    expect(codenameOf(second)).toBe(codenameOf(first));
    expect(await countCases()).toBe(before);
  });

  it('refuses an empty submission with a translated 400 and keeps nothing', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=uk')).body);
    const before = await countCases();
    const res = await c.post('/submit?lang=uk', { ...fields, story: '   ' });
    // The form sent back keeps its script, so a person with JavaScript keeps the proof of work
    // (under INTAKE_REQUIRE_POW the no-JavaScript path may be closed).
    expect(res.body).toContain('src="/intake/pow.js"');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Розкажіть свою історію');
    expect(await countCases()).toBe(before);
  });

  it('rejects a wrong codename with 401 in the user language', async () => {
    const c = new Client(t.app);
    const res = await signInApplicant(c, '+7 000 000-00-00 доб. 000000', 'ru');
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Такое кодовое имя не найдено');
  });

  it('quick exit redirects away and clears site data', async () => {
    const res = await t.app.inject('/exit');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(t.config.intake.quickExitUrl);
    expect(String(res.headers['clear-site-data'])).toContain('cookies');
  });
});

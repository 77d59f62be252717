import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { codenameOf, formFieldsOf, intakeTestConfig, signInApplicant } from '../../../test/support/intake.ts';
import { solvePowChallenge } from '../../crypto/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { intakeRuntimeOf } from './intake.plugin.tsx';
import { webFormSchema } from './intake.schemas.ts';
import { POW_TTL_SECONDS, submitWebForm } from './intake.service.ts';

/**
 * Finding 5 of issue 12 (ADR 0091, 0092), from the attacker's side: a phishing page that makes
 * its victim submit the attacker's form token to the real site must not let the attacker learn
 * the victim's codename; tokens are the server's, bound to their challenge and short-lived;
 * other sites' POSTs are refused; signing in needs this site's own form. Finding 10: a spent
 * challenge and the client's limit are checked before the database is asked anything.
 */
describe('form tokens: no codename oracle', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig({ powDifficulty: 8 }) } });
  });
  afterAll(async () => t.close());

  const cases = () => countRows(t.ctx.database.db, 'cases');

  it("a phishing page's replay of the attacker's token with another body never yields the victim's codename", async () => {
    // The attacker fetches a real form and puts its hidden fields on a phishing page.
    const attacker = new Client(t.app);
    const trap = formFieldsOf((await attacker.get('/?lang=en')).body);
    // The victim's browser (one that names no origin, so the cross-site check cannot help)
    // submits the attacker's fields with the victim's own answers, and sees a codename.
    const victim = new Client(t.app);
    const sent = await victim.post('/submit?lang=en', { ...trap, story: 'I am in hiding near Belgorod' });
    expect(sent.statusCode).toBe(200);
    const victimCodename = codenameOf(sent);
    const digits = victimCodename.replace(/\D/g, '').slice(-16);
    const before = await cases();
    // The attacker replays the same token, with and without a body, with and without proof of work.
    const replays = [
      { ...trap, story: 'anything' },
      { ...trap, story: '', needs: 'talk' },
      { ...trap, story: 'anything', pow_solution: solvePowChallenge(trap.pow_challenge, 8) },
    ];
    for (const form of replays) {
      const res = await attacker.post('/submit?lang=en', form);
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('already sent with other answers');
      expect(res.body).not.toContain('id="codename"');
      expect(res.body.replace(/\D/g, '')).not.toContain(digits);
    }
    // The same in another process (no memory of the spent challenge): the database decides.
    intakeRuntimeOf(t.ctx).powSpent.clear();
    const elsewhere = await attacker.post('/submit?lang=en', { ...trap, story: 'anything' });
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.body.replace(/\D/g, '')).not.toContain(digits);
    expect(await cases()).toBe(before);
  });

  it('an identical retry within the window gets the same codename and stores nothing new', async () => {
    const c = new Client(t.app);
    const form = { ...formFieldsOf((await c.get('/?lang=ru')).body), story: 'retry after a lost answer' };
    const first = await c.post('/submit?lang=ru', form);
    expect(first.statusCode).toBe(200);
    const before = await cases();
    const retry = await c.post('/submit?lang=ru', form);
    expect(retry.statusCode).toBe(200);
    expect(codenameOf(retry)).toBe(codenameOf(first));
    // … in another process too (the idempotency record answers it).
    intakeRuntimeOf(t.ctx).powSpent.clear();
    const elsewhere = await c.post('/submit?lang=ru', form);
    expect(codenameOf(elsewhere)).toBe(codenameOf(first));
    expect(await cases()).toBe(before);
  });

  it.each([
    ['a token the client made up', () => 'A'.repeat(44)],
    ['an unsigned token of the old kind', () => 'A'.repeat(43)],
  ])('%s is refused with a translated 400 (not "busy"), and nothing is stored', async (_name, token) => {
    const before = await cases();
    for (const [lang, text] of [
      ['en', 'The form was open too long'],
      ['uk', 'Форма була відкрита надто довго'],
      ['ru', 'Форма была открыта слишком долго'],
    ] as const) {
      const c = new Client(t.app);
      const fields = formFieldsOf((await c.get(`/?lang=${lang}`)).body);
      const res = await c.post(`/submit?lang=${lang}`, { ...fields, form_token: token(), story: 'x' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(text);
      expect(res.headers['retry-after']).toBeUndefined();
    }
    expect(await cases()).toBe(before);
  });

  it("another form's token with this challenge is refused (tokens are bound to their challenge)", async () => {
    const c = new Client(t.app);
    const one = formFieldsOf((await c.get('/?lang=en')).body);
    const two = formFieldsOf((await c.get('/?lang=en')).body);
    const before = await cases();
    const res = await c.post('/submit?lang=en', { ...one, form_token: two.form_token, story: 'mixed' });
    expect(res.statusCode).toBe(400);
    expect(await cases()).toBe(before);
  });

  it('a token older than the window is refused as expired, even for an identical retry', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const form = webFormSchema.parse({ ...fields, story: 'sent, then retried too late' });
    const rt = intakeRuntimeOf(t.ctx);
    const sent = await submitWebForm(t.ctx, rt, form, 'late-client');
    const later = Date.now() + (POW_TTL_SECONDS + 60) * 1000;
    const error = await submitWebForm(t.ctx, rt, form, 'late-client', later).catch((e: unknown) => e);
    expect(isAppError(error) && error.status).toBe(400);
    expect(isAppError(error) && error.fields).toEqual({ form: 'form.error.expired' });
    expect(sent.codename).toMatch(/^\d{16}$/);
  });
});

describe('finding 10: a spent challenge and the client limit are checked before the database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig({ powDifficulty: 8 }) } });
  });
  afterAll(async () => t.close());

  it('refuses a spent challenge with another body without a database lookup', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const pow_solution = solvePowChallenge(fields.pow_challenge, 8);
    expect((await c.post('/submit?lang=en', { ...fields, pow_solution, story: 'first' })).statusCode).toBe(
      200,
    );
    const lookups = vi.spyOn(t.ctx.database.db, 'selectFrom');
    try {
      const reuse = await c.post('/submit?lang=en', { ...fields, pow_solution, story: 'second' });
      expect(reuse.statusCode).toBe(409);
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });

  it('a client over its limit is refused before its retry is looked up', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const form = { ...fields, pow_solution: solvePowChallenge(fields.pow_challenge, 8), story: 'once' };
    expect((await c.post('/submit?lang=en', form)).statusCode).toBe(200);
    // The same client (app.inject connects from 127.0.0.1; clientKey names it ip:127.0.0.1) uses
    // up its proof-of-work allowance.
    const limiter = intakeRuntimeOf(t.ctx).limits.powClient;
    while (limiter.hit('ip:127.0.0.1')) {
      // spend it
    }
    const lookups = vi.spyOn(t.ctx.database.db, 'selectFrom');
    try {
      const retry = await c.post('/submit?lang=en', form);
      expect(retry.statusCode).toBe(429);
      expect(retry.body).not.toContain('id="codename"');
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });
});

describe('cross-site applicant POSTs and sign-in CSRF', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  });
  afterAll(async () => t.close());

  const snapshot = async () => ({
    cases: await countRows(t.ctx.database.db, 'cases'),
    idem: await countRows(t.ctx.database.db, 'intake_idempotency'),
    messages: await countRows(t.ctx.database.db, 'case_messages'),
  });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling host)', { 'sec-fetch-site': 'same-site' }],
    ['another Origin', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    [
      'a lying Origin with Sec-Fetch-Site cross-site',
      { origin: 'http://localhost', 'sec-fetch-site': 'cross-site' },
    ],
  ])(
    'refuses a form posted from another site (%s) with a translated 403, storing nothing',
    async (_n, headers) => {
      const c = new Client(t.app);
      const fields = formFieldsOf((await c.get('/?lang=uk')).body);
      const before = await snapshot();
      for (const url of [
        '/submit?lang=uk',
        '/inbox/sign-in?lang=uk',
        '/inbox/messages?lang=uk',
        '/pathways?lang=uk',
      ]) {
        const res = await c.post(url, { ...fields, story: 'from a phishing page', codename: '1' }, headers);
        expect(res.statusCode).toBe(403);
        expect(res.body).toContain('Цю форму надіслано з іншого сайту');
      }
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each([
    ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['this Origin', { origin: 'http://localhost:80' }],
    ['this Origin, default port left out', { origin: 'http://localhost' }],
    ['no Origin and no Sec-Fetch-Site (an old browser)', {}],
  ])('accepts a form from this site (%s)', async (_n, headers) => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const res = await c.post('/submit?lang=en', { ...fields, story: 'from our own page' }, headers);
    expect(res.statusCode).toBe(200);
  });

  it("refuses a sign-in without this browser's own sign-in form, and sets no session", async () => {
    const victim = new Client(t.app);
    const codename = codenameOf(
      await victim.post('/submit?lang=en', {
        ...formFieldsOf((await victim.get('/?lang=en')).body),
        story: "the attacker's own case",
      }),
    );
    // A login-CSRF page: no token, or the token of the attacker's own browser.
    const attacker = new Client(t.app);
    const attackersToken = Client.csrfOf((await attacker.get('/inbox?lang=en')).body);
    for (const form of [
      { codename },
      { codename, _csrf: attackersToken },
      { codename, _csrf: 'x'.repeat(43) },
    ]) {
      const c = new Client(t.app);
      const res = await c.post('/inbox/sign-in?lang=en', form);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This page had expired');
      expect(res.cookies.some((k: { name: string }) => k.name === 'sanctuary_applicant')).toBe(false);
    }
    // The form itself works, in each language.
    expect((await signInApplicant(new Client(t.app), codename, 'ru')).statusCode).toBe(303);
  });
});

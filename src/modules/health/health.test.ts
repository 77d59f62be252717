import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';

describe('health and readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('answers /healthz with ok', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with ready while unsealed, and sealed after sealing', async () => {
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    t.ctx.vault.seal();
    const sealed = await t.app.inject('/readyz');
    expect(sealed.statusCode).toBe(503);
    expect(sealed.json()).toEqual({ status: 'sealed' });
    expect(sealed.headers['retry-after']).toBeDefined();
  });

  it('sends the security headers on every response', async () => {
    const res = await t.app.inject('/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers an unknown route with a translated 404 and no internals', async () => {
    const res = await t.app.inject({ url: '/nope/../../etc/passwd?lang=uk' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Не знайдено');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('error pages before any route runs: applicants never see the staff layout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const applicantLayout = (body: string) => body.includes('href="/exit"');

  it('an unknown public path answers 404 in the applicant layout; a staff path in the staff one', async () => {
    const publicMiss = await t.app.inject('/no-such-page?lang=en');
    expect(publicMiss.statusCode).toBe(404);
    expect(applicantLayout(publicMiss.body)).toBe(true);
    const staffMiss = await t.app.inject('/staff/no-such-page?lang=en');
    expect(staffMiss.statusCode).toBe(404);
    expect(applicantLayout(staffMiss.body)).toBe(false);
  });

  it('while sealed, the applicant site says so plainly in each language, with Retry-After', async () => {
    t.ctx.vault.seal();
    const expected = { ru: 'Ненадолго закрыто', uk: 'Ненадовго зачинено', en: 'Closed for a short while' };
    for (const [lang, title] of Object.entries(expected)) {
      for (const url of [`/?lang=${lang}`, `/inbox?lang=${lang}`]) {
        const res = await t.app.inject(url);
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
        expect(applicantLayout(res.body)).toBe(true);
        expect(res.body).toContain(title);
        expect(res.body).not.toContain('/staff');
      }
    }
    const form = await t.app.inject({
      method: 'POST',
      url: '/submit?lang=en',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'story=hello',
    });
    expect(form.statusCode).toBe(503);
    expect(form.body).toContain('did not arrive');
    const staff = await t.app.inject('/staff/login?lang=en');
    expect(staff.statusCode).toBe(503);
    expect(applicantLayout(staff.body)).toBe(false);
  });
});

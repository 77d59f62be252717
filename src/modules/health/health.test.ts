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

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { codenameOf, formFieldsOf, intakeTestConfig } from '../../../test/support/intake.ts';
import { rawExchange } from '../../../test/support/socket.ts';
import { solvePowChallenge } from '../../crypto/index.ts';

/**
 * Admission of web submissions (ADR 0042): a proof of work admits a form once; a retry of
 * an accepted form is a replay (same codename, nothing stored); without JavaScript the strict
 * limits turn a flood away with 503 and a translated page, before anything is stored.
 */
describe('web admission: proof of work and the no-JavaScript limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      config: { intake: intakeTestConfig({ powDifficulty: 8, noJsPerMinute: 2, perClientPerMinute: 1_000 }) },
    });
  });
  afterAll(async () => t.close());

  const cases = async () => countRows(t.ctx.database.db, 'cases');

  it('admits a solved form once; its retry is a replay; the solution does not admit another form', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const pow_solution = solvePowChallenge(fields.pow_challenge, 8);
    const before = await cases();
    const first = await c.post('/submit?lang=en', { ...fields, pow_solution, story: 'with proof of work' });
    expect(first.statusCode).toBe(200);
    const codename = codenameOf(first);
    const retry = await c.post('/submit?lang=en', { ...fields, pow_solution, story: 'with proof of work' });
    expect(retry.statusCode).toBe(200);
    expect(codenameOf(retry)).toBe(codename);
    expect(await cases()).toBe(before + 1);
    // The same challenge and solution under another form token: spent.
    const other = formFieldsOf((await c.get('/?lang=en')).body).form_token;
    const reused = await c.post('/submit?lang=en', {
      ...fields,
      form_token: other,
      pow_solution,
      story: 'reusing a solution',
    });
    expect(reused.statusCode).toBe(400);
    expect(await cases()).toBe(before + 1);
  });

  it('refuses a wrong solution as an expired form, and stores nothing', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=ru')).body);
    const before = await cases();
    const res = await c.post('/submit?lang=ru', { ...fields, pow_solution: 'not-a-number', story: 'x' });
    expect(res.statusCode).toBe(400);
    expect(await cases()).toBe(before);
  });

  it('turns a no-JavaScript flood away with 503, Retry-After and a translated page, storing nothing beyond the limit', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=uk')).body);
    const before = await cases();
    const answers: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const form = formFieldsOf((await c.get('/?lang=uk')).body);
      const res = await c.post('/submit?lang=uk', { ...form, story: `flood ${i}` });
      answers.push(res.statusCode);
      if (res.statusCode === 503) {
        expect(res.headers['retry-after']).toBeDefined();
        expect(res.body).toContain('Повторіть за хвилину');
        // A refusal for load closes its connection (ADR 0081).
        expect(res.headers.connection).toBe('close');
      } else {
        expect(res.headers.connection).not.toBe('close');
      }
    }
    expect(answers.filter((s) => s === 200).length).toBe(2);
    expect(answers.filter((s) => s === 503).length).toBe(4);
    expect(await cases()).toBe(before + 2);
    // While the path is full, a form without proof of work is turned away before it is even
    // read: an empty one gets the same 503, not a validation error.
    const empty = await c.post('/submit?lang=uk', { ...fields, story: '' });
    expect(empty.statusCode).toBe(503);
    expect(empty.headers['retry-after']).toBeDefined();
    // A person with proof of work still gets through.
    const solved = formFieldsOf((await c.get('/?lang=uk')).body);
    const ok = await c.post('/submit?lang=uk', {
      ...solved,
      pow_solution: solvePowChallenge(solved.pow_challenge, 8),
      story: 'a real person',
    });
    expect(ok.statusCode).toBe(200);
  });

  it('closes the connection after a refusal for load, and keeps it open otherwise (on a real socket)', async () => {
    // The no-JavaScript path is full by now (the test above): a form without proof of work is
    // refused with 503. Two requests are written on one connection; after the refusal the
    // server closes it, so the second is never answered.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const exchange = (first: string, second: string) =>
      rawExchange(port, first + second, { endAfterMs: 2_000 });
    const body = `form_token=${'z'.repeat(44)}&pow_challenge=v1.8.1.a.b&story=flood`;
    const post = `POST /submit?lang=en HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const get = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const refused = await exchange(post, get);
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused.match(/HTTP\/1\.1 \d{3}/g)?.length).toBe(1);
    const kept = await exchange(get, get);
    expect(kept.match(/HTTP\/1\.1 200/g)?.length).toBe(2);
    // Refused before the body was read (sealed: the seal is checked on request): the connection
    // is not closed under the client, which is still sending, so it gets to read the answer.
    t.ctx.vault.seal();
    const head = await rawExchange(
      port,
      `POST /submit?lang=en HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nstory=${'a'.repeat(1000)}`,
      { until: (received) => received.includes('\r\n\r\n') },
    );
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(head.toLowerCase()).not.toContain('connection: close');
  });
});

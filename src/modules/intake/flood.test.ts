import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { codenameOf, formFieldsOf, intakeTestConfig } from '../../../test/support/intake.ts';

/**
 * Finding 3 of issue 12 on the applicant side, from the attacker's side: one client flooding
 * the codename sign-in or the no-JavaScript path must not turn the other applicants away. Per-
 * client limits are checked first and only admitted requests count against everyone's
 * allowance (ADR 0088). The limiters read an injected clock: no window ends during a test.
 */
let t: TestApp;
let now = Date.now();

beforeAll(async () => {
  t = await buildTestApp({
    clock: () => now,
    // The shipped limits: 30 forms a minute without JavaScript, 5 per client (10 sign-ins).
    config: { intake: intakeTestConfig({ noJsPerMinute: 30, perClientPerMinute: 5 }) },
  });
});
afterAll(async () => t.close());
beforeEach(() => {
  now += 3_600_000;
});

/** Every hidden field of the first form on a page (whatever protection it carries). */
function hiddenFieldsOf(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const tag of html.match(/<input[^>]*type="hidden"[^>]*>/g) ?? []) {
    const name = /name="([^"]+)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined && value !== undefined && !(name in fields)) fields[name] = value;
  }
  return fields;
}

/** Sends the intake form without JavaScript (no proof of work) from a client. */
async function submitWithoutJs(client: Client, story: string) {
  const fields = formFieldsOf((await client.get('/?lang=en')).body);
  return client.post('/submit?lang=en', { ...fields, story });
}

async function signInWithCodename(client: Client, codename: string) {
  const page = await client.get('/inbox?lang=en');
  return client.post('/inbox/sign-in?lang=en', { ...hiddenFieldsOf(page.body), codename });
}

describe('the applicant site under a flood from one client (issue 12, finding 3)', () => {
  it('300 wrong codenames from one client do not keep a real applicant on another out of their inbox', async () => {
    const applicant = new Client(t.app, '198.51.100.20');
    const submitted = await submitWithoutJs(applicant, 'I need to leave.');
    expect(submitted.statusCode).toBe(200);
    const codename = codenameOf(submitted);
    const wrong = codename.replace(/\d{6}$/, (d) => String((Number(d) + 1) % 1_000_000).padStart(6, '0'));

    const flood = new Client(t.app, '203.0.113.30');
    const statuses: number[] = [];
    for (let i = 0; i < 300; i += 1) statuses.push((await signInWithCodename(flood, wrong)).statusCode);
    // The flooding client gets its own ten tries a minute, then 429.
    expect(statuses.filter((s) => s === 401).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(290);

    const res = await signInWithCodename(applicant, codename);
    expect(res.statusCode).toBe(303);
  });

  it('31 forms without JavaScript from one client leave the no-JavaScript path open to another', async () => {
    const flood = new Client(t.app, '203.0.113.31');
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) statuses.push((await submitWithoutJs(flood, `flood ${i}`)).statusCode);
    expect(statuses.filter((s) => s === 200).length).toBe(5);
    expect(statuses.filter((s) => s === 503).length).toBe(26);

    const person = new Client(t.app, '198.51.100.21');
    const res = await submitWithoutJs(person, 'A real person without JavaScript.');
    expect(res.statusCode).toBe(200);
    expect(codenameOf(res)).toMatch(/\d/);
  });

  it('still closes the no-JavaScript path for everyone once admitted forms fill it', async () => {
    // Seven clients at their own limit: 30 admitted forms fill the minute; the rest are refused.
    const statuses: number[] = [];
    for (let c = 0; c < 7; c += 1) {
      const client = new Client(t.app, `203.0.113.${40 + c}`);
      for (let i = 0; i < 5; i += 1)
        statuses.push((await submitWithoutJs(client, `many ${c}.${i}`)).statusCode);
    }
    expect(statuses.filter((s) => s === 200).length).toBe(30);
    const late = await submitWithoutJs(new Client(t.app, '198.51.100.22'), 'late');
    expect(late.statusCode).toBe(503);
    expect(late.headers['retry-after']).toBeDefined();
  });
});

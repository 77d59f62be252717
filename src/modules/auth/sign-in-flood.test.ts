import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { callAdmin } from '../../cli/admin-client.ts';
import { totpCode } from '../../crypto/index.ts';
import { startAdminChannel } from '../admin/index.ts';
import { unsealWithDevKey } from '../keys/index.ts';
import { createStaff, getEnrolment } from './staff.service.ts';

/**
 * Finding 3 of issue 12, from the attacker's side: one client must not be able to keep
 * staff out. Limits are per source first, the global limit counts only admitted attempts,
 * and wrong guesses slow down only the source that made them (ADR 0088). The limiters read
 * an injected clock, so nothing here depends on how fast the machine is.
 */
let t: TestApp;
let now = Date.now();
const ATTACKER = '203.0.113.66';

beforeAll(async () => {
  t = await buildTestApp({
    clock: () => now,
    // 10 per source, as shipped; 30 for the server (120 shipped), to spare the machine Argon2 runs.
    config: { signInPerMinute: 30, signInPerSourcePerMinute: 10, enrolPerMinute: 30 },
  });
});
afterAll(async () => t.close());
// A new fake hour for each test: every window and delay of the test before has passed.
beforeEach(() => {
  now += 2 * 3_600_000;
});

/** A client from one address with the sign-in form's CSRF token. */
async function signInForm(address: string): Promise<{ client: Client; csrf: string }> {
  const client = new Client(t.app, address);
  const page = await client.get('/staff/login?lang=en');
  return { client, csrf: Client.csrfOf(page.body) };
}

async function attempt(
  form: { client: Client; csrf: string },
  email: string,
  password: string,
  totp = '000000',
): Promise<{ status: number; retryAfter: string | undefined }> {
  const res = await form.client.post('/staff/login?lang=en', { _csrf: form.csrf, email, password, totp });
  const retryAfter = res.headers['retry-after'];
  return { status: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
}

/** The right password and the code of the next step, from `address`: 303, or the status it got. */
async function rightAttempt(staff: TestStaff, address: string): Promise<number> {
  return signInClient(t.app, staff, 30_000, address).then(
    () => 303,
    (error: Error) => Number(/\d{3}/.exec(error.message)?.[0]),
  );
}

async function failuresAudited(): Promise<number> {
  const row = await t.ctx.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', 'auth.sign_in_failed')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('staff sign-in under a flood (issue 12, finding 3)', () => {
  it('125 junk sign-ins from one source, half of them at the administrator, do not keep the administrator out', async () => {
    const admin = await buildStaff(t.ctx, 'admin');
    const flood = await signInForm(ATTACKER);
    const before = await failuresAudited();
    const statuses: number[] = [];
    for (let i = 0; i < 125; i += 1) {
      const email = i % 2 === 0 ? admin.email : `junk${i}@example.org`;
      statuses.push((await attempt(flood, email, `wrong ${i}`)).status);
    }
    // The source's own allowance is ten a minute; everything beyond is refused before Argon2.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
    expect((await failuresAudited()) - before).toBeLessThanOrEqual(10);
    // The administrator, from elsewhere, with the right password and code, gets in at once.
    expect(await rightAttempt(admin, '198.51.100.7')).toBe(303);
  });

  it('five wrong passwords do not lock the account: its owner signs in from another source at once', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const flood = await signInForm(ATTACKER);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await attempt(flood, staff.email, 'wrong')).status);
    // Three free failures, then a delay for that source: the fifth is refused for a second.
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const refused = await flood.client.post('/staff/login?lang=en', {
      _csrf: flood.csrf,
      email: staff.email,
      password: 'wrong',
      totp: '000000',
    });
    expect(refused.body).toContain('Try again in 1 second.');
    expect(await rightAttempt(staff, '198.51.100.8')).toBe(303);
  });

  it('answers an unknown account exactly as a real one, delays included', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const answers = async (email: string, address: string) => {
      const form = await signInForm(address);
      const out: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        const res = await attempt(form, email, 'wrong');
        out.push(`${res.status}/${res.retryAfter ?? '-'}`);
      }
      return out;
    };
    const real = await answers(staff.email, '192.0.2.101');
    expect(real).toEqual(['401/-', '401/-', '401/-', '401/-', '429/1', '429/1', '429/1']);
    expect(await answers('nobody.here@example.org', '192.0.2.102')).toEqual(real);
  });

  it('a source that keeps guessing waits longer each time, up to 15 minutes, and only for that account', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const other = await buildStaff(t.ctx, 'lawyer');
    const flood = await signInForm(ATTACKER);
    for (let i = 0; i < 4; i += 1) expect((await attempt(flood, staff.email, 'wrong')).status).toBe(401);
    const waits: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      const refused = await attempt(flood, staff.email, 'wrong');
      expect(refused.status).toBe(429);
      const wait = Number(refused.retryAfter);
      waits.push(wait);
      now += wait * 1000;
      // The wait is over: the next guess is evaluated (and wrong).
      expect((await attempt(flood, staff.email, 'wrong')).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]);
    // Even the right password from the guessing source waits its turn …
    await t.ctx.database.db
      .updateTable('staff')
      .set({ totp_last_step: 0 })
      .where('id', '=', staff.id)
      .execute();
    const right = () =>
      attempt(flood, staff.email, staff.password, totpCode(staff.totpSecret, Date.now() + 30_000));
    expect((await right()).status).toBe(429);
    // … the same source is not slowed down for another account, nor is the owner elsewhere …
    expect((await attempt(flood, other.email, 'wrong')).status).toBe(401);
    expect(await rightAttempt(staff, '198.51.100.9')).toBe(303);
    // … and once its wait is over, the right password gets in from there too.
    now += 900_000;
    await t.ctx.database.db
      .updateTable('staff')
      .set({ totp_last_step: 0 })
      .where('id', '=', staff.id)
      .execute();
    expect((await right()).status).toBe(303);
  });

  it('one source cannot use up the whole server: only admitted attempts count against the global limit', async () => {
    const staff = await buildStaff(t.ctx, 'coordinator');
    // Three sources at their own limit, with junk: 30 admitted attempts fill the server's
    // minute; a fourth source is refused for load, not for its own doing …
    for (let s = 0; s < 3; s += 1) {
      const flood = await signInForm(`203.0.113.${s + 1}`);
      for (let i = 0; i < 15; i += 1) await attempt(flood, `junk${s}.${i}@example.org`, 'x');
    }
    const late = await signInForm('198.51.100.10');
    expect((await attempt(late, 'someone@example.org', 'x')).status).toBe(429);
    // … and a minute later the owner gets in: the 15 refused did not carry over.
    now += 60_000;
    expect(await rightAttempt(staff, '198.51.100.11')).toBe(303);
  });

  it('many failures for one account raise an alert on the administration page, not a lock', async () => {
    const target = await buildStaff(t.ctx, 'caseworker');
    // Twelve failures from four sources, three of them with the right password and a wrong code.
    for (let s = 0; s < 4; s += 1) {
      const form = await signInForm(`192.0.2.${s + 1}`);
      for (let i = 0; i < 3; i += 1) {
        const password = s === 0 ? target.password : 'wrong';
        expect((await attempt(form, target.email, password, '000000')).status).toBe(401);
      }
    }
    const admin = await buildStaff(t.ctx, 'admin');
    const adminClient = await signInClient(t.app, admin, 30_000, '198.51.100.12');
    const page = await adminClient.get('/staff/admin?lang=en');
    expect(page.statusCode).toBe(200);
    const alerts = /<section[^>]*id="sign-in-alerts"[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
    expect(alerts).toContain(target.email);
    expect(alerts).toContain('12 failed sign-ins in the last 24 hours (3 with the right password)');
    // The workspace's home page links to it, for those who may list staff …
    const home = await adminClient.get('/staff?lang=en');
    expect(home.body).toMatch(
      /id="sign-in-alert-count"[^>]*><a href="\/staff\/admin\?lang=en#sign-in-alerts">Sign-in alerts?: \d+ accounts? ha(s|ve) had many failed sign-ins today/,
    );
    const coordinator = await signInClient(
      t.app,
      await buildStaff(t.ctx, 'coordinator'),
      30_000,
      '198.51.100.15',
    );
    expect((await coordinator.get('/staff/admin?lang=en')).body).toContain(target.email);
    // … and to no one else.
    const caseworker = await signInClient(
      t.app,
      await buildStaff(t.ctx, 'caseworker'),
      30_000,
      '198.51.100.16',
    );
    expect((await caseworker.get('/staff?lang=en')).body).not.toContain('sign-in-alert');
    expect((await caseworker.get('/staff/admin?lang=en')).statusCode).toBe(404);
    // The account itself was never locked.
    expect(await rightAttempt(target, '198.51.100.13')).toBe(303);
  });

  it('40 junk enrolment posts from one source do not keep a new staff member from enrolling', async () => {
    const created = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'newcomer@example.org', role: 'lawyer' },
    );
    const token = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
    const flood = await signInForm(ATTACKER);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const junk = `${String(i).padStart(2, '0')}${'x'.repeat(41)}`;
      const res = await flood.client.post(`/staff/enrol/${junk}?lang=en`, {
        _csrf: flood.csrf,
        password: 'a long enough password',
        passwordRepeat: 'a long enough password',
        totp: '000000',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.filter((s) => s === 410).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(30);
    const { totpSecret } = await getEnrolment(t.ctx, token);
    const person = await signInForm('198.51.100.17');
    const res = await person.client.post(`/staff/enrol/${token}?lang=en`, {
      _csrf: person.csrf,
      password: 'a long enough password',
      passwordRepeat: 'a long enough password',
      totp: totpCode(totpSecret),
    });
    expect(res.statusCode).toBe(200);
  });

  it('"Seal now" stays usable during a flood: on the administration page and on the admin socket', async () => {
    const admin = await buildStaff(t.ctx, 'admin');
    const applicantFlood = new Client(t.app, ATTACKER);
    const staffFlood = await signInForm(ATTACKER);
    for (let i = 0; i < 125; i += 1) {
      await attempt(staffFlood, i % 2 === 0 ? admin.email : `junk${i}@example.org`, 'wrong');
      await applicantFlood.post('/inbox/sign-in?lang=en', { codename: '000 000 0000' });
      await applicantFlood.post('/inbox/sign-in?lang=en', { codename: 'junk' });
    }
    // The administrator signs in from their own place during the flood and seals the server.
    const adminClient = await signInClient(t.app, admin, 30_000, '198.51.100.14');
    const page = await adminClient.get('/staff/admin?lang=en');
    const sealed = await adminClient.post('/staff/admin/seal?lang=en', {
      _csrf: Client.csrfOf(page.body),
      confirm: 'seal',
    });
    expect(sealed.statusCode).toBe(200);
    expect(t.ctx.vault.sealed).toBe(true);

    // The admin socket (`sanctuary seal`) is limited by nothing a network client can reach.
    await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
    const socketPath = join(t.dataDir, 'run', 'admin.sock');
    const channel = await startAdminChannel({
      ...t.ctx,
      config: { ...t.ctx.config, adminSocket: socketPath },
    });
    try {
      for (let i = 0; i < 20; i += 1) await attempt(staffFlood, admin.email, 'wrong');
      const res = await callAdmin(socketPath, 'POST', '/seal');
      expect(res.status).toBe(200);
      expect(t.ctx.vault.sealed).toBe(true);
    } finally {
      await new Promise<void>((resolve) => channel.close(() => resolve()));
      await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
    }
  });
});

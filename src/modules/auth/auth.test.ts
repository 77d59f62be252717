import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  loginAs,
  signInClient,
  type TestApp,
} from '../../../test/support/app.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { sha256, totpCode } from '../../crypto/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { createStaff, disableStaff, getStaffEmailLabels } from './staff.service.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function loginForm(client: Client) {
  const page = await client.get('/staff/login');
  return Client.csrfOf(page.body);
}

async function countRows(table: 'staff_sessions' | 'audit_log' | 'staff'): Promise<number> {
  const row = await t.ctx.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('sign-in', () => {
  it('signs in with password and TOTP, sets a strict HttpOnly cookie, and stores only the token hash', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const client = new Client(t.app);
    const csrf = await loginForm(client);
    const res = await client.post('/staff/login', {
      _csrf: csrf,
      email: staff.email.toUpperCase(),
      password: staff.password,
      totp: totpCode(staff.totpSecret, Date.now() + 30_000),
    });
    expect(res.statusCode).toBe(303);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Max-Age|Expires/i);
    const token = client.cookies.get('sanctuary_staff')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await t.ctx.database.db
      .selectFrom('staff_sessions')
      .select('token_hash')
      .where('staff_id', '=', staff.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.token_hash).equals(sha256(token))).toBe(true);
    expect((await client.get('/staff')).statusCode).toBe(200);
  });

  it('refuses a wrong password, a wrong TOTP and a replayed TOTP with the same message', async () => {
    const staff = await buildStaff(t.ctx, 'lawyer');
    const attempt = async (password: string, totp: string) => {
      const client = new Client(t.app);
      return client.post('/staff/login', {
        _csrf: await loginForm(client),
        email: staff.email,
        password,
        totp,
      });
    };
    const later = totpCode(staff.totpSecret, Date.now() + 30_000);
    const wrongPassword = await attempt('not the password', later);
    const wrongTotp = await attempt(staff.password, later === '000000' ? '111111' : '000000');
    const ok = await attempt(staff.password, later);
    const replay = await attempt(staff.password, later);
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongTotp.statusCode).toBe(401);
    expect(ok.statusCode).toBe(303);
    expect(replay.statusCode).toBe(401);
    const unknown = new Client(t.app);
    const noAccount = await unknown.post('/staff/login', {
      _csrf: await loginForm(unknown),
      email: 'nobody@example.org',
      password: 'whatever at all',
      totp: '123456',
    });
    expect(noAccount.statusCode).toBe(401);
    const message = (html: string) => /<p class="alert" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    expect(message(wrongPassword.body)).toBeDefined();
    for (const r of [wrongTotp, replay, noAccount]) expect(message(r.body)).toBe(message(wrongPassword.body));
  });

  it('refuses the code used at enrolment (no replay across enrolment and sign-in)', async () => {
    const staff = await buildStaff(t.ctx, 'analyst');
    const client = new Client(t.app);
    const res = await client.post('/staff/login', {
      _csrf: await loginForm(client),
      email: staff.email,
      password: staff.password,
      totp: totpCode(staff.totpSecret),
    });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a form posted without its CSRF token, or with another session token', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const client = new Client(t.app);
    await loginForm(client);
    const before = await countRows('staff_sessions');
    const res = await client.post('/staff/login', {
      email: staff.email,
      password: staff.password,
      totp: totpCode(staff.totpSecret, Date.now() + 30_000),
    });
    expect(res.statusCode).toBe(403);
    const other = new Client(t.app);
    const foreign = await loginForm(other);
    const res2 = await client.post('/staff/login', {
      _csrf: foreign,
      email: staff.email,
      password: staff.password,
      totp: totpCode(staff.totpSecret, Date.now() + 30_000),
    });
    expect(res2.statusCode).toBe(403);
    expect(await countRows('staff_sessions')).toBe(before);
  });

  it('issues a new token at every sign-in', async () => {
    const staff = await buildStaff(t.ctx, 'coordinator');
    const a = await signInClient(t.app, staff, 30_000);
    const b = await signInClient(t.app, staff);
    expect(a.cookies.get('sanctuary_staff')).not.toBe(b.cookies.get('sanctuary_staff'));
  });

  it.each([
    ['an oversized body', 'x'.repeat(70 * 1024), 413],
    ['a JSON body', JSON.stringify({ email: 'a@b.c' }), 403],
    ['SQL injection in the email', 'email=%27%20or%201%3D1--&password=x&totp=1', 403],
    ['repeated fields (arrays)', 'email=a&email=b&password=x&totp=1', 403],
  ])('refuses %s with a 4xx and no session', async (_label, payload, status) => {
    const before = await countRows('staff_sessions');
    const res = await t.app.inject({
      method: 'POST',
      url: '/staff/login?lang=en',
      headers: {
        'content-type': payload.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded',
      },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.body).not.toMatch(/\.ts:\d+|Error:|stack/);
    expect(await countRows('staff_sessions')).toBe(before);
  });
});

describe('enrolment', () => {
  const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

  it('works once; a reused link is refused', async () => {
    const created = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'once@example.org', role: 'lawyer' },
    );
    const client = new Client(t.app);
    const link = await client.get(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=en`);
    expect(link.statusCode).toBe(200);
    const page = await client.post(`/staff/enrol/${tokenOf(created.enrolmentUrl)}/start?lang=en`, {
      _csrf: Client.csrfOf(link.body),
    });
    expect(page.statusCode).toBe(200);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)?.[1];
    expect(secret).toBeDefined();
    // Issue 21 item 4: the secret as a QR code too, inline SVG (no image source for the CSP).
    expect(page.body).toMatch(
      /<figure id="totp-qr"><svg [^>]*role="img" aria-label="QR code of the TOTP secret"/,
    );
    expect(page.body).toContain('If you cannot scan it, type the secret below');
    const form = {
      _csrf: Client.csrfOf(page.body),
      password: 'a long enough password',
      passwordRepeat: 'a long enough password',
      totp: totpCode(secret!),
    };
    const done = await client.post(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=en`, form);
    expect(done.statusCode).toBe(200);
    const again = await client.post(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=en`, form);
    expect(again.statusCode).toBe(410);
    expect((await client.get(`/staff/enrol/${tokenOf(created.enrolmentUrl)}`)).statusCode).toBe(410);
  });

  // Issue 12, finding 12: a link preview (or the administrator who created the link) GETs it.
  it('shows neither the TOTP secret nor the email on a GET; each POST to start draws a new secret', async () => {
    const created = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'preview@example.org', role: 'lawyer' },
    );
    const token = tokenOf(created.enrolmentUrl);
    const preview = await t.app.inject(`/staff/enrol/${token}?lang=en`);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).not.toContain('totp-secret');
    expect(preview.body).not.toContain('otpauth://');
    expect(preview.body).not.toContain('preview@example.org');
    expect(preview.body).toMatch(new RegExp(`<form method="post" action="/staff/enrol/${token}/start`));
    // The peeker starts first and learns a secret; the staff member then starts and gets another.
    const peeker = new Client(t.app);
    const peek = await peeker.post(`/staff/enrol/${token}/start?lang=en`, {
      _csrf: Client.csrfOf((await peeker.get(`/staff/enrol/${token}?lang=en`)).body),
    });
    const peeked = /id="totp-secret">([A-Z2-7]+)</.exec(peek.body)?.[1];
    const owner = new Client(t.app);
    const mine = await owner.post(`/staff/enrol/${token}/start?lang=en`, {
      _csrf: Client.csrfOf((await owner.get(`/staff/enrol/${token}?lang=en`)).body),
    });
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(mine.body)?.[1];
    expect(peeked).toMatch(/^[A-Z2-7]{32}$/);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(secret).not.toBe(peeked);
    const form = (code: string, csrf: string) => ({
      _csrf: csrf,
      password: 'a long enough password',
      passwordRepeat: 'a long enough password',
      totp: code,
    });
    const withOld = await owner.post(
      `/staff/enrol/${token}?lang=en`,
      form(totpCode(peeked!), Client.csrfOf(mine.body)),
    );
    expect(withOld.statusCode).toBe(400);
    const done = await owner.post(
      `/staff/enrol/${token}?lang=en`,
      form(totpCode(secret!), Client.csrfOf(mine.body)),
    );
    expect(done.statusCode).toBe(200);
    // A POST to start without the form's CSRF field is refused.
    const created2 = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'csrf@example.org', role: 'lawyer' },
    );
    const forged = await new Client(t.app).post(
      `/staff/enrol/${tokenOf(created2.enrolmentUrl)}/start?lang=en`,
      {},
    );
    expect(forged.statusCode).toBeGreaterThanOrEqual(400);
    expect(forged.body).not.toContain('totp-secret');
  });

  it('refuses an expired link', async () => {
    const created = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'late@example.org', role: 'lawyer' },
    );
    await sql`update staff_enrolments set expires_at = now() - interval '1 minute'`.execute(
      t.ctx.database.db,
    );
    const res = await t.app.inject(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=ru`);
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Ссылка для регистрации недействительна');
  });

  it('refuses a short password and a wrong code, with field errors, and leaves the account pending', async () => {
    const created = await createStaff(
      t.ctx,
      { kind: 'cli', id: 'cli' },
      { email: 'weak@example.org', role: 'lawyer' },
    );
    const client = new Client(t.app);
    const page = await client.get(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=en`);
    const res = await client.post(`/staff/enrol/${tokenOf(created.enrolmentUrl)}?lang=en`, {
      _csrf: Client.csrfOf(page.body),
      password: 'short',
      passwordRepeat: 'short',
      totp: '000000',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Use at least 12 characters.');
    const row = await t.ctx.database.db
      .selectFrom('staff')
      .select('status')
      .where('id', '=', created.staffId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
  });

  it('refuses malformed and path-traversal tokens', async () => {
    for (const token of ['..%2F..%2Fetc%2Fpasswd', 'x', 'a'.repeat(43), '%00']) {
      const res = await t.app.inject(`/staff/enrol/${token}`);
      expect([404, 410]).toContain(res.statusCode);
    }
  });

  it('refuses a duplicate email, whatever its case', async () => {
    await createStaff(t.ctx, { kind: 'cli', id: 'cli' }, { email: 'dup@example.org', role: 'lawyer' });
    await expect(
      createStaff(t.ctx, { kind: 'cli', id: 'cli' }, { email: ' DUP@example.org ', role: 'admin' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });
});

describe('sessions', () => {
  it('end for every device when the account is disabled', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const a = await signInClient(t.app, staff, 30_000);
    const b = await signInClient(t.app, staff);
    expect((await a.get('/staff')).statusCode).toBe(200);
    await disableStaff(t.ctx, { kind: 'cli', id: 'cli' }, staff.id);
    expect((await a.get('/staff')).statusCode).toBe(401);
    expect((await b.get('/staff')).statusCode).toBe(401);
    const left = await t.ctx.database.db
      .selectFrom('staff_sessions')
      .select('token_hash')
      .where('staff_id', '=', staff.id)
      .execute();
    expect(left).toHaveLength(0);
  });

  it('end after the idle timeout and at the absolute lifetime', async () => {
    const { client, staff } = await loginAs(t, 'caseworker');
    await sql`update staff_sessions set last_seen_at = now() - interval '31 minutes' where staff_id = ${staff.id}`.execute(
      t.ctx.database.db,
    );
    expect((await client.get('/staff')).statusCode).toBe(401);
    const second = await signInClient(t.app, staff);
    await sql`update staff_sessions set expires_at = now() - interval '1 second' where staff_id = ${staff.id}`.execute(
      t.ctx.database.db,
    );
    expect((await second.get('/staff')).statusCode).toBe(401);
  });

  it('signs out with a POST and CSRF; a GET cannot sign out', async () => {
    const { client } = await loginAs(t, 'coordinator');
    const home = await client.get('/staff');
    expect((await t.app.inject({ method: 'GET', url: '/staff/logout' })).statusCode).toBe(404);
    const res = await client.post('/staff/logout', { _csrf: Client.csrfOf(home.body) });
    expect(res.statusCode).toBe(303);
    expect((await client.get('/staff')).statusCode).toBe(401);
  });
});

describe('administration page: authorisation matrix', () => {
  const canSeeAdmin: Record<StaffRoleName, boolean> = {
    admin: true,
    coordinator: true,
    caseworker: false,
    lawyer: false,
    vetting_officer: false,
    finance_officer: false,
    evidence_officer: false,
    partner: false,
    analyst: false,
  };

  it.each(STAFF_ROLES)('%s: GET /staff/admin', async (role) => {
    const { client } = await loginAs(t, role);
    const res = await client.get('/staff/admin');
    expect(res.statusCode).toBe(canSeeAdmin[role] ? 200 : 404);
  });

  it('answers 401 without a session on every staff route that needs one', async () => {
    for (const url of ['/staff/admin', '/staff']) expect((await t.app.inject(url)).statusCode).toBe(401);
  });

  it.each(STAFF_ROLES)(
    '%s: disable another member (only admin may) and the database is unchanged when refused',
    async (role) => {
      const target = await buildStaff(t.ctx, 'lawyer');
      const { client } = await loginAs(t, role);
      const page = await client.get('/staff');
      const before = await countRows('staff_sessions');
      const res = await client.post(`/staff/admin/staff/${target.id}/disable`, {
        _csrf: Client.csrfOf(page.body),
      });
      const row = await t.ctx.database.db
        .selectFrom('staff')
        .select('status')
        .where('id', '=', target.id)
        .executeTakeFirstOrThrow();
      if (role === 'admin') {
        expect(res.statusCode).toBe(200);
        expect(row.status).toBe('disabled');
      } else {
        expect(res.statusCode).toBe(404);
        expect(row.status).toBe('active');
        expect(await countRows('staff_sessions')).toBe(before);
      }
    },
  );

  it('answers 404 for a missing or malformed staff id', async () => {
    const { client } = await loginAs(t, 'admin');
    const page = await client.get('/staff/admin');
    const csrf = Client.csrfOf(page.body);
    expect(
      (await client.post('/staff/admin/staff/00000000-0000-4000-8000-000000000000/disable', { _csrf: csrf }))
        .statusCode,
    ).toBe(404);
    expect((await client.post('/staff/admin/staff/not-a-uuid/disable', { _csrf: csrf })).statusCode).toBe(
      404,
    );
  });

  it.each(STAFF_ROLES)('%s: seal now (only admin may)', async (role) => {
    const { client } = await loginAs(t, role);
    const page = await client.get('/staff');
    const csrf = Client.csrfOf(page.body);
    const res = await client.post('/staff/admin/seal?lang=en', { _csrf: csrf, confirm: 'seal' });
    if (role === 'admin') {
      expect(res.statusCode).toBe(200);
      expect(t.ctx.vault.sealed).toBe(true);
      // Issue 21 item 4: a development server (key file) is unsealed by a restart, not with shares.
      expect(res.body).toContain('restart the server (sanctuary serve)');
      expect(res.body).not.toContain('key holders unseal the server with');
      // Unseal again with the development key for the next tests.
      const { unsealWithDevKey } = await import('../keys/index.ts');
      await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
      // Without the ticked confirmation nothing is sealed (400, the page again).
      const unconfirmed = await client.post('/staff/admin/seal?lang=en', { _csrf: csrf });
      expect(unconfirmed.statusCode).toBe(400);
      expect(t.ctx.vault.sealed).toBe(false);
    } else {
      expect(res.statusCode).toBe(404);
      expect(t.ctx.vault.sealed).toBe(false);
    }
  });

  it('lets an admin ask to add staff; a second admin approves, and the link is shown once (ADR 0138)', async () => {
    const { client } = await loginAs(t, 'admin');
    const page = await client.get('/staff/admin?lang=en');
    const staffBefore = await countRows('staff');
    const res = await client.post('/staff/admin/staff?lang=en', {
      _csrf: Client.csrfOf(page.body),
      email: 'new.person@example.org',
      role: 'caseworker',
    });
    expect(res.statusCode).toBe(202);
    expect(res.body).not.toMatch(/\/staff\/enrol\//);
    expect(await countRows('staff')).toBe(staffBefore);
    const bad = await client.post('/staff/admin/staff?lang=en', {
      _csrf: Client.csrfOf(page.body),
      email: 'not an email',
      role: 'emperor',
    });
    expect(bad.statusCode).toBe(400);
    const second = await loginAs(t, 'admin');
    const list = await second.client.get('/staff/admin?lang=en');
    const id = /data-request="([0-9a-f-]{36})"/.exec(list.body)?.[1];
    const beforeApproval = await countRows('staff');
    expect(list.body).toContain('email: new.person@example.org');
    const approved = await second.client.post(`/staff/admin/requests/${id}/approve?lang=en`, {
      _csrf: Client.csrfOf(list.body),
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.body).toMatch(/\/staff\/enrol\/[A-Za-z0-9_-]{43}/);
    expect(await countRows('staff')).toBe(beforeApproval + 1);
  });
});

describe('global sign-in limit', () => {
  it('answers 429 with Retry-After once the whole server exceeds its sign-in rate', async () => {
    const limited = await buildTestApp({ config: { signInPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const client = new Client(limited.app);
        const page = await client.get('/staff/login');
        const res = await client.post('/staff/login', {
          _csrf: Client.csrfOf(page.body),
          email: `x${i}@example.org`,
          password: 'wrong password',
          totp: '000000',
        });
        statuses.push(res.statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('audit of authentication', () => {
  it('records sign-in successes and failures without personal data', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    await signInClient(t.app, staff);
    const client = new Client(t.app);
    await client.post('/staff/login', {
      _csrf: await loginForm(client),
      email: staff.email,
      password: 'nope',
      totp: '000000',
    });
    const rows = await t.ctx.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('target', '=', `staff:${staff.id}`)
      .execute();
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['staff.create', 'staff.enrolled', 'auth.sign_in', 'auth.sign_in_failed']),
    );
    const text = JSON.stringify(rows);
    expect(text).not.toContain(staff.email);
    expect(text).not.toContain(staff.password);
  });

  it('logs no IP address, user agent, email or token', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const client = new Client(t.app);
    const csrf = await loginForm(client);
    await client.post(
      '/staff/login',
      {
        _csrf: csrf,
        email: staff.email,
        password: staff.password,
        totp: totpCode(staff.totpSecret, Date.now() + 30_000),
      },
      { 'user-agent': 'CanaryAgent/9.9', 'x-forwarded-for': '203.0.113.77' },
    );
    const logs = t.logs();
    expect(logs).toContain('"route":"/staff/login"');
    for (const secret of [
      'CanaryAgent',
      '203.0.113.77',
      '127.0.0.1',
      staff.email,
      client.cookies.get('sanctuary_staff')!,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('behind a TLS reverse proxy', () => {
  it('marks cookies Secure with the __Host- prefix and sends HSTS', async () => {
    const tls = await buildTestApp({ config: { trustProxy: true } });
    try {
      const staff = await buildStaff(tls.ctx, 'caseworker');
      const client = new Client(tls.app);
      const page = await client.get('/staff/login');
      expect(String(page.headers['set-cookie'])).toMatch(
        /^__Host-sanctuary_pre=.*; Path=\/; HttpOnly; Secure; SameSite=Strict/,
      );
      expect(page.headers['strict-transport-security']).toContain('max-age=');
      const res = await client.post('/staff/login', {
        _csrf: Client.csrfOf(page.body),
        email: staff.email,
        password: staff.password,
        totp: totpCode(staff.totpSecret, Date.now() + 30_000),
      });
      expect(res.statusCode).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(
        /__Host-sanctuary_staff=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict/,
      );
    } finally {
      await tls.close();
    }
  });
});

describe('staff email labels', () => {
  it('decrypts colleagues emails for labels and forgets them when this server seals', async () => {
    const other = await buildTestApp();
    try {
      const a = await buildStaff(other.ctx, 'caseworker');
      const labels = await getStaffEmailLabels(other.ctx, other.ctx.database.db, [a.id, null, a.id]);
      expect([...labels]).toEqual([[a.id, a.email]]);
      other.ctx.vault.seal();
      await expect(getStaffEmailLabels(other.ctx, other.ctx.database.db, [a.id])).rejects.toMatchObject({
        code: 'sealed',
      });
    } finally {
      await other.close();
    }
  });
});

describe('staff home page', () => {
  it('links to the case queue for roles that hold cases, and not for others', async () => {
    const { client: caseworker } = await loginAs(t, 'caseworker');
    expect((await caseworker.get('/staff?lang=en')).body).toContain('href="/staff/cases?lang=en"');
    const { client: finance } = await loginAs(t, 'finance_officer');
    expect((await finance.get('/staff?lang=en')).body).not.toContain('/staff/cases');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { type SoftCredential, SoftAuthenticator } from '../../../test/support/webauthn.ts';
import { decideApproval } from '../case-access/index.ts';
import { keysAvailable } from './webauthn.service.ts';
import { requestAuthPolicy, requestSecondFactorReset } from '../admin/index.ts';
import { totpCode } from '../../crypto/index.ts';

/**
 * WebAuthn for staff (issue 18 item 1; ADRs 0172-0174), over HTTP against the real app, with a
 * software authenticator: enrolling a key, signing in with it, and the attacker's side (a relay
 * on another origin, another RP ID, a replayed or foreign assertion, a challenge issued to
 * another browser or never issued, a cloned key's counter, no user verification, malformed
 * JSON). Then the organisation's policy (a two-person act) and recovery by two administrators.
 */
const ORIGIN = 'https://staff.example.org';
const RP_ID = 'staff.example.org';
let t: TestApp;
let staff: TestStaff;
let owner: Client;
let key: SoftCredential;
const authenticator = new SoftAuthenticator(RP_ID, ORIGIN);

async function postJson(client: Client, url: string, body: unknown) {
  const res = await client.app.inject({
    method: 'POST',
    url,
    remoteAddress: client.remoteAddress,
    headers: { cookie: client.cookieHeader, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  for (const c of res.cookies as Array<{ name: string; value: string }>) client.cookies.set(c.name, c.value);
  return res;
}

/** A signed-out browser that has loaded the sign-in page: its CSRF token. */
async function signedOutBrowser(): Promise<{ client: Client; csrf: string }> {
  const client = new Client(t.app);
  const page = await client.get('/staff/login?lang=en');
  return { client, csrf: Client.csrfOf(page.body) };
}

async function signInOptions(b: { client: Client; csrf: string }) {
  const res = await postJson(b.client, '/staff/login/webauthn/options?lang=en', { _csrf: b.csrf });
  expect(res.statusCode).toBe(200);
  return res.json().options as { challenge: string; rpId: string; userVerification: string };
}

async function enrolKey(client: Client, name: string) {
  const page = await client.get('/staff/account/keys?lang=en');
  const csrf = Client.csrfOf(page.body);
  const options = (await postJson(client, '/staff/account/keys/options', { _csrf: csrf })).json().options;
  const made = authenticator.create(options);
  const res = await postJson(client, '/staff/account/keys?lang=en', {
    _csrf: csrf,
    name,
    response: made.response,
  });
  return { res, credential: made.credential, csrf, options };
}

const credentials = () => t.ctx.database.db.selectFrom('staff_webauthn_credentials').selectAll().execute();
const auditReasons = async (action: string) =>
  (
    await t.ctx.database.db.selectFrom('audit_log').select('reason').where('action', '=', action).execute()
  ).map((r) => r.reason ?? '');

beforeAll(async () => {
  t = await buildTestApp({ config: { staffUrl: ORIGIN } });
  staff = await buildStaff(t.ctx, 'caseworker');
  owner = await signInClient(t.app, staff);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('enrolling a key', () => {
  it('asks for a resident key with user verification for this RP, and stores the key under its name', async () => {
    const { res, credential, options } = await enrolKey(owner, 'blue key');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().redirect).toContain('/staff/account/keys');
    expect(options.rp.id).toBe(RP_ID);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    key = credential;
    const rows = await credentials();
    expect(rows).toHaveLength(1);
    // The name is personal (it may say whose phone it is): stored encrypted only.
    expect(Buffer.from(rows[0]!.name_enc).toString('latin1')).not.toContain('blue key');
    expect(await auditReasons('staff.webauthn_enrolled')).toHaveLength(1);
    const page = await owner.get('/staff/account/keys?lang=en');
    expect(page.body).toContain('blue key');
  });

  it('refuses a registration for another origin, RP ID, challenge or without user verification, and stores nothing', async () => {
    const page = await owner.get('/staff/account/keys?lang=en');
    const csrf = Client.csrfOf(page.body);
    const attempts: Array<Parameters<SoftAuthenticator['create']>[1] | 'replay' | 'garbage'> = [
      { origin: 'https://staff.example.org.evil.test' },
      { rpId: 'evil.test' },
      { challenge: 'bm90LWlzc3VlZC1oZXJlLWF0LWFsbC1ldmVyLTEyMzQ1Ng' },
      { userVerified: false },
      { type: 'webauthn.get' },
      'garbage',
    ];
    for (const attempt of attempts) {
      const options = (await postJson(owner, '/staff/account/keys/options', { _csrf: csrf })).json().options;
      const made = authenticator.create(options, typeof attempt === 'object' ? attempt : {});
      const response =
        attempt === 'garbage'
          ? { ...made.response, response: { clientDataJSON: 'e30', attestationObject: 'AAAA' } }
          : made.response;
      const res = await postJson(owner, '/staff/account/keys?lang=en', {
        _csrf: csrf,
        name: 'evil',
        response,
      });
      expect(res.statusCode, JSON.stringify(attempt)).toBe(400);
      expect(res.json().error.message).toBe('The key’s answer was refused. Try again.');
    }
    // Malformed JSON shapes: refused before anything is verified.
    for (const body of [{ name: 'x' }, { name: 'x', response: 'nope' }, { name: '', response: {} }]) {
      const res = await postJson(owner, '/staff/account/keys', { _csrf: csrf, ...body });
      expect(res.statusCode).toBe(400);
    }
    expect(await credentials()).toHaveLength(1);
    expect((await auditReasons('staff.webauthn_enrol_failed')).length).toBeGreaterThanOrEqual(
      attempts.length,
    );
  });
});

describe('signing in with a key', () => {
  it('offers keys only where browsers can use them (a host name, not an IP address)', async () => {
    expect((await new Client(t.app).get('/staff/login?lang=en')).body).toContain('id="webauthn-sign-in"');
    expect(keysAvailable({ ...t.config, staffUrl: 'http://127.0.0.1:8080' })).toBe(false);
    expect(keysAvailable({ ...t.config, staffUrl: 'http://[::1]:8080' })).toBe(false);
    expect(keysAvailable({ ...t.config, staffUrl: 'http://localhost:8080' })).toBe(true);
  });

  it('signs in without password or code, and the session works', async () => {
    const browser = await signedOutBrowser();
    const options = await signInOptions(browser);
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    const res = await postJson(browser.client, '/staff/login/webauthn?lang=en', {
      _csrf: browser.csrf,
      response: authenticator.get(options, key),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().redirect).toBe('/staff?lang=en');
    expect((await browser.client.get('/staff?lang=en')).statusCode).toBe(200);
    const [row] = await credentials();
    expect(Number(row!.counter)).toBe(key.counter);
  });

  it('refuses a relay, a replay, a foreign key and every malformed or misbound assertion, with the reason audited', async () => {
    const before = (await auditReasons('auth.sign_in')).length;
    const foreign = authenticator.create({ challenge: 'AAAA', user: { id: key.userHandle } }).credential;
    const cases: Array<[string, (b: { client: Client; csrf: string }) => Promise<unknown>]> = [
      // A phishing proxy on another origin relays our challenge; the browser signs for its origin.
      [
        'relay origin',
        async (b) => authenticator.get(await signInOptions(b), key, { origin: 'https://staff-example.org' }),
      ],
      [
        'other RP ID',
        async (b) => authenticator.get(await signInOptions(b), key, { rpId: 'staff-example.org' }),
      ],
      ['foreign credential', async (b) => authenticator.get(await signInOptions(b), foreign)],
      [
        'never issued',
        async () => authenticator.get({ challenge: 'bm90LWlzc3VlZC1oZXJlLWF0LWFsbC1ldmVyLTEyMzQ1Ng' }, key),
      ],
      [
        'no user verification',
        async (b) => authenticator.get(await signInOptions(b), key, { userVerified: false }),
      ],
      [
        'wrong ceremony type',
        async (b) => authenticator.get(await signInOptions(b), key, { type: 'webauthn.create' }),
      ],
      [
        'bad signature',
        async (b) => {
          const r = authenticator.get(await signInOptions(b), key);
          return { ...r, response: { ...r.response, signature: r.response.signature.replace(/^../, 'AA') } };
        },
      ],
      ['malformed', async () => ({ id: 'x', response: 'nope' })],
      [
        'unreadable client data',
        async (b) => {
          const r = authenticator.get(await signInOptions(b), key);
          return { ...r, response: { ...r.response, clientDataJSON: 'bm90IGpzb24' } };
        },
      ],
    ];
    for (const [label, make] of cases) {
      const b = await signedOutBrowser();
      const res = await postJson(b.client, '/staff/login/webauthn?lang=en', {
        _csrf: b.csrf,
        response: await make(b),
      });
      expect(res.statusCode, label).toBe(401);
      expect(b.client.cookies.has('sanctuary_staff'), label).toBe(false);
    }
    const reasons = await auditReasons('auth.sign_in_failed');
    for (const why of [
      'origin',
      'RP ID',
      'unknown credential',
      'unknown, used or expired challenge',
      'malformed assertion',
    ]) {
      expect(
        reasons.some((r) => r.startsWith('webauthn:') && r.includes(why)),
        why,
      ).toBe(true);
    }
    expect(await auditReasons('auth.sign_in')).toHaveLength(before);
  });

  it('refuses a replayed assertion, one posted by another browser, and an expired challenge', async () => {
    const a = await signedOutBrowser();
    const options = await signInOptions(a);
    const assertion = authenticator.get(options, key);
    // Another browser (the attacker's) posts the assertion made for this one's challenge.
    const other = await signedOutBrowser();
    expect(
      (await postJson(other.client, '/staff/login/webauthn', { _csrf: other.csrf, response: assertion }))
        .statusCode,
    ).toBe(401);
    // The challenge was used up by that attempt: the rightful browser must start again.
    expect(
      (await postJson(a.client, '/staff/login/webauthn', { _csrf: a.csrf, response: assertion })).statusCode,
    ).toBe(401);
    const fresh = authenticator.get(await signInOptions(a), key);
    expect(
      (await postJson(a.client, '/staff/login/webauthn', { _csrf: a.csrf, response: fresh })).statusCode,
    ).toBe(200);
    // Replayed after success.
    const again = await signedOutBrowser();
    await signInOptions(again);
    expect(
      (await postJson(again.client, '/staff/login/webauthn', { _csrf: again.csrf, response: fresh }))
        .statusCode,
    ).toBe(401);
    // Expired: two minutes have passed (the row's deadline moved, rather than the clock).
    const late = await signedOutBrowser();
    const lateOptions = await signInOptions(late);
    await t.ctx.database.db
      .updateTable('staff_webauthn_challenges')
      .set({ expires_at: new Date(Date.now() - 1) })
      .execute();
    const res = await postJson(late.client, '/staff/login/webauthn', {
      _csrf: late.csrf,
      response: authenticator.get(lateOptions, key),
    });
    expect(res.statusCode).toBe(401);
  });

  it('counts assertion posts against the source’s allowance, so junk cannot flood the audit log', async () => {
    const flooder = new Client(t.app, '10.9.9.9');
    const csrf = Client.csrfOf((await flooder.get('/staff/login?lang=en')).body);
    const limiter = t.ctx.limits.signInSource;
    while (limiter.hit('ip:10.9.9.9')) {
      // use up this source's allowance for the minute
    }
    const before = (await auditReasons('auth.sign_in_failed')).length;
    const res = await postJson(flooder, '/staff/login/webauthn', { _csrf: csrf, response: { id: 'junk' } });
    expect(res.statusCode).toBe(429);
    expect(await auditReasons('auth.sign_in_failed')).toHaveLength(before);
    limiter.reset('ip:10.9.9.9');
  });

  it('refuses a cloned key whose counter went backwards, and audits it', async () => {
    const b = await signedOutBrowser();
    const res = await postJson(b.client, '/staff/login/webauthn', {
      _csrf: b.csrf,
      response: authenticator.get(await signInOptions(b), key, { counter: 1 }),
    });
    expect(res.statusCode).toBe(401);
    expect(await auditReasons('auth.webauthn_clone_suspected')).toHaveLength(1);
    expect(Number((await credentials())[0]!.counter)).toBeGreaterThan(1);
  });
});

describe('own keys', () => {
  it('renames and removes only one’s own keys; another member’s key is as unknown as a missing one', async () => {
    const second = await enrolKey(owner, 'laptop');
    expect(second.res.statusCode).toBe(200);
    const rows = await credentials();
    const laptop = rows.find((r) => r.credential_id.length > 0 && r.id !== rows[0]!.id)!;
    const other = await signInClient(t.app, await buildStaff(t.ctx, 'lawyer'));
    const otherCsrf = Client.csrfOf((await other.get('/staff/account/keys?lang=en')).body);
    expect(
      (await other.post(`/staff/account/keys/${laptop.id}/remove`, { _csrf: otherCsrf })).statusCode,
    ).toBe(404);
    expect(
      (await other.post(`/staff/account/keys/${laptop.id}/rename`, { _csrf: otherCsrf, name: 'mine' }))
        .statusCode,
    ).toBe(404);
    expect(await credentials()).toHaveLength(2);
    const csrf = second.csrf;
    expect(
      (
        await owner.post(`/staff/account/keys/${laptop.id}/rename?lang=en`, {
          _csrf: csrf,
          name: 'work laptop',
        })
      ).statusCode,
    ).toBe(303);
    expect((await owner.get('/staff/account/keys?lang=en')).body).toContain('work laptop');
    expect(
      (await owner.post(`/staff/account/keys/${laptop.id}/remove?lang=en`, { _csrf: csrf })).statusCode,
    ).toBe(303);
    expect(await credentials()).toHaveLength(1);
    expect(await auditReasons('staff.webauthn_removed')).toHaveLength(1);
  });
});

describe('the organisation’s policy and recovery (two administrators)', () => {
  it('makes keys mandatory only once a second administrator approves; then TOTP is refused or leads to enrolment', async () => {
    const [a, b] = [await buildStaff(t.ctx, 'admin'), await buildStaff(t.ctx, 'admin')];
    const asA = { kind: 'staff' as const, id: a.id, role: a.role, sessionHash: Buffer.alloc(32) };
    const asB = { kind: 'staff' as const, id: b.id, role: b.role, sessionHash: Buffer.alloc(32) };
    const requestId = await requestAuthPolicy(t.ctx, asA, {
      roles: ['caseworker', 'lawyer'],
      totpFallback: 'no',
    });
    // Filing changes nothing; the requester cannot approve their own request.
    await expect(decideApproval(t.ctx, asA, requestId, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    const signIn = async (s: TestStaff) => {
      await t.ctx.database.db
        .updateTable('staff')
        .set({ totp_last_step: 0 })
        .where('id', '=', s.id)
        .execute();
      const c = new Client(t.app);
      const page = await c.get('/staff/login');
      const res = await c.post('/staff/login', {
        _csrf: Client.csrfOf(page.body),
        email: s.email,
        password: s.password,
        totp: totpCode(s.totpSecret, Date.now() + 30_000),
      });
      return { c, res };
    };
    expect((await signIn(staff)).res.statusCode).toBe(303);
    await decideApproval(t.ctx, asB, requestId, 'approve');

    // The caseworker has a key and TOTP is no fallback: the code alone no longer signs in.
    const refused = await signIn(staff);
    expect(refused.res.statusCode).toBe(401);
    expect(await auditReasons('auth.sign_in_failed')).toContain('totp refused: security key required');
    // Her last key cannot be removed while one is mandatory.
    const [last] = await credentials();
    const csrf = Client.csrfOf((await owner.get('/staff/account/keys?lang=en')).body);
    expect(
      (await owner.post(`/staff/account/keys/${last!.id}/remove?lang=en`, { _csrf: csrf })).statusCode,
    ).toBe(409);
    expect(await credentials()).toHaveLength(1);

    // A lawyer without a key is signed in to the key page only, until he adds one.
    const lawyer = await buildStaff(t.ctx, 'lawyer');
    const { c } = await signIn(lawyer);
    const home = await c.get('/staff/cases?lang=en');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toContain('/staff/account/keys');
    const keysPage = await c.get('/staff/account/keys?lang=en');
    expect(keysPage.body).toContain('id="webauthn-must-enrol"');
    expect((await c.get('/assets/staff-webauthn.js')).statusCode).toBe(200);
    // Nothing else answers to that session, not even sealing from one's own session.
    const panic = await c.post('/staff/admin/panic/seal', {
      _csrf: Client.csrfOf(keysPage.body),
      confirm: 'seal',
    });
    expect(panic.statusCode).toBe(404);
    expect(t.ctx.vault.sealed).toBe(false);
    expect((await enrolKey(c, 'yubikey')).res.statusCode).toBe(200);
    expect((await c.get('/staff?lang=en')).statusCode).toBe(200);

    // Recovery: a second-factor reset approved by another administrator forgets every key.
    const reset = await requestSecondFactorReset(t.ctx, asA, { staffId: staff.id });
    await decideApproval(t.ctx, asB, reset, 'approve');
    expect((await credentials()).filter((r) => r.staff_id === staff.id)).toHaveLength(0);
    const b2 = await signedOutBrowser();
    const res = await postJson(b2.client, '/staff/login/webauthn', {
      _csrf: b2.csrf,
      response: authenticator.get(await signInOptions(b2), key),
    });
    expect(res.statusCode).toBe(401);
  });
});

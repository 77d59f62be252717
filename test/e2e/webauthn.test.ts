import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wm } from '../../src/modules/auth/webauthn.messages.ts';
import { t as translate } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { axeViolations, launchBrowser, recordRequests, signInAsStaff } from './browser.ts';

/**
 * Issue 18's done-when for item 1, in Chromium with its virtual authenticator (CDP
 * `WebAuthn.addVirtualAuthenticator`): a caseworker enrols a security key, signs out, and signs
 * in with it alone. Then a phishing relay on another origin (here another port of the same host,
 * the closest a test can get to a look-alike domain: the browser lets the page ask for the same
 * RP ID, so only the server's origin check stands in the way) forwards the whole ceremony to
 * the server: the browser signs for the relay's origin and the server refuses it. axe-core checks
 * the sign-in page with its key button and the key page.
 *
 * WebAuthn needs a host name (browsers refuse IP addresses as RP IDs): the server is configured
 * with http://localhost:PORT as its staff origin, which Chromium treats as a secure context.
 */
const LANG = 'en';
let t: TestApp;
let base: string;
let relayBase: string;
let relay: Server;
let browser: Browser;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A transparent reverse proxy, as a real-time phishing kit runs: every request forwarded as it is. */
function startRelay(port: number, target: number): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  const [port, relayPort] = [await freePort(), await freePort()];
  base = `http://localhost:${port}`;
  relayBase = `http://localhost:${relayPort}`;
  t = await buildTestApp({ config: { staffUrl: base } });
  await t.app.listen({ port, host: '127.0.0.1' });
  relay = await startRelay(relayPort, port);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (relay === undefined ? resolve() : relay.close(() => resolve())));
  await t?.close();
});

async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/staff\/login/), page.click('form[action^="/staff/logout"] button')]);
}

describe('security keys in Chromium', () => {
  it('enrols a key, signs in with it alone, and a relay on another origin is refused', async () => {
    const staff = await buildStaff(t.ctx, 'caseworker');
    const context = await browser.newContext();
    const requests = recordRequests(context);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // Password and code, once, to enrol the key.
    await signInAsStaff(page, base, staff, LANG);
    await page.goto(`${base}/staff/account/keys?lang=${LANG}`);
    expect(await page.locator('#webauthn-add').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.fill('#name', 'blue key');
    await Promise.all([
      page.waitForURL(/flash=webauthn\.added_ok/),
      page.click(`#webauthn-add button:has-text("${wm(LANG, 'webauthn.add')}")`),
    ]);
    expect(await page.locator('#webauthn-keys').textContent()).toContain('blue key');
    expect(await axeViolations(page)).toEqual([]);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.rpId).toBe('localhost');
    expect(credentials[0]!.isResidentCredential).toBe(true);
    await signOut(page);

    // The key alone: no email, password or code typed.
    await page.goto(`${base}/staff/login?lang=${LANG}`);
    expect(await page.locator('#webauthn-sign-in').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/staff\?lang=/), page.click('#webauthn-sign-in-button')]);
    expect((await page.locator('h1').textContent())?.trim()).toBe(translate(LANG, 'staff.home'));
    await signOut(page);

    // The relay: the same pages, the same script, the same key, from another origin.
    const failedBefore = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'auth.sign_in_failed')
      .execute();
    await page.goto(`${relayBase}/staff/login?lang=${LANG}`);
    await page.click('#webauthn-sign-in-button');
    await expect
      .poll(() => page.locator('#webauthn-sign-in [role=status]').textContent())
      .toBe(translate(LANG, 'error.invalid_credentials'));
    expect(page.url()).toContain('/staff/login');
    // The authenticator did answer (its counter moved): the server refused the relayed assertion.
    const failed = await t.ctx.database.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'auth.sign_in_failed')
      .execute();
    const fresh = failed.slice(failedBefore.length).map((r) => r.reason ?? '');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatch(/^webauthn: assertion refused: .*origin/i);
    // No session on either origin.
    expect((await context.cookies()).some((c) => c.name === 'sanctuary_staff')).toBe(false);
    expect((await page.request.get(`${base}/staff?lang=${LANG}`)).status()).toBe(401);

    // The real origin still works with the same key.
    await page.goto(`${base}/staff/login?lang=${LANG}`);
    await Promise.all([page.waitForURL(/\/staff\?lang=/), page.click('#webauthn-sign-in-button')]);

    // Nothing was loaded from anywhere but the server (and the relay, which the test started).
    expect(requests.filter((u) => !u.startsWith(base) && !u.startsWith(relayBase))).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows administrators the sign-in policy and files a change as a request', async () => {
    const admin = await buildStaff(t.ctx, 'admin');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAsStaff(page, base, admin, LANG);
    await page.goto(`${base}/staff/admin?lang=${LANG}`);
    await Promise.all([page.waitForURL(/sign-in-policy/), page.click('#sign-in-policy-link')]);
    expect(await axeViolations(page)).toEqual([]);
    await page.check('input[name=roles][value=admin]');
    await page.check('input[name=totpFallback][value=no]');
    await page.click(`button:has-text("${wm(LANG, 'webauthn.policy_submit')}")`);
    expect(await page.locator('[role=status]').first().textContent()).toBeTruthy();
    // Filed, not applied: a second administrator must approve it.
    expect(await page.locator('#sign-in-policy dd').first().textContent()).toBe(
      wm(LANG, 'webauthn.policy_none'),
    );
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);
});

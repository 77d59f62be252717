import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/crypto/index.ts';
import { runCli, type ServerProcess, startServerProcess } from '../support/process.ts';
import { axeViolations, launchBrowser, recordRequests } from './browser.ts';

/**
 * The newcomer's first steps, as the README tells them, in a real browser against the
 * real server: `npm start`, `sanctuary staff create`, open the enrolment link, set a
 * password and TOTP, sign in with a code, see the administration page, seal the server.
 */
const headings = {
  ru: {
    enrol: 'Настройка учётной записи',
    admin: 'Администрирование',
    sealed: 'Сервер запечатан',
    seal: 'Запечатать сейчас',
  },
  uk: {
    enrol: 'Налаштування облікового запису',
    admin: 'Адміністрування',
    sealed: 'Сервер запечатано',
    seal: 'Запечатати зараз',
  },
  en: {
    enrol: 'Set up your account',
    admin: 'Administration',
    sealed: 'The server is sealed',
    seal: 'Seal now',
  },
} as const;

describe.each(['ru', 'uk', 'en'] as const)('staff enrolment and sign-in in Chromium (%s)', (lang) => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-e2e-'));
    env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dataDir, SANCTUARY_LOG_LEVEL: 'warn' };
    server = await startServerProcess(env);
    env.PORT = new URL(server.url).port;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrols an admin with TOTP, signs in, and seals from the page', async () => {
    const created = await runCli(
      ['staff', 'create', '--email', `admin.${lang}@example.org`, '--role', 'admin'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const link = /(http:\/\/\S+\/staff\/enrol\/[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(link).toBeDefined();

    const context = await browser.newContext();
    const requests = recordRequests(context);
    const page = await context.newPage();
    await page.goto(`${link}?lang=${lang}`);
    expect((await page.locator('h1').textContent())?.trim()).toBe(headings[lang].enrol);
    expect(await axeViolations(page)).toEqual([]);
    // A GET of the link (as a link preview would make) shows no secret: it takes a POST.
    expect(await page.locator('#totp-secret').count()).toBe(0);
    await page.click('form.stack button[type=submit]');
    expect((await page.locator('h1').textContent())?.trim()).toBe(headings[lang].enrol);
    expect(await axeViolations(page)).toEqual([]);
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.fill('#password', 'a long and private passphrase');
    await page.fill('#passwordRepeat', 'a long and private passphrase');
    await page.fill('#totp', totpCode(secret));
    await page.click('button[type=submit]');
    await page.click(`main a[href^="/staff/login"]`);

    await page.fill('#email', `ADMIN.${lang}@example.org`);
    await page.fill('#password', 'a long and private passphrase');
    await page.fill('#totp', totpCode(secret, Date.now() + 30_000));
    await page.click('form.stack button[type=submit]');
    await page.click(`header nav a[href^="/staff/admin?"]`);
    expect((await page.locator('h1').textContent())?.trim()).toBe(headings[lang].admin);
    expect(await page.locator('table').textContent()).toContain(`admin.${lang}@example.org`);
    expect(await axeViolations(page)).toEqual([]);

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sanctuary_staff');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', expires: -1 });

    // The partner-token page and the pathways review have the same frame and navigation (issue 13).
    await page.goto(`${server.url}/staff/intake/partners?lang=${lang}`);
    expect(await page.locator('header nav a[href^="/staff/admin?"]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.click(`header nav a[href^="/staff/pathways/staleness"]`);
    expect(await page.locator('#content-version').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.click(`header nav a[href^="/staff/admin?"]`);

    // "Seal now" asks for a ticked confirmation first (issue 21 item 4).
    await page.check('form[action^="/staff/admin/seal"] input[name="confirm"]');
    await page.click(`button:has-text("${headings[lang].seal}")`);
    expect((await page.locator('h1').textContent())?.trim()).toBe(headings[lang].sealed);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);

    const origin = new URL(server.url).origin;
    expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
    await context.close();
  }, 120_000);
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { im } from '../../src/modules/intake/intake.messages.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { countRows } from '../support/db.ts';
import { intakeTestConfig, replyAsStaff } from '../support/intake.ts';
import { launchBrowser, listenForBrowser } from './browser.ts';

/**
 * The applicant's journey in Debian's Chromium with JavaScript disabled (Tor Browser at
 * Safest), in every locale: fill in the form, get the codename, sign back in with it, read
 * a staff reply written through the cases service, and quick-exit. Every page stays under
 * 30 KB with everything it loads, and nothing is requested from any other host. The
 * pathways self-check is exercised in ru and en.
 */
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await buildTestApp({
    config: { intake: intakeTestConfig({ quickExitUrl: 'http://exit.invalid/weather' }) },
  });
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function newPage() {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const foreign: string[] = [];
  const bytes = new Map<string, number>();
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('http://exit.invalid/')) foreign.push(r.url());
  });
  page.on('response', async (r) => {
    if (!r.url().startsWith(base)) return;
    const body = await r.body().catch(() => Buffer.alloc(0));
    bytes.set(r.url(), body.length);
  });
  return { context, page, foreign, bytes };
}

describe.each(['ru', 'uk', 'en'] as Locale[])('applicant journey without JavaScript (%s)', (locale) => {
  it('submits, gets a codename, signs back in, reads a reply, quick-exits', async () => {
    const { context, page, foreign, bytes } = await newPage();
    try {
      await page.goto(`${base}/?lang=${locale}`);
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      await expect(page.getByRole('link', { name: im(locale, 'layout.quick_exit') }).count()).resolves.toBe(
        1,
      );
      const pageWeight = [...bytes.values()].reduce((a, b) => a + b, 0);
      expect(pageWeight).toBeLessThan(30 * 1024);

      await page.getByLabel(im(locale, 'form.type.deserter')).check();
      await page.getByLabel(im(locale, 'form.urgency.hiding')).check();
      await page.getByLabel(im(locale, 'form.need.leave')).check();
      await page.locator('#story').fill(`Browser story ${locale} <script>window.pwned=1</script>`);
      await page.getByRole('button', { name: im(locale, 'form.submit') }).click();
      await page.waitForLoadState();
      const codename = (await page.locator('#codename').textContent())?.trim() ?? '';
      expect(codename).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} \S+ \d{6}$/);
      expect(await page.getByText(im(locale, 'codename.once')).count()).toBe(1);

      const row = await t.ctx.database.db
        .selectFrom('cases')
        .select(['ref'])
        .orderBy('created_on', 'desc')
        .orderBy('updated_at', 'desc')
        .executeTakeFirstOrThrow();
      await replyAsStaff(t, row.ref, `Reply for ${locale}: we are with you.`);

      await page.goto(`${base}/inbox?lang=${locale}`);
      await page.locator('#codename').fill(codename);
      await page.getByRole('button', { name: im(locale, 'signin.submit') }).click();
      await page.waitForLoadState();
      await expect(page.getByText(`Reply for ${locale}: we are with you.`).count()).resolves.toBe(1);
      expect((await context.cookies()).every((c) => c.expires === -1)).toBe(true); // session cookies only

      const before = bytes.size;
      await page
        .getByRole('link', { name: im(locale, 'layout.quick_exit') })
        .click()
        .catch(() => undefined);
      await page.waitForTimeout(300);
      expect(bytes.size).toBeGreaterThanOrEqual(before);
      expect((await context.cookies()).filter((c) => c.name === 'sanctuary_applicant')).toEqual([]);
      const back = await context.newPage();
      await back.goto(`${base}/inbox?lang=${locale}`);
      expect(await back.locator('#codename').count()).toBe(1); // signed out
      for (const [url, size] of bytes) expect(size, url).toBeLessThan(30 * 1024);
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

describe.each(['ru', 'en'] as Locale[])('pathways self-check without JavaScript (%s)', (locale) => {
  it('answers a few questions and shows ranked options, storing nothing', async () => {
    const { context, page, foreign, bytes } = await newPage();
    const count = async () => countRows(t.ctx.database.db, 'cases');
    try {
      const before = await count();
      await page.goto(`${base}/pathways?lang=${locale}`);
      await page.locator('#location').selectOption('AM');
      await page.locator('select[name=applicantType]').selectOption('deserter');
      await page.getByLabel(im(locale, 'form.doc.internal_passport')).check();
      await page.getByLabel(im(locale, 'pathways.left_unit')).check();
      await page.getByRole('button', { name: im(locale, 'pathways.submit') }).click();
      await page.waitForLoadState();
      expect(await page.locator('main.pathways').count()).toBe(1);
      // The summary names the options to read first; each is folded under its title and risk
      // (a <details>, no script) and opens when its title is chosen.
      expect(await page.locator('ol.read-first a').count()).toBeGreaterThan(0);
      const first = page.locator('details.pathway').first();
      const steps = first.locator('ol').first();
      expect(await steps.isVisible()).toBe(false);
      await first.locator('summary').click({ timeout: 10_000 });
      expect(await steps.isVisible()).toBe(true);
      expect(await count()).toBe(before);
      for (const [url, size] of bytes) expect(size, url).toBeLessThan(30 * 1024);
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

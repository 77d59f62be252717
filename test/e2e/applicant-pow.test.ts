import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPowSolution } from '../../src/crypto/index.ts';
import { im } from '../../src/modules/intake/intake.messages.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { countRows } from '../support/db.ts';
import { intakeTestConfig } from '../support/intake.ts';
import { axeViolations, launchBrowser, listenForBrowser } from './browser.ts';

/**
 * An applicant with JavaScript on, on a slow phone (Chromium at a 4x CPU throttle through the
 * DevTools protocol), sends the form (issue 21 item 6, ADR 0196). The proof of work runs in the
 * same-origin worker under the page's unchanged CSP; while it runs the "sending securely" panel
 * is visible with its progress line, and the submission arrives as a proven one.
 *
 * Nothing here depends on the machine's speed: the worker's script is held back until the test
 * has seen the panel (so the work cannot finish first), and every other wait is on a condition
 * with a generous limit.
 */
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await buildTestApp({ config: { intake: intakeTestConfig({ powDifficulty: 16 }) } });
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('an applicant with JavaScript on, under a 4x CPU throttle', () => {
  it('sees the progress message while the work runs, and the submission arrives', async () => {
    const context = await browser.newContext({ javaScriptEnabled: true });
    const page = await context.newPage();
    try {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const foreign: string[] = [];
      const posts: Request[] = [];
      context.on('request', (r) => {
        if (!r.url().startsWith(base)) foreign.push(r.url());
        if (r.method() === 'POST') posts.push(r);
      });
      // The worker's script waits until the panel has been seen.
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let workerRequested = false;
      await context.route('**/intake/pow-worker.js', async (route) => {
        workerRequested = true;
        await released;
        await route.continue();
      });

      const before = await countRows(t.ctx.database.db, 'cases');
      await page.goto(`${base}/?lang=en`);
      const panel = page.locator('#pow-progress');
      expect(await panel.isVisible()).toBe(false);
      expect(await axeViolations(page)).toEqual([]);

      await page.getByLabel(im('en', 'form.type.deserter')).check();
      await page.getByLabel(im('en', 'form.urgency.hiding')).check();
      await page.getByLabel(im('en', 'form.need.leave')).check();
      await page.locator('#story').fill('I have the papers and need to leave within a week.');
      await page.getByRole('button', { name: im('en', 'form.submit') }).click();

      await panel.waitFor({ state: 'visible', timeout: 60_000 });
      expect(await panel.getByText(im('en', 'form.pow_sending')).isVisible()).toBe(true);
      // The expected number of attempts for 16 bits, in the page's language.
      await page.locator('#pow-status').getByText('of about 65,536 attempts').waitFor({ timeout: 60_000 });
      expect(await page.getByRole('button', { name: im('en', 'form.submit') }).isDisabled()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);

      release();
      await page.locator('#codename').waitFor({ timeout: 180_000 });
      const codename = (await page.locator('#codename').textContent())?.trim() ?? '';
      expect(codename).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} \S+ \d{6}$/);
      expect(await axeViolations(page)).toEqual([]);
      expect(await countRows(t.ctx.database.db, 'cases')).toBe(before + 1);

      // It came through the worker, proven: the solution the form carried verifies.
      expect(workerRequested).toBe(true);
      const sent = new URLSearchParams(posts.at(-1)?.postData() ?? '');
      const verdict = verifyPowSolution(
        t.ctx.vault.requireKeyring(),
        sent.get('pow_challenge') ?? '',
        sent.get('pow_solution') ?? '',
      );
      expect(verdict).toMatchObject({ ok: true, difficulty: 16 });
      expect(problems).toEqual([]); // no CSP refusal, no script error
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casePathwaysMessages as p } from '../../src/modules/case-pathways/index.ts';
import { casesMessages as m } from '../../src/modules/cases/index.ts';
import { pathwaysMessages } from '../../src/modules/pathways/pathways.messages.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildCase, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * A caseworker runs a pathway check on a case in Chromium (every step is a plain form; the
 * page has no script): opens the case, follows "Check pathways", finds the form filled from the case,
 * corrects the location, runs the check, reads the risk-rated result, saves it, and finds it on
 * the case timeline. axe-core checks the form and the result page.
 */
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await buildTestApp();
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe.each(['en', 'ru'] as const)('pathway check on a case in %s', (locale: Locale) => {
  it('fills the form from the case, runs the check, saves it, and shows it on the timeline', async () => {
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { members: [caseworker.id] });
    const { ref } = await buildCase(t.ctx, {
      teamId,
      applicantType: 'conscript',
      country: 'RU',
      answers: { applicant_type: 'conscript', documents: 'internal_passport, foreign_passport' },
    });
    // Staff pages carry no script (their CSP allows none); JavaScript stays on in this context
    // only so that axe-core can be evaluated, as in the workspace journey.
    const context = await browser.newContext({ bypassCSP: true, locale });
    const page = await context.newPage();
    // A step that hangs fails on its own, naming the step, well before the test's timeout.
    page.setDefaultTimeout(20_000);
    try {
      await signInAsStaff(page, base, caseworker, locale);

      await page.goto(`${base}/staff/cases/${ref}?lang=${locale}`);
      await Promise.all([
        page.waitForURL(/\/pathways\?/),
        page.getByRole('link', { name: p(locale, 'case_pathways.link') }).click(),
      ]);
      // Filled from the case: in Russia, a conscript, with both passports.
      expect(await page.locator('#pw-location').inputValue()).toBe('RU');
      expect(await page.locator('#pw-applicantType').inputValue()).toBe('conscript');
      expect(await page.locator('input[name=documents][value=foreign_passport]').isChecked()).toBe(true);
      expect(await page.locator('#pw-notes').textContent()).toContain(
        p(locale, 'case_pathways.note.citizenship_assumed'),
      );
      expect(await axeViolations(page)).toEqual([]);

      // The person has since reached Kazakhstan; the passport is valid for years.
      await page.selectOption('#pw-location', 'KZ');
      await page.fill('#pw-passport', '2031-06-30');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: p(locale, 'case_pathways.run') }).click(),
      ]);
      const pm = pathwaysMessages[locale];
      await expect(page.locator('section.viable h2').textContent()).resolves.toBe(pm.staffViableHeading);
      expect(await page.locator('section.viable article.pathway').count()).toBeGreaterThan(0);
      expect(await page.locator('section.not-viable li.not-viable').count()).toBeGreaterThan(0);
      // Risks come first in every open route, and every one shows sources and a review date.
      const first = page.locator('section.viable article.pathway').first();
      expect(await first.locator('p.risk').count()).toBe(1);
      expect(await first.locator('ul.sources a[href^="http"]').count()).toBeGreaterThan(0);
      expect(await first.locator('p.meta').textContent()).toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(await page.getByText(pm.notLegalAdvice).count()).toBeGreaterThan(0);
      expect(await axeViolations(page)).toEqual([]);

      await Promise.all([
        page.waitForURL(new RegExp(`/staff/cases/${ref}\\?`)),
        page.getByRole('button', { name: p(locale, 'case_pathways.save') }).click(),
      ]);
      expect(await page.getByRole('status').first().textContent()).toContain(
        m(locale, 'cases.flash.pathways_saved'),
      );
      const entry = page.locator('li.pathways-check');
      expect(await entry.count()).toBe(1);
      expect(await entry.textContent()).toContain(
        p(locale, 'case_pathways.timeline.title', { who: caseworker.email }),
      );
      const row = await t.ctx.database.db
        .selectFrom('case_pathway_checks')
        .innerJoin('cases', 'cases.id', 'case_pathway_checks.case_id')
        .select(['case_pathway_checks.content_version as v'])
        .where('cases.ref', '=', ref)
        .executeTakeFirstOrThrow();
      expect(await entry.textContent()).toContain(row.v.slice(0, 12));
    } finally {
      await context.close();
    }
  }, 120_000);
});

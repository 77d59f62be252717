import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportsMessages as m } from '../../src/modules/reports/reports.messages.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildTeam } from '../support/factories.ts';
import { movePathway } from '../../src/modules/case-pathways/case-pathways.destinations.ts';
import { seedReportCases } from '../support/reports.ts';
import { axeViolations, launchBrowser, listenForBrowser, recordRequests, signInAsStaff } from './browser.ts';

/**
 * A coordinator opens the reports in Chromium: the dashboard with its charts (inline SVG) and
 * the tables beside them, filters by quarter and team with the plain GET form, and downloads a
 * table as CSV; the chart of cases by destination and route is there. axe-core checks the page;
 * the page loads nothing from outside.
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

describe('reports dashboard', () => {
  it('opens, filters by quarter, and downloads a table', async () => {
    const coordinator = await buildStaff(t.ctx, 'coordinator');
    const team = await buildTeam(t.ctx, { name: 'East' });
    await seedReportCases(t.ctx.database.db, [
      ...Array.from({ length: 14 }, () => ({
        createdOn: '2026-08-03',
        teamId: team,
        applicantType: 'conscript' as const,
        country: 'GE',
      })),
      { createdOn: '2026-08-04', teamId: team, applicantType: 'officer', country: 'AM' },
      ...Array.from({ length: 3 }, () => ({
        createdOn: '2026-05-05',
        teamId: team,
        applicantType: 'soldier' as const,
        country: 'KZ',
      })),
    ]);
    // Their pathways, as saving checks would count them (encrypted weekly counters).
    for (let i = 0; i < 12; i += 1)
      await movePathway(t.ctx, t.ctx.database.db, '2026-08-03', team, null, {
        country: 'GE',
        route: 'visa_free',
      });
    await movePathway(t.ctx, t.ctx.database.db, '2026-08-04', team, null, { country: 'AM', route: 'asylum' });
    const context = await browser.newContext({ bypassCSP: true, locale: 'en', acceptDownloads: true });
    const requests = recordRequests(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await signInAsStaff(page, base, coordinator, 'en');
      await Promise.all([
        page.waitForURL(/\/staff\/reports\?/),
        page.locator('a[href="/staff/reports?lang=en"]').first().click(),
      ]);
      expect(await page.locator('h1').first().textContent()).toBe(m('en', 'reports.title'));
      expect(await axeViolations(page)).toEqual([]);

      // Filter: the third quarter of 2026, team East.
      await page.selectOption('#r-quarter', '2026-Q3');
      await page.selectOption('#r-team', team);
      await Promise.all([
        page.waitForURL(/quarter=2026-Q3/),
        page.getByRole('button', { name: m('en', 'reports.filter.submit') }).click(),
      ]);
      expect(await page.locator('#r-period').textContent()).toBe(
        m('en', 'reports.period', { from: '2026-07-01', to: '2026-09-30' }),
      );
      const types = page.locator('#t-applicant_type table');
      expect(await types.locator('tr[data-key="conscript"] td').first().textContent()).toBe('14');
      expect(await types.locator('tr[data-key="officer"] td').first().textContent()).toBe('1');
      expect(await page.locator('#t-applicant_type svg[role="img"]').count()).toBe(1);
      const destinations = page.locator('#t-destination table');
      expect(await destinations.locator('tr[data-key="GE · visa_free"] td').first().textContent()).toBe('12');
      expect(await destinations.locator('tr[data-key="AM · asylum"] td').first().textContent()).toBe('1');
      expect(await page.locator('#t-destination svg[role="img"]').count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);

      // Download the table as CSV.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#t-applicant_type a[href*="/staff/reports/export/applicant_type.csv"]').click(),
      ]);
      const path = await download.path();
      const { readFileSync } = await import('node:fs');
      const csv = readFileSync(path as string, 'utf8');
      expect(csv).toContain('"conscript","conscript",14');
      expect(download.suggestedFilename()).toBe('sanctuary-applicant_type-2026-07-01-2026-09-30.csv');
      expect(requests.every((u) => u.startsWith(base) || u.startsWith('data:') || u === 'about:blank')).toBe(
        true,
      );
    } finally {
      await context.close();
    }
  });
});

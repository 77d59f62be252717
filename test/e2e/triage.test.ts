import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../support/app.ts';
import { buildCase, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * A coordinator's triage in Debian's Chromium at 1280×800 (issue 21 item 2, ADRs 0184-0185):
 * the queue shows cases on the first screen; the coordinator opens a saved view, filters by
 * team, sorts by age, searches two namesakes and tells them apart by their key facts in the
 * results (without opening either), and assigns the right one to a caseworker. axe-core
 * checks the queue and the search results. A restricted case of another team with the same
 * name never appears.
 */
let t: TestApp;
let base: string;
let browser: Browser;
let coordinator: TestStaff;
let caseworker: TestStaff;
let teamId: string;
const refs: Record<'older' | 'younger' | 'hidden', string> = { older: '', younger: '', hidden: '' };

beforeAll(async () => {
  t = await buildTestApp();
  coordinator = await buildStaff(t.ctx, 'coordinator');
  caseworker = await buildStaff(t.ctx, 'caseworker');
  teamId = await buildTeam(t.ctx, { name: 'Kazakhstan route', members: [coordinator.id, caseworker.id] });
  const other = await buildTeam(t.ctx, { name: 'Georgia route', members: [] });
  const db = t.ctx.database.db;
  const namesake = (birthDate: string, location: string) => ({
    givenName: 'Андрей',
    familyName: 'Двойников',
    birthDate,
    location,
    documents: [],
    family: [],
  });
  // Enough cases to fill more than one screen, in two teams.
  for (let i = 0; i < 14; i += 1) {
    const c = await buildCase(t.ctx, {
      teamId: i % 2 === 0 ? teamId : other,
      urgency: i % 4,
      country: ['KZ', 'GE', 'AM'][i % 3]!,
      person: { givenName: 'Пётр', familyName: `Очередной${i}`, documents: [], family: [] },
    });
    await db
      .updateTable('cases')
      .set({ created_on: `2026-0${1 + (i % 9)}-1${i % 10}`, waiting_for_us: i % 3 === 0 })
      .where('id', '=', c.id)
      .execute();
  }
  const older = await buildCase(t.ctx, {
    teamId,
    urgency: 2,
    country: 'KZ',
    person: namesake('1988-03-14', 'Тверь'),
  });
  const younger = await buildCase(t.ctx, {
    teamId,
    urgency: 2,
    country: 'KZ',
    person: namesake('1999-11-02', 'Омск'),
  });
  const hidden = await buildCase(t.ctx, {
    urgency: 3,
    country: 'KZ',
    person: namesake('1999-11-02', 'Омск'),
  });
  await db
    .updateTable('cases')
    .set({ restricted: true, team_id: other })
    .where('id', '=', hidden.id)
    .execute();
  Object.assign(refs, { older: older.ref, younger: younger.ref, hidden: hidden.ref });
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('a coordinator triages', () => {
  it('opens the queue, uses a saved view and a filter, sorts, tells namesakes apart, assigns a case', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signInAsStaff(page, base, coordinator, 'en');
      await page.goto(`${base}/staff/cases?lang=en`);
      // The first screen shows cases: the first row is above the fold, and the count is there.
      const first = page.locator('tbody tr').first();
      const box = await first.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThan(800);
      expect(await page.locator('.queue-count').textContent()).toMatch(/^\d+ cases$/);
      expect(await page.locator(`tr[data-ref="${refs.hidden}"]`).count()).toBe(0);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // A saved view, then a filter within it.
      await Promise.all([
        page.waitForURL(/view=waiting/),
        page.getByRole('link', { name: 'Waiting for us' }).click(),
      ]);
      expect(await page.locator('nav.queue-views a[aria-current="page"]').textContent()).toBe(
        'Waiting for us',
      );
      await page.selectOption('#f-team', teamId);
      await Promise.all([page.waitForURL(/team=/), page.click('form.queue-filters button[type=submit]')]);
      expect(page.url()).toContain('view=waiting');
      const waitingRows = await page.locator('tbody tr').count();
      expect(waitingRows).toBeGreaterThan(0);
      for (const cell of await page.locator('tbody tr td:nth-child(10)').allTextContents())
        expect(cell).toBe('Kazakhstan route');

      // Sort by age: the oldest first, then the other way round.
      await Promise.all([page.waitForURL(/sort=age/), page.click('a.sort[data-sort="age"]')]);
      const ages = (await page.locator('tbody tr td:nth-child(7)').allTextContents()).map((s) =>
        Number.parseInt(s, 10),
      );
      expect(ages).toEqual([...ages].sort((a, b) => b - a));
      await Promise.all([page.waitForURL(/dir=asc/), page.click('a.sort[data-sort="age"]')]);
      const agesAsc = (await page.locator('tbody tr td:nth-child(7)').allTextContents()).map((s) =>
        Number.parseInt(s, 10),
      );
      expect(agesAsc).toEqual([...agesAsc].sort((a, b) => a - b));

      // Search two namesakes (typed in lower case) and tell them apart from the results.
      await page.goto(`${base}/staff/cases/search?lang=en`);
      await page.fill('#q', 'андрей двойников');
      await Promise.all([page.waitForLoadState(), page.click('form.stack button[type=submit]')]);
      await page.waitForSelector('tbody tr');
      expect(await page.locator('tbody tr').count()).toBe(2);
      expect(await page.locator(`tr[data-ref="${refs.older}"]`).textContent()).toContain(
        'born 1988-03-14, Тверь',
      );
      const younger = page.locator(`tr[data-ref="${refs.younger}"]`);
      expect(await younger.textContent()).toContain('born 1999-11-02, Омск');
      expect(await page.locator(`tr[data-ref="${refs.hidden}"]`).count()).toBe(0);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // Open the younger one and assign it to the caseworker.
      await Promise.all([
        page.waitForURL(new RegExp(`/staff/cases/${refs.younger}`)),
        younger.locator('a').first().click(),
      ]);
      const assign = page.locator('form[action*="/assign"]');
      await assign.locator('select[name="assigneeId"]').selectOption(caseworker.id);
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.assigned/),
        assign.locator('button[type=submit]').click(),
      ]);
      const row = await t.ctx.database.db
        .selectFrom('cases')
        .select(['assignee_id'])
        .where('ref', '=', refs.younger)
        .executeTakeFirstOrThrow();
      expect(row.assignee_id).toBe(caseworker.id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});

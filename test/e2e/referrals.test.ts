import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralsMessages as m } from '../../src/modules/referrals/index.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildCase, buildPartner, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * Issue 14's journey in Chromium, in each language: a caseworker finds a vetted host in
 * Tbilisi for a family of three arriving next week, drafts a referral, records the applicant's
 * consent, sends it; the host signs in to the partner portal, sees only the consented fields and
 * accepts; the caseworker sees the acceptance on the case timeline. axe-core checks each page.
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

const nextWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

describe.each(['ru', 'uk', 'en'] as const)('a referral to a host in Tbilisi in %s', (locale: Locale) => {
  it('is found, consented to, sent, and accepted in the partner portal', async () => {
    const [caseworker, officer, hostAccount] = await Promise.all([
      buildStaff(t.ctx, 'caseworker'),
      buildStaff(t.ctx, 'vetting_officer'),
      buildStaff(t.ctx, 'partner'),
    ]);
    const teamId = await buildTeam(t.ctx, { members: [caseworker.id] });
    const { ref } = await buildCase(t.ctx, {
      teamId,
      person: {
        givenName: 'Пётр',
        familyName: 'Скрытный',
        documents: [],
        family: [
          { relation: 'жена', name: 'Ольга' },
          { relation: 'дочь', name: 'Маша' },
        ],
      },
    });
    const hostName = `Тбилисский хозяин ${locale}`;
    const partnerId = await buildPartner(t.ctx, {
      vettedBy: officer.id,
      members: [hostAccount.id],
      form: { name: hostName, city: 'Тбилиси', languages: ['ru', 'ka'], capacityPlaces: '3' },
    });
    const staffContext = await browser.newContext({ bypassCSP: true, locale });
    const page = await staffContext.newPage();
    page.setDefaultTimeout(20_000);
    const hostContext = await browser.newContext({ bypassCSP: true, locale });
    const portal = await hostContext.newPage();
    portal.setDefaultTimeout(20_000);
    try {
      await signInAsStaff(page, base, caseworker, locale);
      await page.goto(`${base}/staff/cases/${ref}?lang=${locale}`);
      await Promise.all([
        page.waitForURL(/\/staff\/referrals\/cases\//),
        page
          .getByRole('link', { name: m(locale, 'referrals.case.link') })
          .first()
          .click(),
      ]);
      // The family of three comes from the case.
      expect(await page.locator('#mq-people').inputValue()).toBe('3');
      await page.fill('#mq-country', 'GE');
      await page.fill('#mq-city', 'Tbilisi');
      await page.fill('#mq-arrival', nextWeek());
      await page.check('#mq-languages-ru');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: m(locale, 'referrals.case.match'), exact: true }).click(),
      ]);
      const row = page.locator(`tr[data-partner="${partnerId}"]`);
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toContain(m(locale, 'referrals.why.room', { people: 3, places: 3 }));
      expect(await axeViolations(page)).toEqual([]);

      await Promise.all([page.waitForURL(/flash=/), row.getByRole('button').click()]);
      const card = page.locator('section.referral').first();
      // The caseworker records the consent the applicant gave by phone (the card also has a form
      // that asks the applicant in the inbox, with the same fields).
      const recorded = card.locator('form', { has: page.locator('select[name=via]') });
      for (const field of ['people', 'languages', 'arrival_week']) {
        await recorded.locator(`input[name=fields][value=${field}]`).check();
      }
      await recorded.locator('select[name=via]').selectOption('phone');
      expect(await axeViolations(page)).toEqual([]);
      await Promise.all([
        page.waitForURL(/flash=/),
        recorded.getByRole('button', { name: m(locale, 'referrals.case.consent') }).click(),
      ]);
      await Promise.all([
        page.waitForURL(/flash=/),
        page.getByRole('button', { name: m(locale, 'referrals.case.send') }).click(),
      ]);
      expect(await page.locator('[data-state]').first().getAttribute('data-state')).toBe('sent');
      expect(await axeViolations(page)).toEqual([]);

      // The host, in the partner portal.
      await signInAsStaff(portal, base, hostAccount, locale);
      await portal.goto(`${base}/staff/partner?lang=${locale}`);
      expect(await axeViolations(portal)).toEqual([]);
      await Promise.all([
        portal.waitForURL(/\/staff\/partner\/referrals\//),
        portal.locator('tr[data-referral] a').first().click(),
      ]);
      const packet = await portal.locator('dl.packet').textContent();
      expect(packet).toContain('3');
      expect(packet).not.toContain('Скрытный');
      expect(await portal.locator('[data-field=arrival_date]').count()).toBe(0);
      expect(await axeViolations(portal)).toEqual([]);
      await portal.check('#answer-accept');
      await Promise.all([
        portal.waitForURL(/flash=/),
        portal.getByRole('button', { name: m(locale, 'referrals.portal.answer') }).click(),
      ]);
      expect(await portal.locator('[data-state]').first().getAttribute('data-state')).toBe('accepted');

      // Back on the case: the acceptance is on the timeline.
      await page.goto(`${base}/staff/cases/${ref}?lang=${locale}`);
      expect(await page.locator('li.referral-step').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining(m(locale, 'referrals.event.accepted'))]),
      );
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await staffContext.close();
      await hostContext.close();
    }
  }, 180_000);
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceMessages as m } from '../../src/modules/evidence/evidence.messages.ts';
import { confirmTestimony, recordConsent, recordTestimony } from '../../src/modules/evidence/index.ts';
import { addAttachment, intakeRuntimeOf } from '../../src/modules/intake/index.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { jpegWithRealExif } from '../support/evidence.ts';
import { buildCase, buildTeam, staffActor } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * The evidence journey as far as the pages reach today (issue 16): an applicant's photo kept
 * as evidence and a confirmed testimony with consent for the ICC exist (through the services:
 * the forms are not built yet); a caseworker opens the case, follows "Evidence and custody",
 * reads the arrival hashes and the consent grid, and opens an item's custody. axe-core checks
 * both pages, in English and Ukrainian.
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

describe.each(['en', 'uk'] as const)('evidence of a case in %s', (locale: Locale) => {
  it('shows the items with their arrival hashes, the consent grid and an item’s custody', async () => {
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { members: [caseworker.id] });
    const kase = await buildCase(t.ctx, { teamId });
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
      data: jpegWithRealExif(),
      fileName: 'photo.jpg',
      keepOriginal: true,
    });
    const actor = staffActor(caseworker);
    const { id } = await recordTestimony(t.ctx, actor, kase.ref, {
      language: locale === 'en' ? 'en' : 'uk',
      witnessName: 'A. B.',
      witnessRole: 'driver',
      unit: 'unit 12345',
      datesAndPlaces: 'March 2022',
      events: 'Prisoners were taken from the school.',
      personsInvolved: '',
      knowledge: ['saw'],
      knowledgeDetail: '',
      interviewerNotes: 'calm',
    });
    const { itemId } = await confirmTestimony(t.ctx, actor, id, { version: 1, how: 'read back' });
    await recordConsent(t.ctx, actor, itemId, {
      destination: 'icc_otp',
      status: 'given',
      how: 'oral_recorded',
      identity: 'pseudonym',
    });
    const context = await browser.newContext({ bypassCSP: true, locale });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await signInAsStaff(page, base, caseworker, locale);
      await page.goto(`${base}/staff/cases/${kase.ref}?lang=${locale}`);
      await Promise.all([
        page.waitForURL(/\/staff\/evidence\/cases\//),
        page.getByRole('link', { name: m(locale, 'evidence.case.link') }).click(),
      ]);
      expect(await page.locator('h1').textContent()).toBe(
        m(locale, 'evidence.case.title', { ref: kase.ref }),
      );
      expect(await page.locator('td code').count()).toBe(2);
      const grid = await page.locator('section table').textContent();
      expect(grid).toContain(m(locale, 'evidence.destination.icc_otp'));
      expect(grid).toContain(
        `${m(locale, 'evidence.consent.given')}, ${m(locale, 'evidence.identity.pseudonym')}`,
      );
      expect(await axeViolations(page)).toEqual([]);

      await Promise.all([
        page.waitForURL(/\/staff\/evidence\/items\//),
        page
          .getByRole('link', { name: m(locale, 'evidence.custody.link') })
          .first()
          .click(),
      ]);
      expect(await page.locator('h1').textContent()).toBe(m(locale, 'evidence.custody.title'));
      expect(await page.locator('tbody tr').first().textContent()).toContain(
        m(locale, 'evidence.action.received'),
      );
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

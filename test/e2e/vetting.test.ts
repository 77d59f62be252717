import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vettingMessages as v } from '../../src/modules/vetting/vetting.messages.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { createAppJobRunner } from '../../src/server.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildCase, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * A vetting officer works through the review queue in Chromium: signs in, opens the queue,
 * opens the duplicate signal that the background linkage job raised for two spellings of one
 * person, reads the explanation (field by field, with weights) and the identity fields side by
 * side, and records "same person" with a reason. The decision is shown on the signal, audited,
 * and touches no case. axe-core checks the queue and the signal page.
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

describe.each(['en', 'ru'] as const)('vetting review queue in %s', (locale: Locale) => {
  it('opens the queue and a signal, shows the explanation, and records a decision with a reason', async () => {
    const db = t.ctx.database.db;
    const officer = await buildStaff(t.ctx, 'vetting_officer');
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { members: [caseworker.id] });
    // Each locale gets its own person (another surname and phone), so that its signal is new.
    const family = locale === 'en' ? ['Орлов', 'Orlov'] : ['Филатьев', 'Filatyev'];
    const phone = locale === 'en' ? '916 555 12 34' : '912 000 00 00';
    const person = (p: Record<string, string>) => ({ documents: [], family: [], ...p });
    const a = await buildCase(t.ctx, {
      teamId,
      assigneeId: caseworker.id,
      person: person({
        givenName: 'Александр',
        familyName: family[0]!,
        birthDate: '1990-04-12',
        phone: `+7 ${phone}`,
      }),
    });
    const b = await buildCase(t.ctx, {
      teamId,
      assigneeId: caseworker.id,
      person: person({
        givenName: 'Саша',
        familyName: family[1]!,
        birthDate: '1990-12-04',
        phone: `8 ${phone}`,
      }),
    });
    // The background linkage job (queued by every person write) raises the signals.
    await createAppJobRunner(t.ctx).runUntilIdle();
    const casesBefore = await db.selectFrom('cases').selectAll().orderBy('id').execute();

    // Staff pages carry no script (their CSP allows none); JavaScript stays on in this context
    // only so that axe-core can be evaluated, as in the other journeys.
    const context = await browser.newContext({ bypassCSP: true, locale });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await signInAsStaff(page, base, officer, locale);

      // The queue, from the staff navigation.
      await Promise.all([
        page.waitForURL(/\/staff\/vetting\?/),
        page.locator(`a[href="/staff/vetting?lang=${locale}"]`).first().click(),
      ]);
      expect(await page.locator('h1').first().textContent()).toBe(v(locale, 'vetting.queue.title'));
      const row = page.locator('tbody tr', { hasText: v(locale, 'vetting.kind.duplicate') }).filter({
        hasText: a.ref,
      });
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toContain(b.ref);
      expect(await axeViolations(page)).toEqual([]);

      // The signal: its explanation, field by field, and the identities side by side.
      await Promise.all([
        page.waitForURL(/\/staff\/vetting\/signals\/[0-9a-f-]{36}\?/),
        row.getByRole('link', { name: v(locale, 'vetting.signal.open') }).click(),
      ]);
      const signalUrl = page.url();
      const signalId = /signals\/([0-9a-f-]{36})/.exec(signalUrl)![1]!;
      expect(await page.getByRole('heading', { name: v(locale, 'vetting.signal.explanation') }).count()).toBe(
        1,
      );
      const main = (await page.locator('main').textContent()) ?? '';
      // The phone agrees exactly and the birth dates are a day/month swap: both are explained.
      expect(main).toMatch(/phone|телефон/i);
      expect(await page.locator('table').first().locator('tbody tr').count()).toBeGreaterThanOrEqual(5);
      expect(main).toContain(family[0]!);
      expect(main).toContain(family[1]!);
      expect(main).toContain(v(locale, 'vetting.signal.cases_untouched'));
      expect(await page.getByText(v(locale, 'vetting.signal.no_decisions')).count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);

      // Each radio button sits beside its label, not centred on a line of its own above it
      // (issue 21's layout bug), and the decision's title is shown once.
      for (const d of ['same', 'different', 'more_info']) {
        const radio = (await page.locator(`#decision-${d}`).boundingBox())!;
        const label = (await page.locator(`label[for="decision-${d}"]`).boundingBox())!;
        expect(radio.width).toBeLessThan(40);
        expect(label.x).toBeGreaterThan(radio.x + radio.width - 1);
        expect(Math.abs(label.y + label.height / 2 - (radio.y + radio.height / 2))).toBeLessThan(16);
      }
      expect(await page.getByText(v(locale, 'vetting.decide.title'), { exact: true }).count()).toBe(1);

      // A decision without a reason long enough is refused, translated, and nothing is written.
      await page.getByLabel(v(locale, 'vetting.decide.same')).check();
      await page.fill('#reason', 'short');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: v(locale, 'vetting.decide.submit') }).click(),
      ]);
      expect(await page.locator('#reason-error').count()).toBe(1);
      expect(
        await db.selectFrom('vetting_decisions').select('id').where('signal_id', '=', signalId).execute(),
      ).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);

      // The decision with its reason.
      await page.getByLabel(v(locale, 'vetting.decide.same')).check();
      await page.fill('#reason', 'Same phone, day and month swapped, Саша is Александр');
      await Promise.all([
        page.waitForURL(/\/staff\/vetting\/signals\//),
        page.getByRole('button', { name: v(locale, 'vetting.decide.submit') }).click(),
      ]);
      expect(await page.getByRole('status').first().textContent()).toContain(
        v(locale, 'vetting.flash.decided'),
      );
      const decisions = page.locator('table', { hasText: v(locale, 'vetting.col.decision') });
      expect(await decisions.textContent()).toContain(v(locale, 'vetting.decide.same'));
      expect(await decisions.textContent()).toContain('Саша is Александр');
      expect(await page.getByText(v(locale, 'vetting.signal.not_decidable')).count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);

      // Audited, labelled for the model, and no case changed.
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'target'])
        .where('action', '=', 'vetting.decide')
        .where('target', '=', `signal:${signalId}`)
        .execute();
      expect(audit).toHaveLength(1);
      expect(await db.selectFrom('cases').selectAll().orderBy('id').execute()).toEqual(casesBefore);
    } finally {
      await context.close();
    }
  }, 180_000);
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/crypto/index.ts';
import { am } from '../../src/modules/admin/admin.messages.ts';
import { auditActionLabel } from '../../src/modules/audit/index.ts';
import { organisationMessages as om } from '../../src/modules/organisation/organisation.messages.ts';
import { t as tr } from '../../src/platform/i18n/index.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../support/app.ts';
import { axeViolations, launchBrowser, listenForBrowser, recordRequests, signInAsStaff } from './browser.ts';

/**
 * Issue 21 item 4's journey in Debian's Chromium, in every locale: administrator A files a
 * second-factor reset for a caseworker on the administration page; administrator B (another
 * person) approves it there and is shown the new enrolment link; the caseworker opens it, sees
 * the TOTP QR code (an inline SVG) and the secret as text, enrols again and signs in with the new
 * secret; A, still signed in, opens the audit-log viewer, filters by actor and by action, and
 * reads the reset and the approval by readable labels (e-mails and translated action names,
 * never a UUID). Then A customises the applicant pages (issue 21 item 5): a welcome text and one
 * intake question in a draft, checked in the preview, published, and seen by an applicant on the
 * intake form. axe-core checks every page visited; nothing leaves the server.
 *
 * Each person signs in once (TOTP replay rule): A's session is reused for the audit log and
 * the organisation page.
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

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function expectAccessible(page: Page): Promise<void> {
  expect(await axeViolations(page, { rules: 'all' })).toEqual([]);
}

const heading = async (page: Page) => (await page.locator('h1').textContent())?.trim();

/** The audit entries' rows, each as its cells' texts (time, who, action, target, reason). */
async function auditRows(page: Page): Promise<string[][]> {
  return page
    .locator('#audit-entries tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent?.trim() ?? '')),
    );
}

describe.each(['ru', 'uk', 'en'] as const)(
  'an administrator resets a second factor in %s',
  (locale: Locale) => {
    it('A requests, B approves, the caseworker re-enrols with the QR code and signs in, A reads it in the audit log, then publishes a welcome text and a question applicants see', async () => {
      const adminA: TestStaff = await buildStaff(t.ctx, 'admin');
      const adminB: TestStaff = await buildStaff(t.ctx, 'admin');
      const caseworker: TestStaff = await buildStaff(t.ctx, 'caseworker');
      const contexts: BrowserContext[] = [];
      const open = async () => {
        const context = await browser.newContext({ locale });
        contexts.push(context);
        const requests = recordRequests(context);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        return { page, requests, errors };
      };
      try {
        // 1. Administrator A files the reset on the administration page: only a request.
        const a = await open();
        await signInAsStaff(a.page, base, adminA, locale);
        await expectAccessible(a.page);
        await Promise.all([
          a.page.waitForURL(/\/staff\/admin\?/),
          a.page.click('header nav a[href^="/staff/admin?"]'),
        ]);
        expect(await heading(a.page)).toBe(tr(locale, 'staff.admin'));
        await expectAccessible(a.page);
        await a.page.selectOption('#reset-staff', { label: caseworker.email });
        await Promise.all([
          a.page.waitForURL(/\/staff\/admin\/requests\/second-factor/),
          a.page.click('form[action^="/staff/admin/requests/second-factor"] button[type=submit]'),
        ]);
        expect(await a.page.locator('main').textContent()).toContain(am(locale, 'admin.request_filed'));
        const filed = a.page.locator('#requests li[data-request]', { hasText: caseworker.email });
        expect(await filed.count()).toBe(1);
        // The requester cannot approve their own request.
        expect(await filed.locator('form').count()).toBe(0);
        expect(await filed.textContent()).toContain(am(locale, 'admin.request_mine'));
        expect(await a.page.locator('#created-link').count()).toBe(0);
        await expectAccessible(a.page);

        // 2. Administrator B (another person) approves it and is shown the new enrolment link.
        const b = await open();
        await signInAsStaff(b.page, base, adminB, locale);
        await b.page.goto(`${base}/staff/admin?lang=${locale}`);
        const pending = b.page.locator('#requests li[data-request]', { hasText: caseworker.email });
        expect(await pending.count()).toBe(1);
        expect(await pending.textContent()).toContain(adminA.email);
        expect(await pending.textContent()).not.toMatch(UUID);
        await expectAccessible(b.page);
        await Promise.all([
          b.page.waitForURL(/\/staff\/admin\/requests\/[0-9a-f-]{36}\/approve/),
          pending.locator('form[action*="/approve"] button[type=submit]').click(),
        ]);
        expect(await b.page.locator('main').textContent()).toContain(am(locale, 'admin.request_approved'));
        expect(
          await b.page.locator('#requests li[data-request]', { hasText: caseworker.email }).count(),
        ).toBe(0);
        const shown = (await b.page.locator('#created-link code').textContent())?.trim() ?? '';
        const enrolPath = /\/staff\/enrol\/[A-Za-z0-9_-]{43}$/.exec(shown)?.[0];
        expect(enrolPath, shown).toBeDefined();
        await expectAccessible(b.page);

        // 3. The caseworker re-enrols through the link: QR code as an SVG, the secret as text.
        const c = await open();
        await c.page.goto(`${base}${enrolPath}?lang=${locale}`);
        expect(await heading(c.page)).toBe(tr(locale, 'enrol.title'));
        expect(await c.page.locator('#totp-secret').count()).toBe(0);
        await expectAccessible(c.page);
        await Promise.all([
          c.page.waitForURL(/\/start\?/),
          c.page.click('form[action*="/start"] button[type=submit]'),
        ]);
        const qr = c.page.locator('#totp-qr svg[role=img]');
        expect(await qr.isVisible()).toBe(true);
        expect(await qr.locator('path, rect').count()).toBeGreaterThan(0);
        const secret = (await c.page.locator('#totp-secret').textContent())?.trim() ?? '';
        expect(secret).toMatch(/^[A-Z2-7]{32}$/);
        expect(secret).not.toBe(caseworker.totpSecret);
        await expectAccessible(c.page);
        const password = `a new and private passphrase ${locale}`;
        await c.page.fill('#password', password);
        await c.page.fill('#passwordRepeat', password);
        await c.page.fill('#totp', totpCode(secret));
        await Promise.all([
          c.page.waitForURL((url) => !url.pathname.endsWith('/start')),
          c.page.click(`form[action^="${enrolPath}"] button[type=submit]`),
        ]);
        expect(await c.page.locator('main p.ok').textContent()).toBe(tr(locale, 'enrol.done'));
        await expectAccessible(c.page);
        await signInAsStaff(c.page, base, { ...caseworker, password, totpSecret: secret }, locale);
        expect(c.page.url()).toMatch(/\/staff\?/);
        await expectAccessible(c.page);

        // 4. A (signed in once, still) reads the audit log, filtered by actor and then by action.
        await a.page.goto(`${base}/staff/admin?lang=${locale}`);
        await Promise.all([a.page.waitForURL(/\/staff\/admin\/audit\?/), a.page.click('#audit-log-link')]);
        expect(await heading(a.page)).toBe(am(locale, 'admin.audit_title'));
        await expectAccessible(a.page);

        const resetLabel = auditActionLabel(locale, 'staff.second_factor_reset');
        const requestLabel = auditActionLabel(locale, 'approval.request');
        const approveLabel = auditActionLabel(locale, 'case.approval_approve');
        // Every label is a translated name, not the raw action.
        for (const label of [resetLabel, requestLabel, approveLabel])
          expect(label).not.toMatch(/^[a-z_]+\.[a-z_]+$/);

        const filter = async (actor: TestStaff, action: string | null) => {
          await a.page.selectOption('#audit-actor', { label: actor.email });
          await a.page.selectOption(
            '#audit-action',
            action === null ? { value: '' } : { label: auditActionLabel(locale, action) },
          );
          await Promise.all([
            a.page.waitForURL((url) => url.searchParams.get('actor') === actor.id),
            a.page.click('#audit-filters button[type=submit]'),
          ]);
          expect(await a.page.locator('#audit-actor').inputValue()).toBe(actor.id);
          const table = (await a.page.locator('#audit-entries').textContent()) ?? '';
          expect(table).not.toMatch(UUID);
          await expectAccessible(a.page);
          return auditRows(a.page);
        };

        // By actor A: the request A filed, and the reset (executed on A's request, approved by B).
        const byA = await filter(adminA, null);
        expect(byA.every((row) => row[1] === adminA.email)).toBe(true);
        const actionsOfA = byA.map((row) => row[2]);
        expect(actionsOfA).toContain(requestLabel);
        expect(actionsOfA).toContain(resetLabel);
        const resetRow = byA.find((row) => row[2] === resetLabel)!;
        expect(resetRow[3]).toBe(caseworker.email);
        expect(resetRow[4]).toContain(adminB.email);

        // By actor A and the reset action: only the reset.
        const resets = await filter(adminA, 'staff.second_factor_reset');
        expect(resets.map((row) => row.slice(1, 4))).toEqual([[adminA.email, resetLabel, caseworker.email]]);

        // By actor B and the approval action: B's approval of the reset, about the caseworker.
        const approvals = await filter(adminB, 'case.approval_approve');
        expect(approvals.map((row) => row.slice(1, 4))).toEqual([
          [adminB.email, approveLabel, caseworker.email],
        ]);

        // 5. A sets a welcome text and one intake question, previews the draft, and publishes it.
        await Promise.all([
          a.page.waitForURL(/\/staff\/organisation\?/),
          a.page.click('header nav a[href^="/staff/organisation?"]'),
        ]);
        expect(await heading(a.page)).toBe(om(locale, 'organisation.title'));
        await expectAccessible(a.page);
        const welcome = `Welcome (${locale}): write to us in any language.`;
        const question = `Which border crossing are you near (${locale})?`;
        await a.page.fill(`#welcome_${locale}`, welcome);
        await a.page.selectOption('#q1_type', 'short_text');
        await a.page.fill(`#q1_label_${locale}`, question);
        await Promise.all([a.page.waitForURL(/flash=/), a.page.click('#org-form button[type=submit]')]);
        expect(await a.page.locator('main').textContent()).toContain(om(locale, 'organisation.flash.saved'));
        await expectAccessible(a.page);
        // The preview is the applicant form as it will look; applicants still see the old one.
        await Promise.all([
          a.page.waitForURL(/\/staff\/organisation\/preview\?/),
          a.page.click('a[href^="/staff/organisation/preview?"]'),
        ]);
        expect(await a.page.locator('main').textContent()).toContain(welcome);
        expect(await a.page.locator('label[for="oq_q1"]').textContent()).toContain(question);
        await expectAccessible(a.page);
        await a.page.goBack();
        await Promise.all([
          a.page.waitForURL(/flash=/),
          a.page.click('form[action^="/staff/organisation/publish"] button[type=submit]'),
        ]);
        expect(await a.page.locator('main').textContent()).toContain(
          om(locale, 'organisation.flash.published'),
        );
        expect(await a.page.locator('#publish-h').count()).toBe(0);
        await expectAccessible(a.page);

        // 6. An applicant opens the intake form: the welcome text and the question are there.
        const applicant = await open();
        await applicant.page.goto(`${base}/?lang=${locale}`);
        expect(await applicant.page.locator('main').textContent()).toContain(welcome);
        const asked = applicant.page.locator('label[for="oq_q1"]');
        expect(await asked.textContent()).toContain(question);
        expect(await applicant.page.locator('#oq_q1').isVisible()).toBe(true);
        await expectAccessible(applicant.page);

        for (const who of [a, b, c, applicant]) {
          expect(who.errors).toEqual([]);
          expect(who.requests.filter((u) => !u.startsWith(base))).toEqual([]);
        }
      } finally {
        for (const context of contexts) await context.close();
      }
    }, 180_000);
  },
);

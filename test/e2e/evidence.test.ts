import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceMessages as m } from '../../src/modules/evidence/evidence.messages.ts';
import { linkMessages as lm } from '../../src/modules/evidence/links.messages.ts';
import { addApplicantMessage } from '../../src/modules/cases/index.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { checkerboardJpeg, expectRecipientVerifies } from '../support/evidence.ts';
import { buildCase, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * The done-when journey of issue 16, through the pages only: a caseworker adds the
 * applicant's photo as evidence; an evidence officer keeps the applicant's messages, records
 * a testimony from the template drawing on them and the photo, edits it (version 2), records
 * the witness's confirmation, consents it and the photo for the ICC under a pseudonym,
 * prepares the pseudonym redaction and the photo's regions (clicked on the picture), and is
 * told what blocks the export; the caseworker reviews and confirms both redactions; the
 * officer exports and downloads the signed bundle, which `sanctuary evidence verify` accepts
 * in a directory holding nothing but the bundle and the public key. axe-core checks every page.
 */
let t: TestApp;
let base: string;
let browser: Browser;
const locale: Locale = 'uk';

beforeAll(async () => {
  t = await buildTestApp();
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function noAxeViolations(page: Page): Promise<void> {
  expect(await axeViolations(page), page.url()).toEqual([]);
}

/** Submits the form holding `button` and waits for the page it leads to. */
async function submit(page: Page, button: string, url: RegExp): Promise<void> {
  await Promise.all([page.waitForURL(url), page.getByRole('button', { name: button }).click()]);
}

describe('the evidence journey', () => {
  it('records, confirms, consents, redacts, reviews, exports; the bundle verifies with only the public key', async () => {
    const officer = await buildStaff(t.ctx, 'evidence_officer');
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { members: [officer.id, caseworker.id] });
    const kase = await buildCase(t.ctx, { teamId });
    await addApplicantMessage(t.ctx, kase.id, 'Мене звати Іван Петренко, я служив у в/ч 12345.');
    await addApplicantMessage(t.ctx, kase.id, 'У березні 2022 року полонених вивели зі школи.');
    const evidence = `${base}/staff/evidence/cases/${kase.ref}?lang=${locale}`;
    const away = mkdtempSync(join(tmpdir(), 'sanctuary-e2e-evidence-'));
    const officerContext = await browser.newContext({ bypassCSP: true, locale, acceptDownloads: true });
    const cwContext = await browser.newContext({ bypassCSP: true, locale });
    const page = await officerContext.newPage();
    const cw = await cwContext.newPage();
    page.setDefaultTimeout(20_000);
    cw.setDefaultTimeout(20_000);
    try {
      // The caseworker adds the applicant's photo as evidence (a file with EXIF).
      writeFileSync(join(away, 'photo.jpg'), await checkerboardJpeg());
      await signInAsStaff(cw, base, caseworker, locale);
      await cw.goto(evidence);
      await cw
        .getByLabel(m(locale, 'evidence.upload.file'), { exact: true })
        .setInputFiles(join(away, 'photo.jpg'));
      await submit(cw, m(locale, 'evidence.upload.submit'), /flash=evidence\.flash\.uploaded/);
      await noAxeViolations(cw);

      // The officer keeps both messages as evidence.
      await signInAsStaff(page, base, officer, locale);
      await page.goto(evidence);
      await noAxeViolations(page);
      for (const box of await page.locator('input[name=message]').all()) await box.check();
      await submit(page, m(locale, 'evidence.messages.submit'), /flash=evidence\.flash\.captured/);
      expect(await page.locator('td code').count()).toBe(3);

      // A testimony from the template, drawing on the messages and the photo.
      await Promise.all([
        page.waitForURL(/\/testimony\/new/),
        page.getByRole('link', { name: m(locale, 'evidence.testimony.new') }).click(),
      ]);
      await noAxeViolations(page);
      await page.getByLabel(m(locale, 'testimony.witnessName'), { exact: true }).fill('Іван Петренко');
      await page.getByLabel(m(locale, 'testimony.witnessRole'), { exact: true }).fill('водій');
      await page.getByLabel(m(locale, 'testimony.unit'), { exact: true }).fill('в/ч 12345');
      await page
        .getByLabel(m(locale, 'testimony.datesAndPlaces'), { exact: true })
        .fill('березень 2022, Буча');
      await page
        .getByLabel(m(locale, 'testimony.events'), { exact: true })
        .fill('Іван бачив, як полонених вивели зі школи.');
      await page.getByLabel(m(locale, 'testimony.knowledge.saw'), { exact: true }).check();
      for (const box of await page.locator('input[name=sources]').all()) await box.check();
      await submit(
        page,
        m(locale, 'evidence.testimony.save'),
        /\/staff\/evidence\/testimony\/[0-9a-f-]{36}\?/,
      );
      await noAxeViolations(page);

      // An edit makes version 2; the witness confirms version 2 when it is read back.
      await page.getByLabel(m(locale, 'testimony.knowledge.heard'), { exact: true }).check();
      await submit(page, m(locale, 'evidence.testimony.save'), /flash=evidence\.flash\.saved/);
      expect(await page.locator('h1').textContent()).toContain(', версія 2');
      await page
        .getByLabel(m(locale, 'evidence.testimony.confirm_how'), { exact: true })
        .fill('зачитано телефоном, сказав «так»');
      await submit(page, m(locale, 'evidence.testimony.confirm_submit'), /flash=evidence\.flash\.confirmed/);
      await noAxeViolations(page);

      // The confirmed testimony: consent for the ICC under a pseudonym, and its redaction.
      await Promise.all([
        page.waitForURL(/\/staff\/evidence\/items\//),
        page.getByRole('link', { name: m(locale, 'evidence.testimony.item') }).click(),
      ]);
      const consentFor = async (how: string) => {
        await page.getByLabel(m(locale, 'evidence.col.destination'), { exact: true }).selectOption('icc_otp');
        await page.getByLabel(m(locale, 'evidence.consent.status'), { exact: true }).selectOption('given');
        await page.getByLabel(m(locale, 'evidence.consent.how'), { exact: true }).selectOption(how);
        await page
          .getByLabel(m(locale, 'evidence.consent.identity'), { exact: true })
          .selectOption('pseudonym');
        await submit(page, m(locale, 'evidence.consent.submit'), /flash=evidence\.flash\.consent/);
      };
      await consentFor('oral_recorded');
      await noAxeViolations(page);
      await page.getByLabel(m(locale, 'evidence.redaction.pseudonym'), { exact: true }).fill('Свідок А');
      await submit(page, m(locale, 'evidence.redaction.prepare'), /\/staff\/evidence\/redactions\//);
      expect(await page.locator('pre').textContent()).not.toContain('Петренко');
      expect(await page.getByRole('status').last().textContent()).toBe(m(locale, 'evidence.review.own'));
      await noAxeViolations(page);
      const textReview = page.url();

      // The photo: consent under a pseudonym, and a region clicked on the picture.
      await page.goto(evidence);
      await Promise.all([
        page.waitForURL(/\/staff\/evidence\/items\//),
        page
          .getByRole('row', { name: /photo\.jpg/ })
          .getByRole('link', { name: m(locale, 'evidence.custody.link') })
          .click(),
      ]);
      await consentFor('written');
      // The unit the photo shows, linked; the list across cases finds this item (ADR 0199).
      await page.getByLabel(lm(locale, 'evidence.links.kind'), { exact: true }).selectOption('unit');
      await page.getByLabel(lm(locale, 'evidence.links.name'), { exact: true }).fill('в/ч 12345');
      await submit(page, lm(locale, 'evidence.links.add'), /flash=evidence\.flash\.linked/);
      const itemPage = page.url();
      await Promise.all([
        page.waitForURL(/\/staff\/evidence\/units\?link=/),
        page.getByRole('link', { name: lm(locale, 'evidence.links.others') }).click(),
      ]);
      expect(await page.getByRole('table').textContent()).toContain('photo.jpg');
      await noAxeViolations(page);
      await page.goto(itemPage);
      await Promise.all([
        page.waitForURL(/\/regions\?/),
        page.getByRole('link', { name: m(locale, 'evidence.redaction.choose') }).click(),
      ]);
      // Drawn at half its size (64 × 48 as 32 × 24): the clicks are converted to the photo's pixels (ADR 0200).
      await Promise.all([page.waitForURL(/dw=32/), page.getByRole('link', { name: '50 %' }).click()]);
      const picture = page.getByRole('button', { name: m(locale, 'evidence.choose.image_alt') });
      expect(await picture.boundingBox()).toMatchObject({ width: 32, height: 24 });
      await Promise.all([page.waitForURL(/at\.x=1&/), picture.click({ position: { x: 1, y: 1 } })]);
      await noAxeViolations(page);
      await Promise.all([page.waitForURL(/at\.x=10/), picture.click({ position: { x: 10, y: 14 } })]);
      expect(
        await page.getByLabel(m(locale, 'evidence.redaction.regions'), { exact: true }).inputValue(),
      ).toBe('2 2 20 28');
      await page.getByLabel(m(locale, 'evidence.redaction.mode'), { exact: true }).selectOption('blur');
      await submit(page, m(locale, 'evidence.redaction.prepare'), /\/staff\/evidence\/redactions\//);
      await noAxeViolations(page);
      const photoReview = page.url();

      // Not yet: the export says what blocks it.
      await page.goto(evidence);
      const exportItems = page.locator('input[name=item]');
      const names = await page.locator('input[name=item] + label').allTextContents();
      for (const [i, name] of names.entries()) {
        if (name.includes(m(locale, 'evidence.channel.testimony')) || name.includes('photo.jpg'))
          await exportItems.nth(i).check();
      }
      await page
        .getByLabel(m(locale, 'evidence.export.destination'), { exact: true })
        .selectOption('icc_otp');
      await page.getByLabel(m(locale, 'evidence.export.pseudonym'), { exact: true }).fill('Свідок А');
      await page
        .getByLabel(m(locale, 'evidence.export.reason'), { exact: true })
        .fill('запит Офісу Прокурора МКС № 7');
      await page.getByRole('button', { name: m(locale, 'evidence.export.submit') }).click();
      await page.locator('#export-blocked').waitFor();
      const blocked = await page.locator('#export-blocked').textContent();
      expect(blocked).toContain(m(locale, 'evidence.export.blocked'));
      expect(blocked).toContain('photo.jpg');
      await noAxeViolations(page);

      // The caseworker reviews and confirms both redactions.
      for (const review of [textReview, photoReview]) {
        await cw.goto(review);
        await noAxeViolations(cw);
        await submit(cw, m(locale, 'evidence.review.confirm'), /flash=evidence\.flash\.reviewed/);
      }

      // The export: the form is still filled in; the signed bundle downloads.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: m(locale, 'evidence.export.submit') }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^evidence-[0-9a-f-]{36}\.zip$/);
      const zip = readFileSync(await download.path());
      const key = await page.request.get(`${base}/staff/evidence/key`);
      expect(key.status()).toBe(200);

      // The recipient's machine: only the bundle and the public key, no data directory.
      const recipient = join(away, 'recipient');
      for (const [name, data] of Object.entries(unzipSync(new Uint8Array(zip)))) {
        mkdirSync(dirname(join(recipient, 'bundle', name)), { recursive: true });
        writeFileSync(join(recipient, 'bundle', name), data);
      }
      writeFileSync(join(recipient, 'org.pem'), await key.body());
      await expectRecipientVerifies(recipient, 2);
      const files = readdirSync(join(recipient, 'bundle', 'data', 'items'), { recursive: true }).map(String);
      expect(files.filter((f) => /redacted\.(json|jpg)$/.test(f))).toHaveLength(2);
    } finally {
      await officerContext.close();
      await cwContext.close();
      rmSync(away, { recursive: true, force: true });
    }
  });
});

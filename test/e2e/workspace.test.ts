import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addApplicantMessage,
  listApplicantVisibleMessages,
  casesMessages as m,
} from '../../src/modules/cases/index.ts';
import { im } from '../../src/modules/intake/intake.messages.ts';
import type { Locale } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../support/app.ts';
import { buildTeam } from '../support/factories.ts';
import { jpegWithExif } from '../support/file-fixtures.ts';
import { intakeTestConfig } from '../support/intake.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * The whole journey in Debian's Chromium, in every locale: an applicant submits the web form, a
 * caseworker signs in with TOTP, finds it in the queue, triages, assigns, writes a note and
 * a reply (which the applicant's inbox reads), adds a task and closes the case with a
 * reason; the applicant signs back in with the codename and reads the reply. The caseworker
 * also uploads a photo to the case file and downloads it: the browser gets a download
 * (Content-Disposition: attachment), never a rendered page, and the metadata is gone.
 * axe-core checks the queue and the case page; a story holding a script shows as text and
 * does not run.
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

describe.each(['ru', 'uk', 'en'] as const)('caseworker journey in %s', (locale: Locale) => {
  it('applicant submits; caseworker signs in, triages, assigns, uploads and downloads a document, notes, replies, adds a task, closes; applicant reads the reply', async () => {
    const caseworker: TestStaff = await buildStaff(t.ctx, 'caseworker');
    await buildTeam(t.ctx, { name: `Triage ${locale}`, triage: true, members: [caseworker.id] });
    const teamId = await buildTeam(t.ctx, { name: `Kazakhstan route ${locale}`, members: [caseworker.id] });
    // 1. The applicant submits through the web form (JavaScript off, as in Tor Browser at Safest).
    const evil = '<script>window.pwned = 1</script><b>bold?</b>';
    const applicant = await browser.newContext({ javaScriptEnabled: false });
    const form = await applicant.newPage();
    await form.goto(`${base}/?lang=${locale}`);
    await form.getByLabel(im(locale, 'form.type.deserter')).check();
    await form.getByLabel(im(locale, 'form.urgency.hiding')).check();
    await form.getByLabel(im(locale, 'form.need.leave')).check();
    await form.locator('#story').fill(`Мне пришла повестка. ${evil}`);
    await form.getByRole('button', { name: im(locale, 'form.submit') }).click();
    await form.waitForLoadState();
    const codename = (await form.locator('#codename').textContent())?.trim() ?? '';
    expect(codename).not.toBe('');
    const created = await t.ctx.database.db
      .selectFrom('cases')
      .select(['id', 'ref'])
      .orderBy('created_on', 'desc')
      .orderBy('updated_at', 'desc')
      .executeTakeFirstOrThrow();
    await addApplicantMessage(t.ctx, created.id, `Пожалуйста, помогите. ${evil}`);

    const context = await browser.newContext({ bypassCSP: true, locale });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signInAsStaff(page, base, caseworker, locale);

      await page.goto(`${base}/staff/cases?lang=${locale}`);
      const row = page.locator(`tr[data-ref="${created.ref}"]`);
      await expect(row.count()).resolves.toBe(1);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);
      await Promise.all([
        page.waitForURL(new RegExp(`/staff/cases/${created.ref}`)),
        row.locator('a').first().click(),
      ]);

      // The story and the message are text; the script did not run.
      expect(await page.locator('#case-story').textContent()).toContain('<script>window.pwned = 1</script>');
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('b', { hasText: 'bold?' }).count()).toBe(0);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // Triage.
      await page.selectOption('#status-to', 'triaged');
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.status_changed/),
        page.click('form[action*="/status"] button[type=submit]'),
      ]);
      expect(await page.locator('#case-status').textContent()).toBe(m(locale, 'cases.status.triaged'));

      // Assign to the team and to oneself.
      await page.selectOption('#assign-team', teamId);
      await page.selectOption('#assign-person', caseworker.id);
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.assigned/),
        page.click('form[action*="/assign"] button[type=submit]'),
      ]);
      expect(await page.locator('#case-assignee').textContent()).toBe(caseworker.email);

      // Internal note.
      await page.fill('#note-body', `Note in ${locale}: checked the summons photo.`);
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.note_added/),
        page.click('form[action*="/notes"] button[type=submit]'),
      ]);

      // A document: uploaded through the form, listed in the timeline, downloaded (not shown).
      await page.setInputFiles('#document-file', {
        name: `повестка ${locale}.jpg`,
        mimeType: 'image/jpeg',
        buffer: jpegWithExif(),
      });
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.document_added/),
        page.click('form[action*="/attachments"] button[type=submit]'),
      ]);
      const docLink = page.locator('#case-documents a.document').first();
      expect(await docLink.textContent()).toBe(`повестка ${locale}.jpg`);
      expect(await page.locator('ol.timeline li.document').count()).toBe(1);
      const href = await docLink.getAttribute('href');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        // Navigating to the file itself: the server's attachment header makes it a download.
        page.goto(`${base}${href}`).catch(() => undefined),
      ]);
      expect(download.suggestedFilename()).toBe(`повестка ${locale}.jpg`);
      const chunks: Buffer[] = [];
      for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
      const file = Buffer.concat(chunks);
      expect(file.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      expect(file.includes(Buffer.from('secret-location'))).toBe(false);
      await page.goto(`${base}/staff/cases/${created.ref}?lang=${locale}`);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // Reply from a template, in the applicant's language (Russian), then edited.
      await page.selectOption('#template', 'acknowledge');
      await page.selectOption('#template-lang', 'ru');
      await Promise.all([page.waitForURL(/template=acknowledge.*#reply$/), page.click('#reply-insert')]);
      const draft = await page.inputValue('#reply-body');
      expect(draft).toContain('Здравствуйте');
      await page.fill('#reply-body', `${draft} (${locale})`);
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.reply_sent/),
        page.click('form[action*="/replies"] button[type=submit]:not([name])'),
      ]);

      // A task with a deadline.
      await page.selectOption('#task-kind', 'summons');
      await page.fill('#task-title', 'Явка по повестке');
      await page.fill('#task-due', '2030-03-01');
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.task_added/),
        page.click(`form[action*="/tasks?lang=${locale}#"] button[type=submit]`),
      ]);
      expect(await page.locator('#tasks-h + ul').textContent()).toContain('Явка по повестке');

      // The applicant's inbox reads the reply (and never the note).
      const inbox = await listApplicantVisibleMessages(t.ctx, created.id);
      expect(inbox.map((x) => x.direction).slice(-2)).toEqual(['in', 'out']);
      expect(inbox.at(-1)!.body).toContain(`(${locale})`);
      expect(inbox.some((x) => x.body.includes('Note in'))).toBe(false);

      // Close with a reason.
      await page.selectOption('#status-to', 'closed');
      await page.selectOption('#status-closing', 'reached_safety');
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.status_changed/),
        page.click('form[action*="/status"] button[type=submit]'),
      ]);
      expect(await page.locator('#case-status').textContent()).toBe(m(locale, 'cases.status.closed'));
      expect(await page.locator('main').textContent()).toContain(m(locale, 'cases.closing.reached_safety'));
      expect(errors).toEqual([]);

      // 3. The applicant signs back in with the codename and reads the reply.
      await form.goto(`${base}/inbox?lang=${locale}`);
      await form.locator('#codename').fill(codename);
      await form.getByRole('button', { name: im(locale, 'signin.submit') }).click();
      await form.waitForLoadState();
      expect(await form.locator('main').textContent()).toContain(`(${locale})`);
    } finally {
      await context.close();
      await applicant.close();
    }
  });
});

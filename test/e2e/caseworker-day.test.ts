import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesMessages as m } from '../../src/modules/cases/index.ts';
import { t as tr } from '../../src/platform/i18n/index.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildCase, buildTeam } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * A caseworker's day (issue 21, done-when), in Debian's Chromium with axe on every page: sign
 * in, home, the queue through the navigation's "Cases", a case file through its reference
 * link; a reply begun by hand, a template inserted after it (the typed text kept), the draft
 * still there after leaving the page and coming back; the reply sent, a task added (a reply
 * typed meanwhile and not saved is kept by the page's small script), the status changed. After each action the page is back at the section it came from (#reply,
 * #tasks, #case-head). At 1280×800 the conversation and the person panel stand side by side;
 * on a phone they are one column; check boxes sit beside their labels.
 * Navigation goes through stable links only (the navigation's "Cases", a case reference), so
 * the home and queue redesigns can change around it.
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

/** The element's top is within the viewport (the redirect's anchor brought it into view). */
async function inView(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const r = document.querySelector(sel)?.getBoundingClientRect();
    return r !== undefined && r.top >= -2 && r.top < window.innerHeight;
  }, selector);
}

describe('a caseworker’s day', () => {
  it('home, queue, case file; reply with a template (draft kept), task, status; back at the anchor each time', async () => {
    const l = 'uk' as const;
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const teamId = await buildTeam(t.ctx, { name: 'Маршрут через Казахстан', members: [caseworker.id] });
    const { ref } = await buildCase(t.ctx, {
      teamId,
      assigneeId: caseworker.id,
      person: {
        givenName: 'Олег',
        familyName: 'Коваль',
        documents: [{ type: 'загранпаспорт', number: '75 7654321' }],
        family: [],
      },
      story: 'Мені прийшла повістка.',
    });

    const context = await browser.newContext({
      bypassCSP: false,
      locale: l,
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // Home.
      await signInAsStaff(page, base, caseworker, l);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // The queue, through the navigation.
      await Promise.all([
        page.waitForURL(/\/staff\/cases\?/),
        page
          .getByRole('navigation', { name: 'staff' })
          .getByRole('link', { name: tr(l, 'staff.cases'), exact: true })
          .click(),
      ]);
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // The case file, through its reference.
      const openCase = () =>
        Promise.all([
          page.waitForURL(new RegExp(`/staff/cases/${ref}\\?`)),
          page.getByRole('link', { name: ref, exact: true }).first().click(),
        ]);
      await openCase();
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);
      expect(await page.locator('h1').textContent()).toBe(m(l, 'cases.case.title', { ref }));
      expect(await page.locator('#case-person').textContent()).toContain('Коваль Олег');
      expect(await page.locator('#case-assignee').textContent()).toBe(caseworker.email);
      // The earlier free-text document is still readable, as written.
      expect(await page.locator('#doc-0-number').inputValue()).toBe('75 7654321');
      expect(await page.locator('#doc-0-type option:checked').textContent()).toContain('загранпаспорт');
      // Wide screen: the conversation on the left, the person panel on the right.
      const reply = (await page.locator('#reply').boundingBox())!;
      const person = (await page.locator('#person').boundingBox())!;
      expect(person.x).toBeGreaterThan(reply.x + reply.width - 1);

      // A reply begun by hand, then a template inserted: the typed text stays first.
      await page.fill('#reply-body', 'Ось що ми можемо зробити.');
      await page.selectOption('#template', 'safety');
      await page.selectOption('#template-lang', 'uk');
      await Promise.all([page.waitForURL(/#reply$/), page.click('#reply-insert')]);
      const draft = await page.inputValue('#reply-body');
      expect(draft.startsWith('Ось що ми можемо зробити.\n\nВітаємо, Олег. Доки')).toBe(true);
      expect(await inView(page, '#reply')).toBe(true);
      expect(await page.inputValue('#template')).toBe('safety');
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // Away to the queue and back: the draft is still there (kept on the server, encrypted).
      await page
        .getByRole('navigation', { name: 'staff' })
        .getByRole('link', { name: tr(l, 'staff.cases'), exact: true })
        .click();
      await page.waitForURL(/\/staff\/cases\?/);
      await openCase();
      expect(await page.inputValue('#reply-body')).toBe(draft);
      // Nothing of the draft is kept in the browser.
      expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

      // Send it: back at the reply box, which is empty again; the reply is on the timeline.
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.reply_sent.*#reply$/),
        page.click('#reply button[type=submit]:not([name])'),
      ]);
      expect(await inView(page, '#reply')).toBe(true);
      expect(await page.inputValue('#reply-body')).toBe('');
      expect(await page.locator('ol.timeline li').first().textContent()).toContain(
        'Ось що ми можемо зробити.',
      );

      // A task, while a new reply is being typed and not saved: back at the tasks, and the
      // script kept the unsaved draft (on the server) before sending the task form.
      await page.fill('#reply-body', 'Ще одне питання.');
      await page.selectOption('#task-kind', 'call');
      await page.fill('#task-title', 'Зателефонувати ввечері');
      await page.fill('#task-due', '2030-03-01');
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.task_added.*#tasks$/),
        page.click('#tasks form.stack button[type=submit]'),
      ]);
      expect(await inView(page, '#tasks')).toBe(true);
      expect(await page.locator('#tasks ul').textContent()).toContain('Зателефонувати ввечері');
      expect(await page.locator('#case-due').textContent()).toContain('2030-03-01');
      expect(await page.inputValue('#reply-body')).toBe('Ще одне питання.');
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // The status: back at the header, which shows it.
      await page.selectOption('#status-to', 'triaged');
      await Promise.all([
        page.waitForURL(/flash=cases\.flash\.status_changed.*#case-head$/),
        page.click('#status button[type=submit]'),
      ]);
      expect(await inView(page, '#case-head')).toBe(true);
      expect(await page.locator('#case-status').textContent()).toBe(m(l, 'cases.status.triaged'));
      expect(await axeViolations(page, { rules: 'all' })).toEqual([]);

      // On a phone, one column.
      await page.setViewportSize({ width: 390, height: 844 });
      const narrowReply = (await page.locator('#reply').boundingBox())!;
      const narrowPerson = (await page.locator('#person').boundingBox())!;
      expect(Math.abs(narrowPerson.x - narrowReply.x)).toBeLessThan(2);
      expect(narrowPerson.y).toBeGreaterThan(narrowReply.y);
      await page.setViewportSize({ width: 1280, height: 800 });

      // The pathways check: every check box sits beside its label, not on a line of its own.
      await page.goto(`${base}/staff/cases/${ref}/pathways?lang=${l}`);
      const boxes = page.locator('label > input[type=checkbox]');
      expect(await boxes.count()).toBeGreaterThan(0);
      for (const box of await boxes.all()) {
        const b = (await box.boundingBox())!;
        const label = (await box.locator('xpath=..').boundingBox())!;
        expect(b.width).toBeLessThan(40);
        // One line: the label is no taller than about two lines of text.
        expect(label.height).toBeLessThan(60);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { im } from '../../src/modules/intake/intake.messages.ts';
import { tm } from '../../src/modules/tracing/tracing.messages.ts';
import { createAppJobRunner } from '../../src/server.ts';
import { buildStaff, buildTestApp, type TestApp } from '../support/app.ts';
import { buildCase } from '../support/factories.ts';
import { intakeTestConfig } from '../support/intake.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * Family tracing in Chromium (issue 20, done-when): a mother writes in Russian, without
 * JavaScript, and files a tracing request for «Иванов Сергей Петрович», born 1999-03-14; her
 * son's case was filed in Latin script ("Sergei Ivanov", same date). The caseworker sees the
 * proposal with its explanation and confirms it; the son's consent ("alive and safe" and a
 * short message) is recorded on his case; the mother's inbox shows only that. axe-core checks
 * the request page and the staff page.
 */
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const SON_MESSAGE = 'Мама, я в Грузии, всё хорошо.';
const SON_CONTACT = 'never-passed-on-5521';

describe('family tracing', () => {
  it('matches a request in Russian to a case in Latin script, and passes on only what he allowed', async () => {
    const db = t.ctx.database.db;
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    const son = await buildCase(t.ctx, {
      assigneeId: caseworker.id,
      person: {
        givenNameLatin: 'Sergei',
        familyNameLatin: 'Ivanov',
        birthDate: '1999-03-14',
        documents: [],
        family: [],
      },
    });
    // The background linkage job (queued by every person write) indexes his case.
    await createAppJobRunner(t.ctx).runUntilIdle();

    // The mother, without JavaScript, in Russian.
    const mother = await browser.newContext({ javaScriptEnabled: false, locale: 'ru' });
    const foreign: string[] = [];
    const bytes = new Map<string, number>();
    mother.on('request', (r) => {
      if (!r.url().startsWith(base)) foreign.push(r.url());
    });
    mother.on('response', async (r) => {
      if (r.url().startsWith(base)) bytes.set(r.url(), (await r.body().catch(() => Buffer.alloc(0))).length);
    });
    const m = await mother.newPage();
    m.setDefaultTimeout(20_000);
    await m.goto(`${base}/?lang=ru`);
    await m.getByLabel(im('ru', 'form.type.family')).check();
    await m.locator('#story').fill('Ищу сына, он пропал в марте.');
    await Promise.all([
      m.waitForLoadState(),
      m.getByRole('button', { name: im('ru', 'form.submit') }).click(),
    ]);
    const codename = (await m.locator('#codename').textContent())?.trim() ?? '';
    expect(codename).not.toBe('');
    const motherCase = await db
      .selectFrom('cases')
      .select(['id', 'ref'])
      .where('applicant_type', '=', 'family')
      .executeTakeFirstOrThrow();
    // A coordinator assigns her case to the same caseworker (as the workspace does).
    await db
      .updateTable('cases')
      .set({ assignee_id: caseworker.id })
      .where('id', '=', motherCase.id)
      .execute();

    await m.goto(`${base}/inbox?lang=ru`);
    await m.locator('#codename').fill(codename);
    await Promise.all([
      m.waitForURL(/\/inbox\?/),
      m.getByRole('button', { name: im('ru', 'signin.submit') }).click(),
    ]);
    await Promise.all([
      m.waitForURL(/\/tracing\?/),
      m.getByRole('link', { name: im('ru', 'inbox.tracing') }).click(),
    ]);
    expect(await m.locator('h1').textContent()).toBe(tm('ru', 'page.title'));
    await m.getByLabel(tm('ru', 'field.family_name')).fill('Иванов');
    await m.getByLabel(tm('ru', 'field.given_name')).fill('Сергей');
    await m.getByLabel(tm('ru', 'field.patronymic')).fill('Петрович');
    await m.getByLabel(tm('ru', 'field.birth_date')).fill('1999-03-14');
    await m.getByLabel(tm('ru', 'field.last_place')).fill('Белгородская область');
    await m.getByLabel(tm('ru', 'field.relationship')).selectOption('mother');
    await m.getByLabel(tm('ru', 'field.safe_contact')).fill('Только здесь, в сообщениях.');
    await Promise.all([m.waitForURL(/done=1/), m.getByRole('button', { name: tm('ru', 'submit') }).click()]);
    expect(await m.getByText(tm('ru', 'done')).count()).toBe(1);
    // The ICRC Central Tracing Agency steps are on the page.
    expect(await m.getByRole('heading', { name: tm('ru', 'cta.title') }).count()).toBe(1);
    await assertAxe(mother, `${base}/tracing?lang=ru`);
    // Nothing was told to her yet.
    await m.goto(`${base}/inbox?lang=ru`);
    expect(await m.locator('.msg.staff').count()).toBe(0);

    // The caseworker sees the proposal, with the explanation, and confirms it.
    const staff = await browser.newContext({ bypassCSP: true, locale: 'en' });
    const s = await staff.newPage();
    s.setDefaultTimeout(20_000);
    await signInAsStaff(s, base, caseworker, 'en');
    await Promise.all([
      s.waitForURL(/\/staff\/tracing\?/),
      s.locator('a[href="/staff/tracing?lang=en"]').first().click(),
    ]);
    const proposal = s.locator('section[data-proposal]');
    expect(await proposal.count()).toBe(1);
    const text = (await proposal.textContent()) ?? '';
    expect(text).toContain(motherCase.ref);
    expect(text).toContain(son.ref);
    expect(text).toContain('Иванов Сергей Петрович');
    expect(text).toMatch(/familyName: .*\+/);
    expect(text).toMatch(/birthDate: .*\+/);
    expect(await axeViolations(s)).toEqual([]);
    await Promise.all([
      s.waitForURL(/flash=/),
      proposal.getByRole('button', { name: tm('en', 'staff.confirm') }).click(),
    ]);

    // His answer, recorded on his case: alive and safe, and a short message (not his contact).
    const p = s.locator('section[data-proposal]');
    await p.getByLabel(tm('en', 'staff.consent.given_opt')).check();
    await p.getByLabel(tm('en', 'staff.consent.method')).selectOption('in_person');
    await p.getByLabel(tm('en', 'allow.alive')).check();
    await p.getByLabel(tm('en', 'allow.message')).check();
    await p.getByRole('textbox', { name: tm('en', 'staff.consent.message') }).fill(SON_MESSAGE);
    await p.getByRole('textbox', { name: tm('en', 'staff.consent.contact') }).fill(SON_CONTACT);
    expect(await axeViolations(s)).toEqual([]);
    await Promise.all([
      s.waitForURL(/flash=/),
      p.getByRole('button', { name: tm('en', 'staff.consent.submit') }).click(),
    ]);
    expect(await s.getByText(tm('en', 'staff.flash.consent')).count()).toBe(1);
    const consent = await db.selectFrom('tracing_consents').selectAll().executeTakeFirstOrThrow();
    expect(consent.case_id).toBe(son.id);
    expect(consent.method).toBe('in_person');
    await staff.close();

    // The mother's inbox shows only what he allowed.
    await m.goto(`${base}/inbox?lang=ru`);
    const told = m.locator('.msg.staff');
    expect(await told.count()).toBe(1);
    const body = (await told.textContent()) ?? '';
    expect(body).toContain(tm('ru', 'relay.alive'));
    expect(body).toContain(SON_MESSAGE);
    expect(body).not.toContain(SON_CONTACT);
    expect(body).not.toContain(son.ref);
    expect(body).not.toMatch(/Sergei|Ivanov/);
    for (const [url, size] of bytes) expect(size, url).toBeLessThan(30 * 1024);
    expect(foreign).toEqual([]);
    await mother.close();
  }, 240_000);
});

/** axe on an applicant page: the page has no script; a copy of the session in a context that runs axe's own. */
async function assertAxe(from: BrowserContext, url: string) {
  const context = await browser.newContext({ bypassCSP: true });
  await context.addCookies(await from.cookies());
  const page = await context.newPage();
  await page.goto(url);
  expect(await axeViolations(page)).toEqual([]);
  await context.close();
}

import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import {
  codenameOf,
  formFieldsOf,
  intakeTestConfig,
  replyAsStaff,
  signInApplicant,
} from '../../../test/support/intake.ts';
import { assignCase, exportCaseSummary } from '../cases/index.ts';
import { publishOrganisationDraft, saveOrganisationDraft } from '../organisation/index.ts';

describe('applicant web intake (no JavaScript path)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  });
  afterAll(async () => t.close());

  const countCases = async () => countRows(t.ctx.database.db, 'cases');

  it('serves the form in Russian by default, with quick exit, language switch, safety advice and no-store', async () => {
    const res = await t.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('lang="ru"');
    expect(res.body).toContain('Быстрый выход');
    expect(res.body).toContain('href="/exit"');
    expect(res.body).toContain('?lang=uk');
    expect(res.body).toContain('Tor Browser');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(Buffer.byteLength(res.body)).toBeLessThan(30 * 1024);
  });

  it('serves the proof-of-work worker from its own origin and the hidden progress panel (ADR 0196)', async () => {
    const form = await t.app.inject('/?lang=en');
    expect(form.body).toMatch(/<div id="pow-progress" class="pow-progress" hidden>/);
    // worker-src falls back to script-src: the form page's 'self' admits the same-origin worker.
    expect(form.headers['content-security-policy']).toContain("script-src 'self'");
    expect(form.headers['content-security-policy']).not.toContain('worker-src');
    const pathways = await t.app.inject('/pathways?lang=en');
    expect(pathways.headers['content-security-policy']).toContain("script-src 'none'");
    const worker = await t.app.inject('/intake/pow-worker.js');
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(worker.body).toContain("crypto.subtle.digest('SHA-256'");
  });

  it('files a submission, shows a codename once, signs back in and shows a staff reply', async () => {
    const c = new Client(t.app);
    const page = await c.get('/?lang=en');
    const before = await countCases();
    const res = await c.post('/submit?lang=en', {
      ...formFieldsOf(page.body),
      type: 'deserter',
      country: 'KZ',
      urgency: 'hiding',
      story: 'I left my unit <script>alert(1)</script> and need help.',
      needs: 'leave',
    });
    expect(res.statusCode).toBe(200);
    const codename = codenameOf(res);
    expect(codename).toMatch(/^\+7 \d{3} \d{3}-\d{2}-\d{2} ext\. \d{6}$/);
    expect(await countCases()).toBe(before + 1);

    const signIn = await signInApplicant(c, codename);
    expect(signIn.statusCode).toBe(303);
    const caseRow = await t.ctx.database.db
      .selectFrom('cases')
      .select(['id', 'ref', 'urgency', 'status'])
      .orderBy('created_on', 'desc')
      .executeTakeFirstOrThrow();
    expect(caseRow.status).toBe('new');
    await replyAsStaff(t, caseRow.ref, 'We read you. Stay where you are <b>safe</b>.');
    const inbox = await c.get('/inbox?lang=en');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('We read you. Stay where you are &lt;b>safe&lt;/b>.');
  });

  it('answers a retried form with the same codename and stores nothing new', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=en')).body);
    const first = await c.post('/submit?lang=en', { ...fields, story: 'retry me' });
    const before = await countCases();
    const second = await c.post('/submit?lang=en', { ...fields, story: 'retry me' });
    expect(second.statusCode).toBe(200);
    expect(codenameOf(second)).toBe(codenameOf(first));
    expect(await countCases()).toBe(before);
  });

  it('refuses an empty submission with a translated 400 and keeps nothing', async () => {
    const c = new Client(t.app);
    const fields = formFieldsOf((await c.get('/?lang=uk')).body);
    const before = await countCases();
    const res = await c.post('/submit?lang=uk', { ...fields, story: '   ' });
    // The form sent back keeps its script, so a person with JavaScript keeps the proof of work
    // (under INTAKE_REQUIRE_POW the no-JavaScript path may be closed).
    expect(res.body).toContain('src="/intake/pow.js"');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Розкажіть свою історію');
    expect(await countCases()).toBe(before);
  });

  it('rejects a wrong codename with 401 in the user language', async () => {
    const c = new Client(t.app);
    const res = await signInApplicant(c, '+7 000 000-00-00 доб. 000000', 'ru');
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Такое кодовое имя не найдено');
  });

  it('quick exit redirects away and clears site data', async () => {
    const res = await t.app.inject('/exit');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(t.config.intake.quickExitUrl);
    expect(String(res.headers['clear-site-data'])).toContain('cookies');
  });

  // The organisation's own questions (issue 21 item 5, ADR 0195). Last in this file: once
  // published, the form asks them of every later submission.
  const adminActor = async () => ({
    kind: 'staff' as const,
    id: (await buildStaff(t.ctx, 'admin')).id,
    role: 'admin' as const,
    sessionHash: Buffer.alloc(32),
  });

  it('asks the organisation’s published questions, refuses hostile answers and keeps each answer with its version', async () => {
    const actor = await adminActor();
    const publish = async (fields: Record<string, string>) =>
      publishOrganisationDraft(t.ctx, actor, {
        version: String(await saveOrganisationDraft(t.ctx, actor, fields)),
      });
    const v1 = await publish({
      name_en: 'Way Out',
      welcome_en: 'Hello.\n\nWrite in any language.',
      q1_type: 'yes_no',
      q1_required: '1',
      q1_label_en: 'Are you safe tonight?',
      q1_label_ru: 'Вы сегодня в безопасности?',
      q2_type: 'choice',
      q2_label_en: 'Where would you go?',
      q2_options_en: 'Kazakhstan\nGeorgia',
      q3_type: 'date',
      q3_label_en: 'Since when?',
      q4_type: 'short_text',
      q4_label_en: 'Your unit (optional)',
    });
    const c = new Client(t.app);
    const page = await c.get('/?lang=en');
    expect(page.body).toContain('<p>Hello.</p><p>Write in any language.</p>');
    expect(page.body).toContain('Are you safe tonight?');
    expect(page.body).toContain(`name="oq_version" value="${v1}"`);
    expect(page.body).toContain('Your unit (optional) (optional)');
    const fields = formFieldsOf(page.body);
    const before = await countCases();
    const hostile: Array<[Record<string, string | string[]>, string]> = [
      [{}, 'Please answer this question.'],
      [{ oq_q1: 'maybe' }, 'This answer is not valid.'],
      [{ oq_q1: 'yes', oq_q2: '7' }, 'This answer is not valid.'],
      [{ oq_q1: 'yes', oq_q3: 'tomorrow' }, 'Use a date like 2026-12-01.'],
      [{ oq_q1: 'yes', oq_q4: 'x'.repeat(201) }, 'This is too long.'],
      [{ oq_q1: 'yes', oq_q4: 'bad\u0007bell' }, 'This answer is not valid.'],
    ];
    for (const [answers, message] of hostile) {
      const res = await c.post('/submit?lang=en', {
        ...fields,
        story: 'help me',
        ...(answers as Record<string, string>),
      });
      expect(res.statusCode, message).toBe(400);
      expect(res.body, message).toContain(message);
    }
    const twice = await t.app.inject({
      method: 'POST',
      url: '/submit?lang=ru',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `form_token=${fields.form_token}&pow_challenge=${encodeURIComponent(fields.pow_challenge)}&story=x&oq_q1=yes&oq_q1=no`,
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('Этот ответ не подходит.');
    expect(await countCases()).toBe(before);

    const earlier = new Set(
      (await t.ctx.database.db.selectFrom('cases').select('id').execute()).map((r) => r.id),
    );
    const sent = await c.post('/submit?lang=en', {
      ...fields,
      story: 'help me',
      oq_q1: 'no',
      oq_q2: '1',
      oq_q3: '2026-11-30',
      oq_q4: '<b>42nd</b>',
    });
    expect(sent.statusCode).toBe(200);
    expect(await countCases()).toBe(before + 1);
    // The new case (created_on is a day, so it is found as the one not there before).
    const { ref, version } = (
      await t.ctx.database.db.selectFrom('cases').select(['id', 'ref', 'version']).execute()
    ).find((r) => !earlier.has(r.id))!;

    // A later version renames the question and its options; the case keeps what it answered.
    await publish({
      q1_type: 'yes_no',
      q1_label_en: 'Renamed question',
      q2_type: 'choice',
      q2_label_en: 'Other',
      q2_options_en: 'A\nB',
    });
    // Assigned to a caseworker, who reads the case (content access).
    const coordinator = await buildStaff(t.ctx, 'coordinator');
    const caseworker = await buildStaff(t.ctx, 'caseworker');
    await assignCase(t.ctx, { ...actor, id: coordinator.id, role: 'coordinator' }, ref, {
      version: String(version),
      teamId: '',
      assigneeId: caseworker.id,
    });
    const reader = await signInClient(t.app, caseworker);
    const casePage = await reader.get(`/staff/cases/${ref}?lang=en`);
    expect(casePage.statusCode).toBe(200);
    expect(casePage.body).toContain(`Answers to the organisation’s questions (version ${v1})`);
    expect(casePage.body).toContain('<dt>Are you safe tonight?</dt><dd>No</dd>');
    expect(casePage.body).toContain('<dt>Where would you go?</dt><dd>Georgia</dd>');
    expect(casePage.body).toContain('<dd>&lt;b>42nd&lt;/b></dd>');
    expect(casePage.body).not.toContain('Renamed question');

    // The free-text answers box holds none of them (no "org_" lines), saving it keeps them,
    // and a line naming one is refused rather than taken as a hand-typed custom answer.
    const box = (html: string) => /<textarea id="intake-answers"[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1];
    expect(box(casePage.body)).toBeDefined();
    expect(box(casePage.body)).not.toContain('org_');
    const save = async (answers: string) =>
      reader.post(`/staff/cases/${ref}/intake?lang=en`, {
        _csrf: Client.csrfOf(casePage.body),
        version: String(
          (
            await t.ctx.database.db
              .selectFrom('cases')
              .select('version')
              .where('ref', '=', ref)
              .executeTakeFirstOrThrow()
          ).version,
        ),
        answers,
      });
    expect((await save(`${box(casePage.body)}\norg_q1: yes`)).statusCode).toBe(400);
    expect((await save(`${box(casePage.body)}\ncontact: evenings`)).statusCode).toBe(303);
    const saved = await reader.get(`/staff/cases/${ref}?lang=en`);
    expect(box(saved.body)).toContain('contact: evenings');
    expect(box(saved.body)).not.toContain('org_');
    expect(saved.body).toContain('<dt>Are you safe tonight?</dt><dd>No</dd>');
    expect(saved.body).toContain('<dd>&lt;b>42nd&lt;/b></dd>');

    // The case summary PDF prints them the same way: the version's labels and readable answers.
    const summary = await exportCaseSummary(
      t.ctx,
      { kind: 'staff', id: caseworker.id, role: 'caseworker', sessionHash: Buffer.alloc(32) },
      ref,
      'en',
    );
    if (summary.needsApproval === true) throw new Error('the first summary of the day needs no approval');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(summary.pdf)), {
      mergePages: true,
    });
    expect(text).toContain('Are you safe tonight?: No');
    expect(text).toContain('Where would you go?: Georgia');
    expect(text).toContain('Your unit (optional): <b>42nd</b>');
    expect(text).toContain('contact: evenings');
    expect(text).not.toContain('org_');
  });

  it('keeps the form and the privacy page under 30 KB with every text and question at its longest', async () => {
    const actor = await adminActor();
    const longest: Record<string, string> = {
      name_ru: 'Ж'.repeat(80),
      welcome_ru: 'Ж'.repeat(1_500),
      privacy_ru: 'Ж'.repeat(8_000),
      telegram: '@a2345678901234567890123456789012',
      email: `${'a'.repeat(60)}@example.org`,
    };
    for (let n = 1; n <= 6; n++) {
      longest[`q${n}_type`] = 'choice';
      longest[`q${n}_label_ru`] = 'Ж'.repeat(150);
      longest[`q${n}_options_ru`] = Array.from({ length: 8 }, () => 'Ж'.repeat(60)).join('\n');
    }
    const version = await saveOrganisationDraft(t.ctx, actor, longest);
    await publishOrganisationDraft(t.ctx, actor, { version: String(version) });
    const form = await t.app.inject('/?lang=ru');
    expect(form.body).toContain('Ж'.repeat(150));
    expect(Buffer.byteLength(form.body)).toBeLessThan(30 * 1024);
    const privacy = await t.app.inject('/privacy?lang=ru');
    expect(privacy.body).toContain('Ж'.repeat(8_000));
    expect(Buffer.byteLength(privacy.body)).toBeLessThan(30 * 1024);
  });
});

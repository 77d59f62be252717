import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { bytesContain } from '../../../test/support/canary.ts';
import { PDF_OK } from '../../../test/support/file-fixtures.ts';
import { decideApproval } from '../case-access/index.ts';
import { addAttachment, intakeRuntimeOf } from '../intake/index.ts';
import { downloadBulkExport, exportCaseSummary, requestBulkExport } from './case-export.service.ts';
import { saveReplyDraft } from './case-drafts.service.ts';
import { getCaseFile } from './case-file.service.ts';
import { addReply } from './case-messages.service.ts';
import { searchCases } from './case-search.service.ts';
import { assignCase, updateIntakeAnswers, updatePerson } from './cases.service.ts';
import { fillTemplate, greeting, insertTemplate, REPLY_TEMPLATES } from './cases.templates.ts';

/**
 * The case file's editable parts (family members, intake answers), reply templates, the
 * bulk export's second approver and the files list of the summary PDF, on a real database.
 */
let t: TestApp;
let alice: TestStaff;
let bob: TestStaff;
let coord: TestStaff;
let coord2: TestStaff;
let teamA: string;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await buildStaff(t.ctx, 'caseworker');
  bob = await buildStaff(t.ctx, 'caseworker');
  coord = await buildStaff(t.ctx, 'coordinator');
  coord2 = await buildStaff(t.ctx, 'coordinator');
  teamA = await buildTeam(t.ctx, { name: 'Service A', members: [alice.id, coord.id] });
  await buildTeam(t.ctx, { name: 'Service B', members: [bob.id] });
}, 120_000);
afterAll(async () => t.close());

const count = async (table: 'cases' | 'case_events' | 'audit_log' | 'case_approvals') =>
  Number(
    (
      await t.ctx.database.db
        .selectFrom(table)
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('editing the case file', () => {
  it('edits family members and identity documents; the new names are searchable and the old ones are not', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    await updatePerson(t.ctx, staffActor(alice), ref, {
      version: '1',
      givenName: 'Павел',
      familyName: 'Сорокин',
      familyNameLatin: 'Sorokin',
      birthDate: '1990-05',
      documents: 'загранпаспорт: 75 1234567\nвоенный билет: АБ 123456',
      family: 'жена: Ольга Сорокина\nсын: Миша',
    });
    const file = await getCaseFile(t.ctx, staffActor(alice), ref);
    expect(file.version).toBe(2);
    expect(file.content?.person.family).toEqual([
      { relation: 'жена', name: 'Ольга Сорокина' },
      { relation: 'сын', name: 'Миша' },
    ]);
    expect(file.content?.person.documents).toEqual([
      { type: 'загранпаспорт', number: '75 1234567' },
      { type: 'военный билет', number: 'АБ 123456' },
    ]);
    expect(file.content?.person.birthDate).toBe('1990-05');
    expect(file.content?.timeline.some((i) => i.kind === 'event' && i.event === 'person')).toBe(true);
    const refs = async (q: string) => (await searchCases(t.ctx, staffActor(alice), { q })).map((r) => r.ref);
    expect(await refs('Паша Sorokin')).toEqual([ref]);
    expect(await refs('751234567')).toEqual([ref]);
    expect(await refs('Иван Петров')).not.toContain(ref);

    // Removing a family member is an edit like any other.
    await updatePerson(t.ctx, staffActor(alice), ref, {
      version: '2',
      givenName: 'Павел',
      familyName: 'Сорокин',
      family: 'жена: Ольга Сорокина',
    });
    const after = await getCaseFile(t.ctx, staffActor(alice), ref);
    expect(after.content?.person.family).toEqual([{ relation: 'жена', name: 'Ольга Сорокина' }]);
  });

  it('edits the intake answers as a whole, refuses a stale version, and writes nothing on refusal', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA, answers: { region: 'Белгород' } });
    await updateIntakeAnswers(t.ctx, staffActor(alice), ref, {
      version: '1',
      answers: 'region: Курск\nsummons: 2026-03-03\ncontact: only evenings',
    });
    const file = await getCaseFile(t.ctx, staffActor(alice), ref);
    expect(file.content?.answers).toEqual({
      region: 'Курск',
      summons: '2026-03-03',
      contact: 'only evenings',
    });
    const before = [await count('case_events'), await count('audit_log')];
    await expect(
      updateIntakeAnswers(t.ctx, staffActor(alice), ref, { version: '1', answers: 'region: Орёл' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Another team: 404, like a missing case, even with a valid form.
    await expect(
      updateIntakeAnswers(t.ctx, staffActor(bob), ref, { version: '2', answers: 'region: Орёл' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      updateIntakeAnswers(t.ctx, staffActor(alice), ref, { version: 'x', answers: 'region: Орёл' }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect([await count('case_events'), await count('audit_log')]).toEqual(before);
    expect((await getCaseFile(t.ctx, staffActor(alice), ref)).content?.answers.region).toBe('Курск');
  });

  it('refuses an assignment to someone outside the team rules with 404 for a caseworker, and writes nothing', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const before = [await count('case_events'), await count('audit_log')];
    await expect(
      assignCase(t.ctx, staffActor(alice), ref, { version: '1', teamId: '', assigneeId: bob.id }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect([await count('case_events'), await count('audit_log')]).toEqual(before);
    await assignCase(t.ctx, staffActor(coord2), ref, { version: '1', teamId: teamA, assigneeId: alice.id });
    expect((await getCaseFile(t.ctx, staffActor(alice), ref)).assignee?.id).toBe(alice.id);
  });
});

describe('reply templates', () => {
  it('exist in ru, uk and en, with only the known variables, all filled in', () => {
    expect(REPLY_TEMPLATES.length).toBeGreaterThanOrEqual(3);
    for (const tpl of REPLY_TEMPLATES) {
      for (const locale of ['ru', 'uk', 'en'] as const) {
        expect(tpl.title[locale].trim(), `${tpl.id} ${locale}`).not.toBe('');
        const vars = [...tpl.body[locale].matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
        expect(
          vars.every((v) => ['greeting', 'ref', 'date'].includes(v!)),
          `${tpl.id} ${locale}`,
        ).toBe(true);
        const filled = fillTemplate(tpl, locale, { name: 'Павел', ref: 'C-ABCDEFGH', date: '2030-01-02' });
        expect(filled, `${tpl.id} ${locale}`).not.toMatch(/\{\w+\}/);
        expect(filled).toContain('Павел');
      }
      // The same template differs by language (a template left untranslated would not).
      expect(new Set([tpl.body.ru, tpl.body.uk, tpl.body.en]).size).toBe(3);
    }
    // No name known (or only spaces): a neutral greeting, never "Hello , to prepare…".
    for (const tpl of REPLY_TEMPLATES) {
      for (const locale of ['ru', 'uk', 'en'] as const) {
        for (const name of ['', '   ', undefined]) {
          const filled = fillTemplate(tpl, locale, {
            ...(name === undefined ? {} : { name }),
            ref: 'C-ABCDEFGH',
            date: '2030-01-02',
          });
          expect(filled, `${tpl.id} ${locale}`).not.toMatch(/\s[,.]|,\s*[,.]|\{\w+\}|^\s/);
          expect(filled.startsWith(greeting(locale, undefined)), `${tpl.id} ${locale}`).toBe(true);
        }
      }
    }
    expect(greeting('en', 'Pavel')).toBe('Hello Pavel,');
    expect(greeting('ru', undefined)).toBe('Здравствуйте.');
    expect(greeting('uk', ' ')).toBe('Вітаємо.');
    // Inserting never replaces what is being typed.
    expect(insertTemplate('', 'T')).toBe('T');
    expect(insertTemplate('  \n', 'T')).toBe('T');
    expect(insertTemplate('My words\n', 'T')).toBe('My words\n\nT');
    const docs = REPLY_TEMPLATES.find((x) => x.id === 'documents')!;
    expect(fillTemplate(docs, 'uk', { name: 'Олег', ref: 'C-ABCDEFGH' })).toContain('C-ABCDEFGH');
    expect(fillTemplate(docs, 'en', { name: 'Oleg' })).toContain('{ref}');
  });
});

describe('reply drafts (ADR 0181)', () => {
  it('keeps a draft encrypted for its author only, appends a template, and forgets it once sent', async () => {
    const { ref, id } = await buildCase(t.ctx, {
      teamId: teamA,
      assigneeId: alice.id,
      person: { documents: [], family: [] },
    });
    const canary = `draft canary ${id.slice(0, 8)}`;
    // A template into an empty box: the template alone, with a neutral greeting (no name known).
    const first = await saveReplyDraft(t.ctx, staffActor(alice), ref, {
      body: '',
      op: 'insert',
      template: 'documents',
      tlang: 'en',
    });
    expect(first.startsWith('Hello, to prepare')).toBe(true);
    expect(first).toContain(ref);
    // What is being typed stays, and the template goes after it.
    const typed = `${canary}\n`;
    const second = await saveReplyDraft(t.ctx, staffActor(alice), ref, {
      body: typed,
      op: 'insert',
      template: 'safety',
      tlang: 'ru',
    });
    expect(second.startsWith(`${canary}\n\nЗдравствуйте. Пока`)).toBe(true);
    expect((await getCaseFile(t.ctx, staffActor(alice), ref)).content?.replyDraft).toBe(second);
    // Stored encrypted: the raw row holds no readable text.
    const raw = await t.ctx.database.db
      .selectFrom('case_reply_drafts')
      .selectAll()
      .where('case_id', '=', id)
      .execute();
    expect(raw).toHaveLength(1);
    expect(bytesContain(Buffer.from(raw[0]!.body_enc), canary)).toBe(false);
    // Another member of the team reading the case sees an empty box, never alice's draft; a
    // row moved to another member does not decrypt (the draft is bound to its author).
    expect((await getCaseFile(t.ctx, staffActor(coord), ref)).content?.replyDraft).toBe('');
    await t.ctx.database.db
      .updateTable('case_reply_drafts')
      .set({ staff_id: coord.id })
      .where('case_id', '=', id)
      .execute();
    await expect(getCaseFile(t.ctx, staffActor(coord), ref)).rejects.toThrow();
    await t.ctx.database.db
      .updateTable('case_reply_drafts')
      .set({ staff_id: alice.id })
      .where('case_id', '=', id)
      .execute();
    // Another team's caseworker: 404 and nothing written.
    await expect(
      saveReplyDraft(t.ctx, staffActor(bob), ref, { body: 'x', op: 'save' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    // Sending the reply deletes the draft.
    await addReply(t.ctx, staffActor(alice), ref, { body: second });
    expect(
      await t.ctx.database.db.selectFrom('case_reply_drafts').selectAll().where('case_id', '=', id).execute(),
    ).toEqual([]);
    // The greeting uses the given name when there is one (the Latin one for English).
    const named = await buildCase(t.ctx, {
      teamId: teamA,
      assigneeId: alice.id,
      person: { givenName: 'Павел', givenNameLatin: 'Pavel', documents: [], family: [] },
    });
    const en = await saveReplyDraft(t.ctx, staffActor(alice), named.ref, {
      op: 'insert',
      template: 'acknowledge',
      tlang: 'en',
    });
    expect(en.startsWith('Hello Pavel, we received')).toBe(true);
  });
});

describe('structured identity documents (ADR 0182)', () => {
  it('saves typed rows with country and validity, keeps a line written before, and refuses hostile input', async () => {
    const { ref, id } = await buildCase(t.ctx, { teamId: teamA, assigneeId: alice.id });
    // An entry written before documents were structured: free text as its type, still read.
    const legacy = { type: 'загранпаспорт', number: '75 1234567' };
    await updatePerson(t.ctx, staffActor(alice), ref, {
      version: '1',
      documents: 'загранпаспорт: 75 1234567',
    });
    expect((await getCaseFile(t.ctx, staffActor(alice), ref)).content?.person.documents).toEqual([legacy]);
    // The form's rows: the old one as it was, a new structured one, and an empty row (ignored).
    await updatePerson(t.ctx, staffActor(alice), ref, {
      version: '2',
      docType: ['загранпаспорт', 'military_id', 'internal_passport'],
      docNumber: ['75 1234567', 'АБ 123456', ''],
      docCountry: ['', 'ru', ''],
      docIssued: ['', '2019-05-01', ''],
      docUntil: ['', '2031-05-01', ''],
    });
    const file = await getCaseFile(t.ctx, staffActor(alice), ref);
    expect(file.content?.person.documents).toEqual([
      legacy,
      {
        type: 'military_id',
        number: 'АБ 123456',
        country: 'RU',
        issuedOn: '2019-05-01',
        validUntil: '2031-05-01',
      },
    ]);
    // Still found by number.
    expect((await searchCases(t.ctx, staffActor(alice), { q: 'АБ123456' })).map((r) => r.ref)).toContain(ref);

    const before = [await count('case_events'), await count('audit_log')];
    const hostile: Array<Record<string, unknown>> = [
      { docType: 'internal_passport', docNumber: '', docCountry: 'RU' }, // a row with no number
      { docType: 'internal_passport', docNumber: '1234', docCountry: 'RUS' },
      { docType: 'internal_passport', docNumber: '1234', docCountry: '<b' },
      { docType: 'internal_passport', docNumber: '1234', docIssued: '2026-02-30' },
      { docType: 'internal_passport', docNumber: '1234', docIssued: '2030-01-01', docUntil: '2020-01-01' },
      { docType: 'internal_passport', docNumber: '12\u202e34' }, // a bidirectional override
      { docType: 'internal_passport', docNumber: '12\u000034' },
      { docType: 'x'.repeat(61), docNumber: '1234' },
      { docType: 'internal_passport', docNumber: '9'.repeat(61) },
      { docType: 'internal_passport', docNumber: Array.from({ length: 22 }, () => '1234') },
      { docType: { nested: 'object' }, docNumber: '1234' },
      { docNumber: Array.from({ length: 21 }, (_, i) => `12345${i}`) }, // 21 documents, over 20
    ];
    for (const form of hostile) {
      await expect(
        updatePerson(t.ctx, staffActor(alice), ref, { version: '3', ...form }),
        JSON.stringify(form),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    }
    expect([await count('case_events'), await count('audit_log')]).toEqual(before);
    const row = await t.ctx.database.db
      .selectFrom('cases')
      .select('person_enc')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(bytesContain(Buffer.from(row.person_enc!), 'АБ 123456')).toBe(false);
    expect((await getCaseFile(t.ctx, staffActor(alice), ref)).version).toBe(3);
  });
});

describe('bulk export needs a second approver', () => {
  it('exports nothing until another coordinator approves; then once, audited per case', async () => {
    const one = await buildCase(t.ctx, {
      teamId: teamA,
      person: { givenName: 'Юрий', familyName: 'Лаптев', documents: [], family: [] },
    });
    const two = await buildCase(t.ctx, {
      teamId: teamA,
      person: { givenName: 'Глеб', familyName: 'Носов', documents: [], family: [] },
    });
    const theirs = await buildCase(t.ctx, { assigneeId: bob.id });
    // A case the requester may not read is refused like a missing one, and nothing is recorded.
    const approvalsBefore = await count('case_approvals');
    await expect(
      requestBulkExport(t.ctx, staffActor(alice), {
        refs: `${one.ref} ${theirs.ref}`,
        reason: 'asylum file for the lawyer',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await count('case_approvals')).toBe(approvalsBefore);

    const id = await requestBulkExport(t.ctx, staffActor(alice), {
      refs: `${one.ref}, ${two.ref}`,
      reason: 'asylum file for the lawyer',
    });
    // Not approved yet: nothing to download.
    await expect(downloadBulkExport(t.ctx, staffActor(alice), id, 'en')).rejects.toMatchObject({
      code: 'not_found',
    });
    // Nobody approves their own request; a caseworker cannot approve at all.
    await expect(decideApproval(t.ctx, staffActor(alice), id, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(decideApproval(t.ctx, staffActor(bob), id, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await decideApproval(t.ctx, staffActor(coord2), id, 'approve');
    // Only the requester downloads it.
    await expect(downloadBulkExport(t.ctx, staffActor(coord2), id, 'en')).rejects.toMatchObject({
      code: 'not_found',
    });
    const pdf = await downloadBulkExport(t.ctx, staffActor(alice), id, 'ru');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('Лаптев');
    expect(text).toContain('Носов');
    expect(text).toContain('Сводка по делу');
    await expect(downloadBulkExport(t.ctx, staffActor(alice), id, 'ru')).rejects.toMatchObject({
      code: 'not_found',
    });
    const audited = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'actor'])
      .where('action', 'in', ['case.bulk_export_download', 'case.bulk_export', 'case.approval_approve'])
      .execute();
    expect(audited).toEqual(
      expect.arrayContaining([
        { action: 'case.approval_approve', target: null, actor: coord2.id },
        { action: 'case.bulk_export_download', target: `case:${one.ref}`, actor: alice.id },
        { action: 'case.bulk_export_download', target: `case:${two.ref}`, actor: alice.id },
        { action: 'case.bulk_export', target: `approval:${id}`, actor: alice.id },
      ]),
    );
  });
});

describe('case summary PDF', () => {
  it('lists the documents on the case', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA });
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), id, {
      data: PDF_OK,
      fileName: 'повестка.pdf',
      keepOriginal: false,
    });
    const { pdf } = (await exportCaseSummary(t.ctx, staffActor(alice), ref, 'uk')) as { pdf: Buffer };
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('Файли справи');
    expect(text).toContain('повестка.pdf');
  });
});

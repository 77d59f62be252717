import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { changeStatus, exportCaseSummary, getCaseFile, searchCases } from '../cases/index.ts';
import { ANOMALY_THRESHOLDS, getAccessAnomalies, getAccessLog } from './access-log.service.ts';
import { decideApproval } from './approvals.service.ts';
import { breakGlass, listBreakGlassReview, reviewBreakGlass } from './break-glass.service.ts';
import { encryptLegacyGrantTexts } from './break-glass-text.ts';

let t: TestApp;
let alice: TestStaff;
let bob: TestStaff;
let coord: TestStaff;
let coord2: TestStaff;
let teamA: string;
let teamB: string;

const actor = staffActor;
const audit = async (action: string) =>
  t.ctx.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();

beforeAll(async () => {
  t = await buildTestApp();
  alice = await buildStaff(t.ctx, 'caseworker');
  bob = await buildStaff(t.ctx, 'caseworker');
  coord = await buildStaff(t.ctx, 'coordinator');
  coord2 = await buildStaff(t.ctx, 'coordinator');
  teamA = await buildTeam(t.ctx, { name: 'A', members: [alice.id] });
  teamB = await buildTeam(t.ctx, { name: 'B', members: [bob.id] });
}, 120_000);
afterAll(async () => t.close());

describe('break-glass', () => {
  it('refuses without a reason, and writes nothing', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamB });
    await expect(breakGlass(t.ctx, actor(alice), { ref, reason: '' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(breakGlass(t.ctx, actor(alice), { ref, reason: 'short' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(getCaseFile(t.ctx, actor(alice), ref)).rejects.toMatchObject({ code: 'not_found' });
    const grants = await t.ctx.database.db.selectFrom('break_glass_grants').selectAll().execute();
    expect(grants).toHaveLength(0);
  });

  it('opens the case for a limited time, audits each use, and shows it for review', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamB, story: 'secret story' });
    const reason = 'applicant called the hotline, assignee on leave';
    const granted = await breakGlass(t.ctx, actor(alice), { ref, reason });
    expect(granted.expiresAt.getTime() - Date.now()).toBeGreaterThan(0.9 * 3600_000); // one hour on one word (ADR 0138)
    const file = await getCaseFile(t.ctx, actor(alice), ref);
    expect(file.viaBreakGlass).toBe(true);
    expect(file.content?.story).toBe('secret story');
    const reads = (await audit('case.read')).filter(
      (e) => e.target === `case:${ref}` && e.actor === alice.id,
    );
    expect(reads.map((r) => r.reason)).toEqual(['break-glass']);
    const review = await listBreakGlassReview(t.ctx, actor(coord));
    const item = review.find((r) => r.ref === ref)!;
    expect(item).toMatchObject({ reason, active: true, reviewedAt: null });
    // The reason is free text: the audit log names the grant, the grant holds only ciphertext.
    expect(
      (await audit('case.break_glass')).filter((e) => e.actor === alice.id && e.target === `case:${ref}`),
    ).toMatchObject([{ reason: `grant ${item.id}` }]);
    await expectNoPlaintextIn('break_glass_grants', item.id, reason);
    // A caseworker may not see the review list.
    await expect(listBreakGlassReview(t.ctx, actor(bob))).rejects.toMatchObject({ code: 'not_found' });
    // The access log of the case names the break-glass and the reads.
    const log = await getAccessLog(t.ctx, actor(coord), ref);
    expect(log.map((e) => e.action)).toEqual(expect.arrayContaining(['case.break_glass', 'case.read']));

    // After expiry, access ends.
    await t.ctx.database.db
      .updateTable('break_glass_grants')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('case_id', '=', id)
      .execute();
    await expect(getCaseFile(t.ctx, actor(alice), ref)).rejects.toMatchObject({ code: 'not_found' });

    const note = 'justified: the assignee confirmed the call';
    await reviewBreakGlass(t.ctx, actor(coord), item.id, { note });
    const after = (await listBreakGlassReview(t.ctx, actor(coord))).find((r) => r.id === item.id)!;
    expect(after.reviewNote).toBe(note);
    expect(after.active).toBe(false);
    expect((await audit('case.break_glass_review')).at(-1)?.reason).toBe(`grant ${item.id}`);
    await expectNoPlaintextIn('break_glass_grants', item.id, note);
  });

  it('encrypts the reasons and notes of grants written before they were encrypted, once unsealed', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamB });
    const grantId = randomUUID();
    // A row as the earlier code wrote it (ADR 0087): plaintext reason and review note.
    await sql`insert into break_glass_grants (id, staff_id, case_id, reason, expires_at, reviewed_by, reviewed_at, review_note)
      values (${grantId}, ${alice.id}, ${id}, ${'legacy reason typed in clear'}, now(), ${coord.id}, now(), ${'legacy note'})`.execute(
      t.ctx.database.db,
    );
    expect(await encryptLegacyGrantTexts(t.ctx)).toBeGreaterThanOrEqual(1);
    expect(await encryptLegacyGrantTexts(t.ctx)).toBe(0);
    await expectNoPlaintextIn('break_glass_grants', grantId, 'legacy reason typed in clear');
    await expectNoPlaintextIn('break_glass_grants', grantId, 'legacy note');
    const item = (await listBreakGlassReview(t.ctx, actor(coord))).find((r) => r.id === grantId);
    expect(item).toMatchObject({ ref, reason: 'legacy reason typed in clear', reviewNote: 'legacy note' });
  });

  it('does not let anyone review their own break-glass', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamB });
    await breakGlass(t.ctx, actor(coord), { ref, reason: 'checking a duplicate report' });
    const mine = (await listBreakGlassReview(t.ctx, actor(coord))).find((r) => r.ref === ref)!;
    await expect(reviewBreakGlass(t.ctx, actor(coord), mine.id, {})).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

/** No column of the row holds the text in clear (the whole row as text; ciphertexts as their bytes). */
async function expectNoPlaintextIn(table: 'break_glass_grants', id: string, text: string): Promise<void> {
  const r = await sql<{ row: string; bytes: string }>`select x::text as row,
      encode(coalesce(x.reason_enc, ''::bytea) || coalesce(x.review_note_enc, ''::bytea), 'escape') as bytes
    from ${sql.table(table)} x where x.id = ${id}`.execute(t.ctx.database.db);
  expect(r.rows).toHaveLength(1);
  expect(r.rows[0]!.row).not.toContain(text);
  expect(r.rows[0]!.bytes).not.toContain(text);
}

describe('search', () => {
  it('finds by phone, document and name across scripts, only within the actor scope', async () => {
    const mine = await buildCase(t.ctx, {
      teamId: teamA,
      person: {
        givenName: 'Павел',
        familyName: 'Филатьев',
        phone: '+7 912 000-00-01',
        documents: [{ type: 'passport', number: '45 06 123456' }],
        family: [],
      },
    });
    const theirs = await buildCase(t.ctx, {
      teamId: teamB,
      person: {
        givenName: 'Павел',
        familyName: 'Филатьев',
        phone: '+79120000001',
        documents: [],
        family: [],
      },
    });
    const refs = async (q: string) => (await searchCases(t.ctx, actor(alice), { q })).map((r) => r.ref);
    expect(await refs('8 (912) 000 00 01')).toEqual([mine.ref]);
    expect(await refs('4506123456')).toEqual([mine.ref]);
    expect(await refs('Pavel Filatyev')).toEqual([mine.ref]);
    expect(await refs('Филатьев')).toEqual([mine.ref]);
    expect(await refs(mine.ref)).toEqual([mine.ref]);
    expect(await refs(theirs.ref)).toEqual([]);
    expect(await refs('+79120000002')).toEqual([]);
    const audited = await audit('case.search');
    expect(audited.at(-1)?.reason).not.toContain('9120000002');
  });
});

describe('four eyes for "not genuine"', () => {
  it('needs a second coordinator, never the requester', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const result = await changeStatus(t.ctx, actor(alice), ref, {
      version: '1',
      to: 'closed',
      closingReason: 'not_genuine',
    });
    expect(result.applied).toBe(false);
    expect((await getCaseFile(t.ctx, actor(alice), ref)).status).toBe('new');
    await expect(decideApproval(t.ctx, actor(alice), result.approvalId, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await decideApproval(t.ctx, actor(coord2), result.approvalId, 'approve');
    const file = await getCaseFile(t.ctx, actor(alice), ref);
    expect(file.status).toBe('closed');
    expect(file.closingReason).toBe('not_genuine');
  });
});

describe('PDF case summary', () => {
  it.each([
    ['ru', 'Сводка по делу', 'Фамилия (кириллицей)'],
    ['uk', 'Зведення справи', 'Прізвище (кирилицею)'],
    ['en', 'Case summary', 'Family name (Cyrillic)'],
  ] as const)('holds the details in %s and is audited', async (locale, title, label) => {
    const { ref } = await buildCase(t.ctx, {
      teamId: teamA,
      story: 'Получил повестку 3 марта; уехал через Казахстан.',
      person: {
        givenName: 'Юрий',
        familyName: 'Ковальчук',
        documents: [{ type: 'загранпаспорт', number: '75 1234567' }],
        family: [{ relation: 'жена', name: 'Ольга' }],
      },
    });
    const { pdf } = (await exportCaseSummary(t.ctx, actor(alice), ref, locale)) as { pdf: Buffer };
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain(title);
    expect(text).toContain(label);
    expect(text).toContain('Ковальчук');
    expect(text).toContain('75 1234567');
    expect(text).toContain('Казахстан');
    expect(text).toContain('Ольга');
    const exports = (await audit('case.export_pdf')).filter((e) => e.target === `case:${ref}`);
    expect(exports).toHaveLength(1);
    expect(exports[0]!.actor).toBe(alice.id);
    await expect(exportCaseSummary(t.ctx, actor(bob), ref, locale)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('access anomalies', () => {
  it('flags many cases opened in a day, and nobody below the thresholds', async () => {
    const reader = await buildStaff(t.ctx, 'caseworker');
    const team = await buildTeam(t.ctx, { members: [reader.id] });
    for (let i = 0; i < ANOMALY_THRESHOLDS.manyCases; i += 1) {
      const { ref } = await buildCase(t.ctx, { teamId: team });
      await getCaseFile(t.ctx, actor(reader), ref);
    }
    const found = await getAccessAnomalies(t.ctx, actor(coord));
    expect(found.filter((a) => a.staffId === reader.id).map((a) => a.rule)).toEqual(['many_cases']);
    expect(found.some((a) => a.staffId === bob.id)).toBe(false);
    await expect(getAccessAnomalies(t.ctx, actor(alice))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('flags reads outside assignment after cases move away', async () => {
    const reader = await buildStaff(t.ctx, 'caseworker');
    const team = await buildTeam(t.ctx, { members: [reader.id] });
    const refs: string[] = [];
    for (let i = 0; i < ANOMALY_THRESHOLDS.outsideCases; i += 1) {
      const c = await buildCase(t.ctx, { teamId: team });
      await getCaseFile(t.ctx, actor(reader), c.ref);
      refs.push(c.ref);
    }
    await t.ctx.database.db.updateTable('cases').set({ team_id: teamB }).where('ref', 'in', refs).execute();
    const found = await getAccessAnomalies(t.ctx, actor(coord));
    expect(found.some((a) => a.staffId === reader.id && a.rule === 'outside_assignment')).toBe(true);
  });
});

import exifr from 'exifr';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../../access/index.ts';
import { sha256, sha512 } from '../../crypto/index.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { buildStaffActor, jpegWithRealExif } from '../../../test/support/evidence.ts';
import { addAttachment, addCaseDocument, intakeRuntimeOf, readCaseAttachment } from '../intake/index.ts';
import { listCaseEvidence, openOriginal, readCustody, recordCustodyEvent, verifyCustody } from './index.ts';

describe('evidence items and their custody', () => {
  let t: TestApp;
  let officer: StaffActor;
  let outsider: StaffActor;
  let caseworker: StaffActor;
  let kase: { id: string; ref: string };
  const jpeg = jpegWithRealExif('CanaryCam');

  beforeAll(async () => {
    t = await buildTestApp();
    officer = await buildStaffActor(t.ctx, 'evidence_officer');
    outsider = await buildStaffActor(t.ctx, 'evidence_officer');
    caseworker = await buildStaffActor(t.ctx, 'caseworker');
    const team = await buildTeam(t.ctx, { members: [officer.id, caseworker.id] });
    kase = await buildCase(t.ctx, { teamId: team });
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
      data: jpeg,
      fileName: 'photo.jpg',
      keepOriginal: true,
    });
  });
  afterAll(async () => t?.close());

  it('the original of a JPEG keeps its EXIF and its arrival hash still matches after the working copy was stripped', async () => {
    const [item] = await listCaseEvidence(t.ctx, officer, kase.ref);
    expect(item).toMatchObject({
      channel: 'applicant_upload',
      receivedBy: 'applicant',
      mediaType: 'image/jpeg',
      sha256: sha256(jpeg).toString('hex'),
      sha512: sha512(jpeg).toString('hex'),
    });
    // Applicant arrivals are kept to the day.
    expect(item!.receivedAt).toMatch(/T00:00:00\.000Z$/);
    const atts = await t.ctx.database.db.selectFrom('intake_attachments').select('id').execute();
    const working = await readCaseAttachment(
      t.ctx,
      intakeRuntimeOf(t.ctx),
      caseworker,
      kase.ref,
      atts[0]!.id,
    );
    expect(await exifr.parse(working.data).catch(() => undefined)).toBeUndefined();
    expect(working.data.equals(jpeg)).toBe(false);

    const original = await openOriginal(t.ctx, officer, item!.id, 'checking the photo for the ICC file');
    expect(original.data.equals(jpeg)).toBe(true);
    expect(sha256(original.data).toString('hex')).toBe(item!.sha256);
    expect((await exifr.parse(original.data)).Make).toBe('CanaryCam');
    expect(original.metadata).toMatchObject({ exif: { ifd0: { Make: 'CanaryCam' } } });

    const custody = await readCustody(t.ctx, officer, item!.id);
    expect(custody.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ['received', 'applicant', null],
      ['viewed', officer.id, 'checking the photo for the ICC file'],
    ]);
    expect(await verifyCustody(t.ctx)).toMatchObject({ ok: true, items: 1, events: 2 });
  });

  it('keeps a staff upload as evidence only when asked, with who received it and through which channel', async () => {
    const before = await countRows(t.ctx.database.db, 'evidence_items');
    const rt = intakeRuntimeOf(t.ctx);
    await addCaseDocument(t.ctx, rt, caseworker, kase.ref, {
      data: jpegWithRealExif('Plain'),
      fileName: 'a.jpg',
    });
    expect(await countRows(t.ctx.database.db, 'evidence_items')).toBe(before);
    await addCaseDocument(t.ctx, rt, caseworker, kase.ref, {
      data: jpegWithRealExif('Interview'),
      fileName: 'interview.jpg',
      asEvidence: 'interview',
    });
    const items = await listCaseEvidence(t.ctx, officer, kase.ref);
    expect(items.at(-1)).toMatchObject({ channel: 'interview', receivedBy: caseworker.id });
  });

  it('refuses an evidence officer who is not on the case (404), recording nothing', async () => {
    const [item] = await listCaseEvidence(t.ctx, officer, kase.ref);
    const before = await countRows(t.ctx.database.db, 'evidence_custody');
    await expect(openOriginal(t.ctx, outsider, item!.id, 'curious')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(listCaseEvidence(t.ctx, outsider, kase.ref)).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      recordCustodyEvent(t.ctx, outsider, item!.id, { action: 'transferred', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await countRows(t.ctx.database.db, 'evidence_custody')).toBe(before);
  });

  it('names a custody record edited, cut short or forged with database access', async () => {
    const [item] = await listCaseEvidence(t.ctx, officer, kase.ref);
    await recordCustodyEvent(t.ctx, officer, item!.id, {
      action: 'transferred',
      reason: 'handed to counsel',
    });
    const db = t.ctx.database.db;
    // The table refuses edits and deletions outright.
    await expect(
      sql`update evidence_custody set actor = 'someone' where item_id = ${item!.id}`.execute(db),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`delete from evidence_custody where item_id = ${item!.id} and seq = 3`.execute(db),
    ).rejects.toThrow(/append-only/);
    // An intruder who gets past the trigger: drop it, remove the last event, append a forged one.
    await sql`alter table evidence_custody disable trigger evidence_custody_append_only`.execute(db);
    try {
      await sql`delete from evidence_custody where item_id = ${item!.id} and seq = 3`.execute(db);
      expect((await verifyCustody(t.ctx, { itemId: item!.id })).problems).toEqual([
        `item ${item!.id}: the audit log records 3 custody acts, the custody record holds 2 (events removed or added outside Sanctuary)`,
      ]);
      await sql`update evidence_custody set actor = ${outsider.id} where item_id = ${item!.id} and seq = 2`.execute(
        db,
      );
      const result = await verifyCustody(t.ctx);
      expect(result.ok).toBe(false);
      expect(result.problems).toContain(
        `item ${item!.id}, custody event 2: was altered (its hash does not match)`,
      );
    } finally {
      await sql`alter table evidence_custody enable trigger evidence_custody_append_only`.execute(db);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exifr from 'exifr';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import {
  buildStaffActor,
  checkerboardJpeg,
  expectRecipientVerifies,
  jpegWithRealExif,
} from '../../../test/support/evidence.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { type LocalTsa, localTsa } from '../../../test/support/tsa.ts';
import type { StaffActor } from '../../access/index.ts';
import { sha256, sha512 } from '../../crypto/index.ts';
import { addApplicantMessage } from '../cases/index.ts';
import { addAttachment, addCaseDocument, intakeRuntimeOf, readCaseAttachment } from '../intake/index.ts';
import {
  type Bag,
  captureMessage,
  confirmRedaction,
  confirmTestimony,
  editTestimony,
  evidencePublicKey,
  exportBundle,
  listCaseEvidence,
  openOriginal,
  prepareImageRedaction,
  prepareRedaction,
  readCustody,
  readTestimony,
  recordConsent,
  recordCustodyEvent,
  recordTestimony,
  verifyBag,
  verifyCustody,
  writeBagTo,
} from './index.ts';

/** One application for the whole file (PGlite time budget): each describe builds its own case. */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

describe('evidence items and their custody', () => {
  let officer: StaffActor;
  let outsider: StaffActor;
  let caseworker: StaffActor;
  let kase: { id: string; ref: string };
  const jpeg = jpegWithRealExif('CanaryCam');

  beforeAll(async () => {
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

const WITNESS = 'Алексей Смирнов';

describe('a testimony from messages and a photo, consented, exported as a bag anyone can verify', () => {
  let officer: StaffActor;
  let reviewer: StaffActor;
  let tmp: string;
  let tsa: LocalTsa | string;
  let bag: Bag;
  let pem: string;
  let items: { testimony: string; photo: string; message: string };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sanctuary-evidence-'));
    tsa = localTsa(tmp);
    officer = await buildStaffActor(t.ctx, 'evidence_officer');
    reviewer = await buildStaffActor(t.ctx, 'evidence_officer');
    const team = await buildTeam(t.ctx, { members: [officer.id, reviewer.id] });
    const kase = await buildCase(t.ctx, { teamId: team });
    const message = await addApplicantMessage(t.ctx, kase.id, `Я, ${WITNESS}, служил в в/ч 12345.`);
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
      data: jpegWithRealExif(),
      fileName: 'p.jpg',
      keepOriginal: true,
    });
    const { id: messageItem } = await captureMessage(t.ctx, officer, kase.ref, message.id);
    const fields = {
      language: 'ru',
      witnessName: WITNESS,
      witnessRole: 'driver',
      unit: 'military unit 12345',
      datesAndPlaces: 'March 2022, near Bucha',
      events: `${WITNESS} saw prisoners taken from the school. Алексей was ordered to drive.`,
      personsInvolved: 'Commander of the 2nd battalion',
      knowledge: ['saw'],
      knowledgeDetail: '',
      interviewerNotes: 'calm, precise',
    };
    const { id: testimonyId } = await recordTestimony(t.ctx, officer, kase.ref, fields);
    await editTestimony(t.ctx, officer, testimonyId, { ...fields, knowledge: ['saw', 'heard'] });
    const versions = await readTestimony(t.ctx, officer, testimonyId);
    expect(versions.map((v) => [v.version, v.fields.knowledge])).toEqual([
      [1, ['saw']],
      [2, ['saw', 'heard']],
    ]);
    const { itemId } = await confirmTestimony(t.ctx, officer, testimonyId, {
      version: 2,
      how: 'read back in Russian; said yes',
    });
    await expect(
      confirmTestimony(t.ctx, officer, testimonyId, { version: 2, how: 'again' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const photo = (await listCaseEvidence(t.ctx, officer, kase.ref)).find(
      (i) => i.channel === 'applicant_upload',
    )!;
    items = { testimony: itemId, photo: photo.id, message: messageItem };
    await recordConsent(t.ctx, officer, itemId, {
      destination: 'icc_otp',
      status: 'given',
      how: 'oral_recorded',
      identity: 'pseudonym',
      notes: 'asked twice',
    });
    await recordConsent(t.ctx, officer, photo.id, {
      destination: 'icc_otp',
      status: 'given',
      how: 'written',
      identity: 'named',
    });
    await recordConsent(t.ctx, officer, messageItem, {
      destination: 'icc_otp',
      status: 'refused',
      identity: 'named',
    });
    pem = evidencePublicKey(t.ctx);
  });
  afterAll(() => {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it('says exactly what blocked an export, and exports nothing', async () => {
    const before = await t.ctx.database.db.selectFrom('evidence_custody').select('seq').execute();
    await expect(
      exportBundle(t.ctx, officer, {
        destination: 'icc_otp',
        itemIds: [items.testimony, items.message],
        reason: 'ICC request',
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      blocks: [
        `item ${items.testimony}: a pseudonym is needed (consent is for a pseudonym only)`,
        `item ${items.message}: consent for icc_otp is "refused"`,
      ],
    });
    await expect(
      exportBundle(t.ctx, officer, { destination: 'journalists', itemIds: [items.photo], reason: 'article' }),
    ).rejects.toMatchObject({ blocks: [`item ${items.photo}: consent for journalists is "not_asked"`] });
    expect(await t.ctx.database.db.selectFrom('evidence_custody').select('seq').execute()).toHaveLength(
      before.length,
    );
  });

  it('exports a redacted testimony only after a second person confirmed the redaction', async () => {
    const input = {
      destination: 'icc_otp',
      itemIds: [items.testimony],
      pseudonym: 'Witness A',
      reason: 'ICC',
    };
    await expect(exportBundle(t.ctx, officer, input)).rejects.toMatchObject({
      blocks: [
        `item ${items.testimony}: its redaction with this pseudonym has not been confirmed by a second person`,
      ],
    });
    const prepared = await prepareRedaction(t.ctx, officer, items.testimony, { pseudonym: 'Witness A' });
    expect(prepared.redacted).not.toContain('Смирнов');
    await expect(confirmRedaction(t.ctx, officer, prepared.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(exportBundle(t.ctx, officer, input)).rejects.toMatchObject({ code: 'conflict' });
    await confirmRedaction(t.ctx, reviewer, prepared.id);
    const custody = await readCustody(t.ctx, officer, items.testimony);
    expect(custody.filter((e) => e.action === 'redacted').map((e) => e.actor)).toEqual([
      officer.id,
      reviewer.id,
    ]);
  });

  it('exports a signed, timestamped bag with the witness pseudonymised; the original and its hash stay in custody', async (ctx) => {
    const result = await exportBundle(
      t.ctx,
      officer,
      {
        destination: 'icc_otp',
        itemIds: [items.testimony, items.photo],
        pseudonym: 'Witness A',
        reason: 'ICC OTP request 7',
      },
      typeof tsa === 'string' ? {} : { timestamp: tsa.timestamp },
    );
    bag = result.bag;
    const redacted = [...bag].find(([p]) => p.startsWith(`data/items/${items.testimony}/`))!;
    expect(redacted[0]).toMatch(/redacted\.json$/);
    const text = redacted[1].toString('utf8');
    expect(text).toContain('Witness A');
    expect(text).not.toMatch(/Алексей|Смирнов/);
    const original = await openOriginal(t.ctx, officer, items.testimony, 'check after export');
    expect(original.data.toString('utf8')).toContain(WITNESS);
    expect(JSON.parse(bag.get('evidence/items.json')!.toString('utf8'))[0].sha256).toBe(
      sha256(original.data).toString('hex'),
    );
    expect(await verifyBag(bag, pem)).toMatchObject({
      ok: true,
      problems: [],
      items: 2,
      destination: 'icc_otp',
    });
    if (typeof tsa === 'string') ctx.skip(`no local timestamp authority: ${tsa}`);
    expect((await verifyBag(bag, pem)).timestampedAt).toMatch(/^\d{4}-/);
  });

  it('verifies with only the public key in a directory with no data directory, and with common tools', async (ctx) => {
    const away = mkdtempSync(join(tmpdir(), 'sanctuary-recipient-'));
    try {
      await writeBagTo(bag, join(away, 'bundle'), 'directory');
      writeFileSync(join(away, 'org.pem'), pem);
      await expectRecipientVerifies(away, 2);
      // What docs/evidence.md tells a recipient to run.
      const dir = join(away, 'bundle');
      execFileSync('sha256sum', ['--quiet', '-c', 'manifest-sha256.txt'], { cwd: dir });
      execFileSync('sha512sum', ['--quiet', '-c', 'tagmanifest-sha512.txt'], { cwd: dir });
      const pk = execFileSync(
        'openssl',
        [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          '../org.pem',
          '-rawin',
          '-in',
          'tagmanifest-sha256.txt',
          '-sigfile',
          'tagmanifest-sha256.txt.sig',
        ],
        { cwd: dir },
      ).toString();
      expect(pk).toMatch(/Signature Verified Successfully/);
      if (typeof tsa === 'string') ctx.skip(`no local timestamp authority: ${tsa}`);
      const ts = execFileSync(
        'openssl',
        [
          'ts',
          '-verify',
          '-data',
          'tagmanifest-sha256.txt',
          '-in',
          'tagmanifest-sha256.txt.tsr',
          '-token_in',
          '-CAfile',
          join(tmp, 'tsa.crt'),
          '-untrusted',
          join(tmp, 'tsa.crt'),
        ],
        { cwd: dir },
      ).toString();
      expect(ts).toMatch(/Verification: OK/);
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });

  const firstData = (b: Bag) => [...b.keys()].find((p) => p.startsWith('data/'))!;
  const custodyOf = (b: Bag) => [...b.keys()].find((p) => p.startsWith('custody/'))!;
  const consentOf = (b: Bag) => [...b.keys()].find((p) => p.startsWith('consent/'))!;
  const flip = (data: Buffer, at = 0) => {
    const out = Buffer.from(data);
    out[at] = out[at]! ^ 1;
    return out;
  };
  const MUTATIONS: Array<[string, (b: Bag) => string | undefined, RegExp]> = [
    [
      'a changed byte in an item',
      (b) => void b.set(firstData(b), flip(b.get(firstData(b))!, 5)),
      /^data\/items\/.* was changed: its SHA-256 does not match manifest-sha256\.txt$/,
    ],
    [
      'a missing item file',
      (b) => void b.delete(firstData(b)),
      /^data\/items\/.* is missing \(listed in manifest-sha256\.txt\)$/,
    ],
    [
      'an added file',
      (b) => void b.set('data/items/extra.jpg', Buffer.from('x')),
      /^data\/items\/extra\.jpg was added: it is in no manifest$/,
    ],
    [
      'a truncated file',
      (b) => void b.set(firstData(b), b.get(firstData(b))!.subarray(0, 10)),
      /was changed: its SHA-256 does not match/,
    ],
    [
      'a renamed file',
      (b) => {
        const p = firstData(b);
        b.set(p.replace(/\.(\w+)$/, '-renamed.$1'), b.get(p)!);
        b.delete(p);
        return undefined;
      },
      /-renamed\.\w+ was added: it is in no manifest$/,
    ],
    [
      'reordered custody events',
      (b) => {
        const p = custodyOf(b);
        const lines = b.get(p)!.toString().trim().split('\n');
        [lines[0], lines[1]] = [lines[1]!, lines[0]!];
        b.set(p, Buffer.from(`${lines.join('\n')}\n`));
        return undefined;
      },
      /custody event 1: does not link to the event before it|custody does not start with "received"/,
    ],
    [
      'a wrong signature',
      (b) => void b.set('tagmanifest-sha256.txt.sig', flip(b.get('tagmanifest-sha256.txt.sig')!)),
      /^the signature does not verify/,
    ],
    [
      'a removed signature',
      (b) => void b.delete('tagmanifest-sha256.txt.sig'),
      /^tagmanifest-sha256\.txt\.sig \(the signature\) is missing$/,
    ],
    [
      'a changed manifest',
      (b) =>
        void b.set(
          'manifest-sha256.txt',
          Buffer.from(
            b
              .get('manifest-sha256.txt')!
              .toString()
              .replace(/^./, (c) => (c === '0' ? '1' : '0')),
          ),
        ),
      /^manifest-sha256\.txt was changed: its SHA-256 does not match tagmanifest-sha256\.txt$/,
    ],
    [
      'a changed tag file (custody actor)',
      (b) =>
        void b.set(
          custodyOf(b),
          Buffer.from(
            b
              .get(custodyOf(b))!
              .toString()
              .replace(/"actor":"[^"]+"/, '"actor":"someone"'),
          ),
        ),
      /^custody\/.* was changed: its SHA-256 does not match tagmanifest-sha256\.txt$/,
    ],
    [
      'a changed consent',
      (b) =>
        void b.set(
          consentOf(b),
          Buffer.from(
            b
              .get(consentOf(b))!
              .toString()
              .replace(/"how": "[a-z_]+"/, '"how": "electronic"'),
          ),
        ),
      /^consent\/.* was changed: its SHA-256 does not match tagmanifest-sha256\.txt$/,
    ],
    [
      'a changed bag-info',
      (b) =>
        void b.set(
          'bag-info.txt',
          Buffer.from(b.get('bag-info.txt')!.toString().replace('icc_otp', 'journalists')),
        ),
      /^bag-info\.txt was changed/,
    ],
    [
      'a removed timestamp',
      (b) => void b.delete('tagmanifest-sha256.txt.tsr'),
      /^tagmanifest-sha256\.txt\.tsr \(the RFC 3161 timestamp token\) is missing$/,
    ],
    [
      'an added tag file',
      (b) => void b.set('notes.txt', Buffer.from('hello')),
      /^notes\.txt was added: it is in no tag manifest$/,
    ],
    ['the wrong key', () => 'wrong-key', /^the signature does not verify/],
    [
      'a rebuilt tag manifest (changed consent, re-hashed)',
      (b) => {
        const p = consentOf(b);
        b.set(p, Buffer.from(b.get(p)!.toString().replace('"given"', '"refused"')));
        const lines = b
          .get('tagmanifest-sha256.txt')!
          .toString()
          .split('\n')
          .map((l) => (l.endsWith(`  ${p}`) ? `${sha256(b.get(p)!).toString('hex')}  ${p}` : l));
        b.set('tagmanifest-sha256.txt', Buffer.from(lines.join('\n')));
        return undefined;
      },
      /^the signature does not verify/,
    ],
  ];

  it.each(MUTATIONS)('names %s and fails', async (_name, mutate, expected) => {
    if (bag === undefined) throw new Error('no bag: the export test failed');
    const copy: Bag = new Map([...bag].map(([k, v]) => [k, Buffer.from(v)]));
    if (_name === 'a removed timestamp' && !copy.has('tagmanifest-sha256.txt.tsr')) return;
    let key = pem;
    if (mutate(copy) === 'wrong-key') {
      const { generateKeyPairSync } = await import('node:crypto');
      key = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    }
    const result = await verifyBag(copy, key);
    expect(result.ok).toBe(false);
    expect(
      result.problems.some((p) => expected.test(p)),
      result.problems.join('\n'),
    ).toBe(true);
  });

  it('the command exits non-zero, naming the problem, for a tampered bundle directory', async () => {
    const away = mkdtempSync(join(tmpdir(), 'sanctuary-recipient-'));
    try {
      const copy: Bag = new Map(bag);
      copy.set(firstData(copy), flip(copy.get(firstData(copy))!, 3));
      await writeBagTo(copy, join(away, 'b.zip'), 'zip');
      writeFileSync(join(away, 'org.pem'), pem);
      const { main } = await import('../../cli/main.ts');
      const writes: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => {
        writes.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      let code: number;
      try {
        code = await main(['evidence', 'verify', join(away, 'b.zip'), '--public-key', join(away, 'org.pem')]);
      } finally {
        process.stdout.write = write;
      }
      expect(code).toBe(2);
      expect(writes.join('')).toMatch(/Bundle BROKEN: .*\n {2}- data\/items\/.* was changed/);
      expect(existsSync(join(away, 'data'))).toBe(false);
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });
});

describe('a photo under pseudonym-only consent', () => {
  it('leaves only as a redacted copy a second person confirmed; the original keeps its EXIF and arrival hash', async () => {
    const officer = await buildStaffActor(t.ctx, 'evidence_officer');
    const reviewer = await buildStaffActor(t.ctx, 'evidence_officer');
    const team = await buildTeam(t.ctx, { members: [officer.id, reviewer.id] });
    const kase = await buildCase(t.ctx, { teamId: team });
    const photo = await checkerboardJpeg();
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
      data: photo,
      fileName: 'face.jpg',
      keepOriginal: true,
    });
    const [item] = await listCaseEvidence(t.ctx, officer, kase.ref);
    await recordConsent(t.ctx, officer, item!.id, {
      destination: 'icc_otp',
      status: 'given',
      how: 'written',
      identity: 'pseudonym',
    });
    const input = { destination: 'icc_otp', itemIds: [item!.id], reason: 'ICC' };
    await expect(exportBundle(t.ctx, officer, input)).rejects.toMatchObject({
      details: [{ itemId: item!.id, code: 'image_unconfirmed' }],
    });
    await expect(
      prepareImageRedaction(t.ctx, officer, item!.id, { regions: '60 0 10 10', mode: 'blur' }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      fields: { regions: 'evidence.error.region_outside' },
    });
    const prepared = await prepareImageRedaction(t.ctx, officer, item!.id, {
      regions: '0 0 16 16\n32 16 24 24',
      mode: 'remove',
    });
    await expect(confirmRedaction(t.ctx, officer, prepared.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(exportBundle(t.ctx, officer, input)).rejects.toMatchObject({ code: 'conflict' });
    await confirmRedaction(t.ctx, reviewer, prepared.id);

    const { bag } = await exportBundle(t.ctx, officer, input);
    const [file, copy] = [...bag].find(([p]) => p.startsWith(`data/items/${item!.id}/`))!;
    expect(file).toMatch(/redacted\.jpg$/);
    expect(sha256(copy).toString('hex')).toBe(prepared.sha256);
    expect(await exifr.parse(copy).catch(() => undefined)).toBeUndefined();
    expect(await verifyBag(bag, evidencePublicKey(t.ctx))).toMatchObject({ ok: true, problems: [] });
    expect(JSON.parse(bag.get('evidence/items.json')!.toString())[0]).toMatchObject({
      sha256: sha256(photo).toString('hex'),
      redacted: true,
    });

    const original = await openOriginal(t.ctx, officer, item!.id, 'after the export');
    expect(original.data.equals(photo)).toBe(true);
    expect(original.sha256).toBe(sha256(photo).toString('hex'));
    expect((await exifr.parse(original.data)).Make).toBe('CanaryCam');
    const custody = await readCustody(t.ctx, officer, item!.id);
    expect(custody.map((e) => [e.action, e.actor])).toEqual([
      ['received', 'applicant'],
      ['consent_recorded', officer.id],
      ['redacted', officer.id],
      ['redacted', reviewer.id],
      ['exported', officer.id],
      ['viewed', officer.id],
    ]);
    expect((await verifyCustody(t.ctx, { itemId: item!.id })).ok).toBe(true);
  });
});

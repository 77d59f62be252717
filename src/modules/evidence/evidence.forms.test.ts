import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { buildStaffActor, checkerboardJpeg } from '../../../test/support/evidence.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { multipart } from '../../../test/support/multipart.ts';
import type { Database } from '../../db/types.ts';
import { addApplicantMessage } from '../cases/index.ts';
import { addAttachment, intakeRuntimeOf } from '../intake/index.ts';
import { sha256 } from '../../crypto/index.ts';
import { addRecording } from './evidence.service.ts';
import {
  listCaseEvidence,
  openOriginal,
  prepareImageRedaction,
  recordConsent,
  recordTestimony,
} from './index.ts';

/**
 * The evidence forms from the attacker's side (hostile and malformed input): each is refused
 * with a translated error and a 4xx, or ignored where it cannot matter, and writes nothing.
 * One app, two signed-in members (an evidence officer and a caseworker on the same team),
 * records built once.
 */
let t: TestApp;
let officer: Client;
let caseworker: Client;
let officerId: string;
const csrfs = new Map<Client, string>();
let ref: string;
let photoId: string;
let testimonyId: string;
let testimonyItemId: string;
let otherMessageId: string;
let otherItemId: string;

const EVIDENCE_TABLES: Array<keyof Database> = [
  'evidence_items',
  'evidence_custody',
  'evidence_testimonies',
  'evidence_testimony_versions',
  'evidence_consents',
  'evidence_redactions',
  'evidence_links',
];
async function counts(): Promise<number[]> {
  return Promise.all(EVIDENCE_TABLES.map((table) => countRows(t.ctx.database.db, table)));
}

/** A form POST with repeated fields (checkboxes) and the page's CSRF token. */
function post(client: Client, url: string, fields: Array<[string, string]>): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams([['_csrf', csrfs.get(client)!], ...fields]);
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: client.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

const TESTIMONY: Array<[string, string]> = [
  ['language', 'ru'],
  ['witnessName', 'Иван Петров'],
  ['witnessRole', 'driver'],
  ['unit', 'unit 12345'],
  ['datesAndPlaces', 'March 2022'],
  ['events', 'Prisoners were taken from the school.'],
  ['personsInvolved', ''],
  ['knowledge', 'saw'],
  ['knowledgeDetail', ''],
  ['interviewerNotes', ''],
];
const withField = (name: string, value: string): Array<[string, string]> =>
  TESTIMONY.map(([k, v]) => [k, k === name ? value : v]);

beforeAll(async () => {
  t = await buildTestApp();
  const o = await buildStaff(t.ctx, 'evidence_officer');
  const c = await buildStaff(t.ctx, 'caseworker');
  officerId = o.id;
  const team = await buildTeam(t.ctx, { members: [o.id, c.id] });
  const kase = await buildCase(t.ctx, { teamId: team });
  ref = kase.ref;
  await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
    data: await checkerboardJpeg(),
    fileName: 'p.jpg',
    keepOriginal: true,
  });
  photoId = (
    await t.ctx.database.db
      .selectFrom('evidence_items')
      .select('id')
      .where('case_id', '=', kase.id)
      .executeTakeFirstOrThrow()
  ).id;
  const actor = staffActor(o);
  ({ id: testimonyId } = await recordTestimony(t.ctx, actor, ref, {
    language: 'en',
    witnessName: 'Ivan Petrov',
    witnessRole: '',
    unit: '',
    datesAndPlaces: '',
    events: 'x',
    personsInvolved: '',
    knowledge: ['saw'],
    knowledgeDetail: '',
    interviewerNotes: '',
  }));
  // Another team's case, with a message and a photo, that these members may not touch.
  const stranger = await buildStaffActor(t.ctx, 'evidence_officer');
  const other = await buildCase(t.ctx, { teamId: await buildTeam(t.ctx, { members: [stranger.id] }) });
  otherMessageId = (await addApplicantMessage(t.ctx, other.id, 'elsewhere')).id;
  await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), other.id, {
    data: await checkerboardJpeg(),
    fileName: 'q.jpg',
    keepOriginal: true,
  });
  otherItemId = (
    await t.ctx.database.db
      .selectFrom('evidence_items')
      .select('id')
      .where('case_id', '=', other.id)
      .executeTakeFirstOrThrow()
  ).id;
  [officer, caseworker] = [await signInClient(t.app, o), await signInClient(t.app, c)];
  for (const client of [officer, caseworker])
    csrfs.set(client, Client.csrfOf((await client.get(`/staff/evidence/cases/${ref}?lang=en`)).body));
});
afterAll(async () => t?.close());

describe('hostile input to the evidence forms', () => {
  it('refuses a link with an unknown kind, an empty, control-character or overlong name, and removing a link of another item, writing nothing', async () => {
    const url = `/staff/evidence/items/${photoId}/links?lang=uk`;
    const ok = await post(officer, url, [
      ['kind', 'commander'],
      ['name', '<b>Полковник</b> Іванов'],
    ]);
    expect(ok.headers.location).toContain('flash=evidence.flash.linked');
    const before = await counts();
    for (const fields of [
      [
        ['kind', 'brigade'],
        ['name', '155 бригада'],
      ],
      [
        ['kind', 'unit'],
        ['name', ' -- '],
      ],
      [
        ['kind', 'unit'],
        ['name', 'a\u0000b'],
      ],
      [
        ['kind', 'unit'],
        ['name', 'x'.repeat(201)],
      ],
      [['name', 'unit']],
    ] as Array<Array<[string, string]>>) {
      const res = await post(officer, url, fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain('Нічого не збережено');
      expect(res.body).toContain('aria-invalid="true"');
    }
    // The same name again (other case and punctuation) is the existing link, not a second one.
    const again = await post(officer, url, [
      ['kind', 'commander'],
      ['name', '<B>полковник</B>,  ІВАНОВ'],
    ]);
    expect(again.statusCode).toBe(303);
    const page = await officer.get(`/staff/evidence/items/${photoId}?lang=en`);
    expect(page.body).toContain('&lt;b>Полковник&lt;/b> Іванов');
    const linkId = /name="remove" value="([0-9a-f-]{36})"/.exec(page.body)![1]!;
    // Removing it through another item's URL, and a search without a name, are refused too.
    const wrong = await post(officer, `/staff/evidence/items/${otherItemId}/links?lang=en`, [
      ['remove', linkId],
    ]);
    expect(wrong.statusCode).toBe(404);
    const search = await post(officer, '/staff/evidence/units?lang=ru', [['kind', 'unit']]);
    expect(search.statusCode).toBe(400);
    expect(search.body).toContain('Напишите название или имя');
    expect(await counts()).toEqual(before);
  });

  it('refuses a testimony without events, too long, with an unknown knowledge or a source of another case, writing nothing', async () => {
    const before = await counts();
    const url = `/staff/evidence/cases/${ref}/testimony?lang=ru`;
    for (const fields of [
      withField('events', ''),
      withField('events', 'x'.repeat(20_001)),
      withField('knowledge', 'rumour'),
      withField('language', 'de'),
      [...TESTIMONY, ['sources', otherItemId]] as Array<[string, string]>,
      [...TESTIMONY, ['sources', 'not-a-uuid']] as Array<[string, string]>,
    ]) {
      const res = await post(officer, url, fields);
      expect(res.statusCode, fields.map((f) => f[0]).join()).toBe(400);
      expect(res.body).toContain('Ничего не сохранено');
      expect(res.body).toContain('aria-invalid="true"');
    }
    expect(await counts()).toEqual(before);
  });

  it('keeps markup in a testimony as text and shows it escaped when read back', async () => {
    const res = await post(officer, `/staff/evidence/cases/${ref}/testimony?lang=en`, [
      ...withField('events', '<script>alert(1)</script> & <img src=x onerror=alert(2)>'),
      ['sources', photoId],
    ]);
    expect(res.statusCode).toBe(303);
    const page = await officer.get(`${res.headers.location}`);
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain(
      '<dd>&lt;script>alert(1)&lt;/script> &amp; &lt;img src=x onerror=alert(2)></dd>',
    );
  });

  it('refuses a confirmation without how, of a version that is not a number or does not exist, and a second one', async () => {
    const url = `/staff/evidence/testimony/${testimonyId}/confirm?lang=en`;
    const before = await counts();
    expect((await post(officer, url, [['version', '1']])).statusCode).toBe(400);
    expect(
      (
        await post(officer, url, [
          ['version', 'abc'],
          ['how', 'yes'],
        ])
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post(officer, url, [
          ['version', '99'],
          ['how', 'yes'],
        ])
      ).statusCode,
    ).toBe(404);
    expect(await counts()).toEqual(before);
    const ok = await post(officer, url, [
      ['version', '1'],
      ['how', 'read back; said yes'],
    ]);
    expect(ok.headers.location).toContain('flash=evidence.flash.confirmed');
    const items = await countRows(t.ctx.database.db, 'evidence_items');
    const again = await post(officer, url, [
      ['version', '1'],
      ['how', 'again'],
    ]);
    expect(again.headers.location).toContain('error=evidence.flash.conflict');
    expect(await countRows(t.ctx.database.db, 'evidence_items')).toBe(items);
    testimonyItemId = (
      await t.ctx.database.db
        .selectFrom('evidence_testimony_versions')
        .select('item_id')
        .where('testimony_id', '=', testimonyId)
        .executeTakeFirstOrThrow()
    ).item_id!;
  });

  it('refuses consent given without how, to an unknown destination, or with overlong notes, and unknown custody acts', async () => {
    const before = await counts();
    const consent = `/staff/evidence/items/${photoId}/consent?lang=uk`;
    for (const fields of [
      [
        ['destination', 'icc_otp'],
        ['status', 'given'],
        ['how', ''],
        ['identity', 'named'],
      ],
      [
        ['destination', 'nsa'],
        ['status', 'refused'],
        ['identity', 'named'],
      ],
      [
        ['destination', 'icc_otp'],
        ['status', 'maybe'],
        ['identity', 'named'],
      ],
      [
        ['destination', 'icc_otp'],
        ['status', 'refused'],
        ['identity', 'anonymous'],
      ],
      [
        ['destination', 'icc_otp'],
        ['status', 'refused'],
        ['identity', 'named'],
        ['notes', 'n'.repeat(2001)],
      ],
    ] as Array<Array<[string, string]>>) {
      const res = await post(officer, consent, fields);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Нічого не збережено');
    }
    const custody = `/staff/evidence/items/${photoId}/custody?lang=en`;
    expect(
      (
        await post(officer, custody, [
          ['action', 'exported'],
          ['reason', 'forged export'],
        ])
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post(officer, custody, [
          ['action', 'received'],
          ['reason', 'again'],
        ])
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post(officer, custody, [
          ['action', 'copied'],
          ['reason', '   '],
        ])
      ).statusCode,
    ).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('refuses redaction regions that are not four whole numbers, reach outside the picture, or come with an unknown mode', async () => {
    const before = await counts();
    const url = `/staff/evidence/items/${photoId}/redactions?lang=en`;
    for (const [regions, mode] of [
      ["0 0 4 4'; drop table evidence_items; --", 'blur'],
      ['0 0 4', 'blur'],
      ['60 40 10 10', 'blur'],
      ['0 0 4 4', 'smudge'],
      [`${'0 0 1 1\n'.repeat(51)}`, 'remove'],
      ['0 0 4 4'.padEnd(5000, ' '), 'blur'],
    ]) {
      const res = await post(officer, url, [
        ['regions', regions!],
        ['mode', mode!],
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/id="regions-error"/);
    }
    const pseudonym = `/staff/evidence/items/${testimonyItemId}/redactions?lang=en`;
    expect((await post(officer, pseudonym, [['pseudonym', '  ']])).statusCode).toBe(400);
    expect((await post(officer, pseudonym, [['pseudonym', 'p'.repeat(101)]])).statusCode).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('refuses the preparer confirming their own redaction; a second person may', async () => {
    const { id } = await prepareImageRedaction(
      t.ctx,
      staffActor({ id: officerId, role: 'evidence_officer' }),
      photoId,
      {
        regions: '0 0 8 8',
        mode: 'remove',
      },
    );
    const before = await counts();
    const own = await post(officer, `/staff/evidence/redactions/${id}/confirm?lang=en`, []);
    expect(own.headers.location).toContain('error=evidence.flash.conflict');
    expect(await counts()).toEqual(before);
    const review = await caseworker.get(`/staff/evidence/redactions/${id}?lang=en`);
    expect(review.body).toContain(`/staff/evidence/redactions/${id}/confirm`);
    expect((await officer.get(`/staff/evidence/redactions/${id}?lang=en`)).body).toContain(
      'You prepared this redaction',
    );
    const ok = await post(caseworker, `/staff/evidence/redactions/${id}/confirm?lang=en`, []);
    expect(ok.headers.location).toContain('flash=evidence.flash.reviewed');
  });

  it('ignores clicks outside the picture and forged corners on the regions page', async () => {
    const base = `/staff/evidence/items/${photoId}/regions?lang=en`;
    for (const q of [
      '&at.x=-5&at.y=3',
      '&at.x=abc&at.y=1',
      '&corner=9999999,1&at.x=1e9&at.y=1',
      '&regions=%3Cscript%3E',
    ]) {
      const res = await officer.get(`${base}${q}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<script>');
    }
    // Two clicks make one rectangle, clamped to the picture.
    const second = await officer.get(`${base}&corner=10,5&at.x=500&at.y=2`);
    expect(second.body).toContain('10 2 54 4');
    // Shown at half size (32 × 24 for 64 × 48), clicks are in the drawn picture's pixels: converted,
    // each covering its 2 × 2 block. At natural size they would have been (2,2)-(10,14).
    const half = await officer.get(`${base}&dw=32`);
    expect(half.body).toMatch(
      /<input type="image"[^>]*width="32" height="24"[^>]*style="width:32px;height:24px/,
    );
    expect(half.body).toContain('name="dw" value="32"');
    const first = await officer.get(`${base}&dw=32&at.x=1&at.y=1`);
    expect(first.body).toContain('name="corner" value="2,2"');
    const scaled = await officer.get(`${base}&dw=32&corner=2,2&at.x=10&at.y=14`);
    expect(scaled.body).toContain('2 2 20 28');
    // A forged display width is kept within the picture: no division by zero, no region outside.
    for (const dw of ['0', '-1', '99999', 'x']) {
      const res = await officer.get(`${base}&dw=${dw}&corner=60,40&at.x=70&at.y=70`);
      expect(res.body, dw).toContain('60 40 4 8');
    }
  });

  it('refuses messages and exports naming another case, and unknown destinations, writing nothing', async () => {
    const before = await counts();
    const messages = `/staff/evidence/cases/${ref}/messages?lang=en`;
    expect((await post(officer, messages, [['message', otherMessageId]])).statusCode).toBe(404);
    expect((await post(officer, messages, [])).statusCode).toBe(400);
    const exportUrl = `/staff/evidence/cases/${ref}/export?lang=en`;
    expect(
      (
        await post(officer, exportUrl, [
          ['item', otherItemId],
          ['destination', 'icc_otp'],
          ['reason', 'x'],
        ])
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await post(officer, exportUrl, [
          ['item', photoId],
          ['destination', 'kgb'],
          ['reason', 'x'],
        ])
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post(officer, exportUrl, [
          ['destination', 'icc_otp'],
          ['reason', 'x'],
        ])
      ).statusCode,
    ).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('says in the reader’s language what blocked an export', async () => {
    await recordConsent(t.ctx, staffActor({ id: officerId, role: 'evidence_officer' }), photoId, {
      destination: 'journalists',
      status: 'refused',
      identity: 'named',
    });
    const before = await counts();
    const res = await post(officer, `/staff/evidence/cases/${ref}/export?lang=ru`, [
      ['item', photoId],
      ['item', testimonyItemId],
      ['destination', 'journalists'],
      ['reason', 'статья'],
    ]);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Ничего не выгружено');
    expect(res.body).toContain('p.jpg: согласие для этого получателя — «отказ»');
    expect(res.body).toContain('согласие для этого получателя — «не спрашивали»');
    expect(await counts()).toEqual(before);
  });

  it('keeps a recorded interview exactly as it arrived, hashed, typed by its bytes; refuses one too large', async () => {
    const wav = Buffer.concat([
      Buffer.from('RIFF'),
      Buffer.alloc(4),
      Buffer.from('WAVEfmt '),
      Buffer.alloc(64, 3),
    ]);
    const body = multipart([
      { name: '_csrf', value: csrfs.get(officer)! },
      { name: 'channel', value: 'interview' },
      { name: 'file', file: wav, filename: 'interview.jpg', type: 'image/jpeg' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/staff/evidence/cases/${ref}/files?lang=en`,
      headers: { cookie: officer.cookieHeader, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(res.headers.location).toContain('flash=evidence.flash.uploaded');
    const actor = staffActor({ id: officerId, role: 'evidence_officer' });
    const item = (await listCaseEvidence(t.ctx, actor, ref)).find((i) => i.mediaType === 'audio/wav')!;
    expect(item).toMatchObject({
      channel: 'interview',
      receivedBy: officerId,
      sha256: sha256(wav).toString('hex'),
    });
    expect((await openOriginal(t.ctx, actor, item.id, 'listen')).data.equals(wav)).toBe(true);
    const before = await counts();
    await expect(
      addRecording(t.ctx, actor, ref, { data: wav, fileName: 'x.wav', truncated: true }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await counts()).toEqual(before);
  });

  it('refuses a file that is not a photo or PDF, keeping nothing', async () => {
    const before = await counts();
    const body = multipart([
      { name: '_csrf', value: csrfs.get(caseworker)! },
      { name: 'channel', value: 'interview' },
      { name: 'file', file: Buffer.from('#!/bin/sh\nrm -rf /\n'), filename: 'x.jpg', type: 'image/jpeg' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/staff/evidence/cases/${ref}/files?lang=en`,
      headers: { cookie: caseworker.cookieHeader, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(res.headers.location).toContain('error=evidence.error.file');
    expect(await counts()).toEqual(before);
    const forged = multipart([
      { name: '_csrf', value: 'forged' },
      { name: 'file', file: await checkerboardJpeg(), filename: 'y.jpg', type: 'image/jpeg' },
    ]);
    const refused = await t.app.inject({
      method: 'POST',
      url: `/staff/evidence/cases/${ref}/files?lang=en`,
      headers: { cookie: caseworker.cookieHeader, 'content-type': forged.contentType },
      payload: forged.payload,
    });
    expect(refused.statusCode).toBe(403);
    expect(await counts()).toEqual(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { addVerifiedPeer, CLI } from '../../../test/support/federation.ts';
import { federationIdentity, generateRootKey, Keyring } from '../../crypto/index.ts';
import type { Database } from '../../db/types.ts';
import { readCase } from '../cases/index.ts';
import { buildPacket, checkReceipt, type Packet, type Payload } from './federation.protocol.ts';
import { addPeer, deliverPacket, sendRemoteReferral } from './federation.service.ts';

/**
 * The receiving endpoint, from the attacker's side (issue 14 item 5, ADR 0132). Server A and
 * server B are two apps on two databases; C is an outsider with its own keys. Every refusal
 * answers an English code and leaves B's database exactly as it was.
 */
let a: TestApp;
let b: TestApp;
let idA: Awaited<ReturnType<typeof federationIdentity>>;
let idB: Awaited<ReturnType<typeof federationIdentity>>;
const outsider = Keyring.withNewDerivationKey(generateRootKey());
let idC: Awaited<ReturnType<typeof federationIdentity>>;
let aOnB: string;
let bOnA: string;

const TABLES: Array<keyof Database> = ['federation_packets', 'cases', 'case_events', 'audit_log', 'jobs'];
async function counts(t: TestApp): Promise<number[]> {
  return Promise.all(TABLES.map((table) => countRows(t.ctx.database.db, table)));
}

const CONSENT = { fields: ['givenName', 'story', 'needs'], givenOn: '2026-12-01', how: 'inbox' };
function referral(ref: string): Payload {
  return {
    kind: 'referral',
    ref,
    fields: { givenName: 'Ivan', story: 'Needs a bed in Tbilisi', needs: 'family of three' },
    consent: CONSENT,
  };
}

async function post(packet: unknown) {
  const res = await b.app.inject({
    method: 'POST',
    url: '/api/v1/referrals',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(packet),
  });
  return {
    status: res.statusCode,
    body: res.json() as {
      error?: { code: string; message: string; receipt?: Record<string, string> };
      receipt?: unknown;
    },
  };
}

/** Posts and expects a refusal with `code`, and B's database unchanged. */
async function expectRefused(packet: unknown, status: number, code: string) {
  const before = await counts(b);
  const res = await post(packet);
  expect(res.status).toBe(status);
  expect(res.body.error?.code).toBe(code);
  expect(res.body.error?.message).toMatch(/^[A-Z][a-z]/);
  expect(await counts(b)).toEqual(before);
  return res;
}

function fromA(payload: Payload, overrides: { now?: Date; id?: string; encryptionKey?: string } = {}) {
  return buildPacket(a.ctx.vault.requireKeyring(), {
    from: idA.fingerprint,
    to: { fingerprint: idB.fingerprint, encryptionKey: overrides.encryptionKey ?? idB.encryptionKey },
    payload,
    now: overrides.now ?? new Date(),
    ...(overrides.id === undefined ? {} : { id: overrides.id }),
  });
}

beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp(), buildTestApp()]);
  [idA, idB, idC] = await Promise.all([
    federationIdentity(a.ctx.vault.requireKeyring()),
    federationIdentity(b.ctx.vault.requireKeyring()),
    federationIdentity(outsider),
  ]);
  aOnB = await addVerifiedPeer(b.ctx, a.ctx, 'Server A');
  bOnA = await addVerifiedPeer(a.ctx, b.ctx, 'Server B');
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('POST /api/v1/referrals', () => {
  let first: Packet;

  it('files a referral from a verified peer as a new case with its provenance and answers a signed receipt', async () => {
    const { packetId } = await sendRemoteReferral(a.ctx, CLI, {
      peerId: bOnA,
      localRef: 'R-1',
      fields: { givenName: 'Ivan', story: 'Needs a bed in Tbilisi', needs: 'family of three' },
      consent: CONSENT,
    });
    const row = await a.ctx.database.db
      .selectFrom('federation_packets')
      .select('body')
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    first = JSON.parse(Buffer.from(row.body!).toString('utf8')) as Packet;
    const res = await post(first);
    expect(res.status).toBe(201);
    expect(
      checkReceipt(res.body.receipt, first, { signingKey: idB.signingKey, fingerprint: idB.fingerprint }),
    ).toBeDefined();
    const filed = await b.ctx.database.db
      .selectFrom('federation_packets')
      .selectAll()
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow();
    expect(filed).toMatchObject({
      direction: 'in',
      state: 'filed',
      peer_id: aOnB,
      remote_ref: 'R-1',
      body: null,
    });
    const kase = await readCase(b.ctx, CLI, filed.case_id!);
    expect(kase.person.givenName).toBe('Ivan');
    expect(kase.story).toBe('Needs a bed in Tbilisi');
  });

  it('a receipt altered or signed by another key does not verify at the sender', async () => {
    const res = await expectRefused(first, 409, 'packet_replayed');
    const receipt = res.body.error?.receipt;
    const peer = { signingKey: idB.signingKey, fingerprint: idB.fingerprint };
    expect(checkReceipt(receipt, first, peer)).toBeDefined();
    expect(checkReceipt({ ...receipt, outcome: 'recorded' }, first, peer)).toBeUndefined();
    expect(checkReceipt(receipt, first, { ...peer, signingKey: idC.signingKey })).toBeUndefined();
  });

  it('refuses a replay of the same packet (with the original receipt, so a retrying sender learns it arrived)', async () => {
    const res = await expectRefused(first, 409, 'packet_replayed');
    expect(res.body.error?.receipt?.packetId).toBe(first.id);
  });

  it('refuses a new packet that reuses a seen id, without a receipt', async () => {
    const again = await fromA(referral('R-other'), { id: first.id });
    const res = await expectRefused(again, 409, 'packet_replayed');
    expect(res.body.error?.receipt).toBeUndefined();
  });

  it('refuses the same referral in another packet', async () => {
    await expectRefused(await fromA(referral('R-1')), 409, 'duplicate_referral');
  });

  it('refuses a tampered ciphertext, header or signature', async () => {
    const packet = await fromA(referral('R-2'));
    const flip = (s: string) =>
      s[10] === 'A' ? `${s.slice(0, 10)}B${s.slice(11)}` : `${s.slice(0, 10)}A${s.slice(11)}`;
    await expectRefused({ ...packet, ct: flip(packet.ct) }, 401, 'bad_signature');
    await expectRefused({ ...packet, enc: flip(packet.enc) }, 401, 'bad_signature');
    await expectRefused({ ...packet, type: 'status' }, 401, 'bad_signature');
    await expectRefused(
      { ...packet, createdAt: new Date(Date.now() - 1000).toISOString() },
      401,
      'bad_signature',
    );
    await expectRefused({ ...packet, sig: flip(packet.sig) }, 401, 'bad_signature');
  });

  it('refuses a packet signed by another key in the name of a verified peer', async () => {
    const forged = await buildPacket(outsider, {
      from: idA.fingerprint,
      to: { fingerprint: idB.fingerprint, encryptionKey: idB.encryptionKey },
      payload: referral('R-3'),
      now: new Date(),
    });
    await expectRefused(forged, 401, 'bad_signature');
  });

  it('refuses a packet sealed to a wrong key, or addressed to another server', async () => {
    await expectRefused(
      await fromA(referral('R-4'), { encryptionKey: idC.encryptionKey }),
      400,
      'undecryptable',
    );
    const elsewhere = await buildPacket(a.ctx.vault.requireKeyring(), {
      from: idA.fingerprint,
      to: { fingerprint: idC.fingerprint, encryptionKey: idC.encryptionKey },
      payload: referral('R-5'),
      now: new Date(),
    });
    await expectRefused(elsewhere, 400, 'wrong_recipient');
  });

  it('refuses an unknown sender, and a peer not (or no longer) verified', async () => {
    const fromC = await buildPacket(outsider, {
      from: idC.fingerprint,
      to: { fingerprint: idB.fingerprint, encryptionKey: idB.encryptionKey },
      payload: referral('R-6'),
      now: new Date(),
    });
    await expectRefused(fromC, 403, 'unknown_sender');
    const card = {
      sanctuaryFederation: 1,
      endpoint: 'https://c.example.org/api/v1/referrals',
      signingKey: idC.signingKey,
      encryptionKey: idC.encryptionKey,
      fingerprint: idC.fingerprint,
    };
    await addPeer(b.ctx, CLI, { label: 'Server C', card: JSON.stringify(card) });
    await expectRefused(fromC, 403, 'sender_not_verified');
  });

  it('refuses packets outside the time window', async () => {
    const day = 24 * 3_600_000;
    await expectRefused(
      await fromA(referral('R-7'), { now: new Date(Date.now() - 8 * day) }),
      400,
      'packet_stale',
    );
    await expectRefused(
      await fromA(referral('R-8'), { now: new Date(Date.now() + day) }),
      400,
      'packet_stale',
    );
  });

  it('refuses a field sent without consent, a status for a referral it never saw, other versions and junk', async () => {
    const unconsented = { ...referral('R-9'), fields: { givenName: 'Ivan', phone: '+7 900' } } as Payload;
    await expectRefused(await fromA(unconsented), 400, 'payload_invalid');
    const status: Payload = { kind: 'status', ref: 'nobody', status: 'accepted', on: '2026-12-06' };
    await expectRefused(await fromA(status), 404, 'unknown_referral');
    await expectRefused({ ...(await fromA(referral('R-10'))), v: 2 }, 400, 'version_unsupported');
    await expectRefused({ hello: 'world' }, 400, 'packet_malformed');
  });

  it('delivery from A records B’s receipt; a lost answer is recovered from the replay', async () => {
    const transport = async (_url: string, body: string) => {
      const res = await b.app.inject({
        method: 'POST',
        url: '/api/v1/referrals',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
      return { status: res.statusCode, json: res.json() as unknown };
    };
    // The first delivery of R-1 happened by hand above: B answers a replay with its receipt.
    const { packetId } = await sendRemoteReferral(a.ctx, CLI, {
      peerId: bOnA,
      localRef: 'R-1',
      fields: { givenName: 'Ivan' },
      consent: CONSENT,
    });
    expect(packetId).toBe(first.id);
    expect(await deliverPacket(a.ctx, packetId, transport)).toBe('delivered');
    const row = await a.ctx.database.db
      .selectFrom('federation_packets')
      .select(['state', 'receipt'])
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('delivered');
    expect(JSON.parse(row.receipt!).packetId).toBe(packetId);
    expect(await deliverPacket(a.ctx, packetId, transport)).toBe('skipped');
  });

  it('answers 503 with Retry-After while sealed, and stores nothing', async () => {
    const packet = await fromA(referral('R-11'));
    b.ctx.vault.seal();
    const before = await counts(b);
    const res = await b.app.inject({
      method: 'POST',
      url: '/api/v1/referrals',
      headers: { 'content-type': 'application/json', 'accept-language': 'en' },
      payload: JSON.stringify(packet),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await counts(b)).toEqual(before);
  });
});

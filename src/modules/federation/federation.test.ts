import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';
import { bytesContain } from '../../../test/support/canary.ts';
import { countRows } from '../../../test/support/db.ts';
import {
  addVerifiedPeer,
  CLI,
  type FederatedServer,
  startFederatedServer,
} from '../../../test/support/federation.ts';
import { federationIdentity, generateRootKey, Keyring } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/types.ts';
import { readCase } from '../cases/index.ts';
import {
  buildPacket,
  checkReceipt,
  type Packet,
  type PacketRefused,
  type Payload,
} from './federation.protocol.ts';
import {
  addPeer,
  deliverPacket,
  exportPacket,
  importPacket,
  MAX_IN_FLIGHT,
  onRemoteStatus,
  type RemoteStatusUpdate,
  receivePacket,
  sendRemoteReferral,
  sendRemoteStatus,
} from './federation.service.ts';

/**
 * Referrals between Sanctuary servers (issue 14 item 5, ADRs 0131-0133). Two servers started by
 * the test (two data directories, two databases, two ports, real HTTP between them):
 *
 * - issue 14, "done when": a referral travels from A to B, B files a case, B's status flows back
 *   to A; tampering, a replay and a wrong key are refused with nothing stored; the seized disk:
 *   neither database nor log holds the packet's contents, nor does an offline packet file;
 * - the endpoint from the attacker's side: every refusal answers an English code and leaves B's
 *   database exactly as it was. C is an outsider with its own keys.
 */
let A: Server;
let B: Server;
let a: TestApp;
let b: TestApp;
let idA: Awaited<ReturnType<typeof federationIdentity>>;
let idB: Awaited<ReturnType<typeof federationIdentity>>;
const outsider = Keyring.withNewDerivationKey(generateRootKey());
let idC: Awaited<ReturnType<typeof federationIdentity>>;
let aOnB: string;
let bOnA: string;

beforeAll(async () => {
  [A, B] = await Promise.all([startFederatedServer(), startFederatedServer()]);
  a = A.t;
  b = B.t;
  [idA, idB, idC] = await Promise.all([
    federationIdentity(a.ctx.vault.requireKeyring()),
    federationIdentity(b.ctx.vault.requireKeyring()),
    federationIdentity(outsider),
  ]);
  // The two administrators exchange identity cards and compare fingerprints.
  bOnA = await addVerifiedPeer(a.ctx, b.ctx, 'Server B (Tbilisi)');
  aOnB = await addVerifiedPeer(b.ctx, a.ctx, 'Server A');
}, 90_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const run = Math.random().toString(36).slice(2, 10);
const canary = {
  givenName: `Федерейкин${run}`,
  story: `federation-story-${run} прибываю в Тбилиси`,
  need: `federation-need-${run}`,
  note: `federation-note-${run} ждём вас`,
};
const CONSENT = { fields: ['givenName', 'story', 'needs'], givenOn: '2026-12-05', how: 'inbox' };

type Server = FederatedServer;

/** Every row of every table, as text (bytea as hex): what a copy of the database shows. */
async function databaseText(db: Db): Promise<Buffer> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r'`.execute(db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{
      r: string;
    }>`select row_to_json(t)::text as r from ${sql.table(name)} as t`.execute(db);
    for (const row of rows.rows) parts.push(row.r);
  }
  return Buffer.from(parts.join('\n'), 'utf8');
}

function expectNoCanary(bytes: Buffer, where: string): void {
  for (const [name, value] of Object.entries(canary)) {
    expect(bytesContain(bytes, value), `${name} in ${where}`).toBe(false);
  }
}

describe('a referral between two Sanctuary servers', () => {
  const heard: RemoteStatusUpdate[] = [];
  let unregister: () => void;
  let delivered: { id: string; body: string };
  let caseIdOnB: string;

  beforeAll(async () => {
    unregister = onRemoteStatus(async (_trx, update) => {
      heard.push(update);
    });
  }, 90_000);
  afterAll(async () => {
    unregister?.();
  });

  it('A sends; the outgoing queue holds no readable content; B files a case and A records its signed receipt', async () => {
    const { packetId } = await sendRemoteReferral(A.t.ctx, CLI, {
      peerId: bOnA,
      localRef: 'REF-2026-0001',
      fields: { givenName: canary.givenName, story: canary.story, needs: canary.need },
      consent: CONSENT,
    });
    const queued = await databaseText(A.t.ctx.database.db);
    // The dump does see plain columns (the reference), so a plaintext field would be found too.
    expect(bytesContain(queued, 'REF-2026-0001')).toBe(true);
    expectNoCanary(queued, 'A before delivery');
    expect(await A.jobs.runUntilIdle()).toBe(1);

    const sent = await A.t.ctx.database.db
      .selectFrom('federation_packets')
      .selectAll()
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    expect(sent.state).toBe('delivered');
    expect(JSON.parse(sent.receipt!)).toMatchObject({ packetId, outcome: 'filed' });
    delivered = { id: packetId, body: Buffer.from(sent.body!).toString('utf8') };

    const filed = await B.t.ctx.database.db
      .selectFrom('federation_packets')
      .selectAll()
      .where('id', '=', packetId)
      .executeTakeFirstOrThrow();
    expect(filed.remote_ref).toBe('REF-2026-0001');
    caseIdOnB = filed.case_id!;
    const kase = await readCase(B.t.ctx, CLI, caseIdOnB);
    expect(kase.person.givenName).toBe(canary.givenName);
    expect(kase.story).toBe(canary.story);
    expectNoCanary(await databaseText(B.t.ctx.database.db), 'B after filing');
  });

  it('B accepts; the status flows back to A and reaches the registered handler', async () => {
    await sendRemoteStatus(B.t.ctx, CLI, { caseId: caseIdOnB, status: 'accepted', note: canary.note });
    expectNoCanary(await databaseText(B.t.ctx.database.db), 'B before delivery of the status');
    expect(await B.jobs.runUntilIdle()).toBe(1);
    expect(heard).toEqual([
      expect.objectContaining({
        peerId: bOnA,
        direction: 'outgoing',
        ref: 'REF-2026-0001',
        status: 'accepted',
        note: canary.note,
      }),
    ]);
    expectNoCanary(await databaseText(A.t.ctx.database.db), 'A after the status');
  });

  it('refuses over HTTP a replay, a tampered packet and a packet sealed to a wrong key; nothing is stored', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${B.url}/api/v1/referrals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
    };
    const before = await tableCounts(B.t);
    expect(await post(delivered.body)).toEqual({ status: 409, code: 'packet_replayed' });
    const packet = JSON.parse(delivered.body) as Record<string, string>;
    const ct = packet.ct!;
    const tampered = { ...packet, ct: `${ct.slice(0, 20)}${ct[20] === 'x' ? 'y' : 'x'}${ct.slice(21)}` };
    expect(await post(JSON.stringify(tampered))).toEqual({ status: 401, code: 'bad_signature' });
    // A, honest but misconfigured, seals to its own key instead of B's: B cannot open it.
    const wrongKey = await buildPacket(A.t.ctx.vault.requireKeyring(), {
      from: idA.fingerprint,
      to: { fingerprint: idB.fingerprint, encryptionKey: idA.encryptionKey },
      payload: { kind: 'referral', ref: 'REF-2026-0002', fields: { givenName: 'X' }, consent: CONSENT },
      now: new Date(),
    });
    expect(await post(JSON.stringify(wrongKey))).toEqual({ status: 400, code: 'undecryptable' });
    expect(await tableCounts(B.t)).toEqual(before);
  });

  it('hands a packet over offline as a file, and its receipt back', async () => {
    const { packetId } = await sendRemoteReferral(A.t.ctx, CLI, {
      peerId: bOnA,
      localRef: 'REF-2026-0003',
      fields: { givenName: canary.givenName, needs: canary.need },
      consent: CONSENT,
    });
    const file = await exportPacket(A.t.ctx, CLI, packetId);
    expectNoCanary(Buffer.from(file), 'the exported packet file');
    const imported = await importPacket(B.t.ctx, CLI, file);
    expect(imported.kind).toBe('packet');
    const back = await importPacket(
      A.t.ctx,
      CLI,
      JSON.stringify(imported.kind === 'packet' ? imported.receipt : null),
    );
    expect(back).toEqual({ kind: 'receipt', packetId });
    expect(
      (
        await A.t.ctx.database.db
          .selectFrom('federation_packets')
          .select('state')
          .where('id', '=', packetId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('delivered');
    // The job queued with it finds it delivered and does nothing.
    await A.jobs.runUntilIdle();
    expect(A.t.logs()).not.toContain(canary.givenName);
    expect(B.t.logs()).not.toContain(canary.givenName);
    expectNoCanary(Buffer.from(A.t.logs() + B.t.logs()), 'the logs');
  });
});

const TABLES: Array<keyof Database> = ['federation_packets', 'cases', 'case_events', 'audit_log', 'jobs'];
async function tableCounts(t: TestApp): Promise<number[]> {
  return Promise.all(TABLES.map((table) => countRows(t.ctx.database.db, table)));
}

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
  const before = await tableCounts(b);
  const res = await post(packet);
  expect(res.status).toBe(status);
  expect(res.body.error?.code).toBe(code);
  expect(res.body.error?.message).toMatch(/^[A-Z][a-z]/);
  expect(await tableCounts(b)).toEqual(before);
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

  it('refuses as busy (503, Retry-After) beyond 8 packets in flight, never as bad input', async () => {
    const calls = Array.from({ length: MAX_IN_FLIGHT + 1 }, () => receivePacket(b.ctx, {}));
    const outcomes = await Promise.allSettled(calls);
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as PacketRefused).code : 'ok'));
    expect(codes.slice(0, MAX_IN_FLIGHT)).toEqual(Array(MAX_IN_FLIGHT).fill('packet_malformed'));
    const busy = (outcomes[MAX_IN_FLIGHT] as PromiseRejectedResult).reason as PacketRefused;
    expect([busy.code, busy.status, busy.extra.retryAfter]).toEqual(['busy', 503, 5]);
  });

  it('answers 503 with Retry-After while sealed, and stores nothing', async () => {
    const packet = await fromA(referral('R-11'));
    b.ctx.vault.seal();
    const before = await tableCounts(b);
    const res = await b.app.inject({
      method: 'POST',
      url: '/api/v1/referrals',
      headers: { 'content-type': 'application/json', 'accept-language': 'en' },
      payload: JSON.stringify(packet),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await tableCounts(b)).toEqual(before);
  });
});

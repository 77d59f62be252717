import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { federationIdentity, generateRootKey, Keyring } from '../src/crypto/index.ts';
import type { Database } from '../src/db/types.ts';
import { createStaff } from '../src/modules/auth/index.ts';
import { getCaseFile, readCase } from '../src/modules/cases/index.ts';
import { buildPacket } from '../src/modules/federation/federation.protocol.ts';
import { addPeer } from '../src/modules/federation/federation.service.ts';
import { exportPacket, federationJobHandlers, importPacket } from '../src/modules/federation/index.ts';
import { JobRunner } from '../src/modules/jobs/index.ts';
import {
  answerRemoteReferral,
  decidePartnerVetting,
  recordConsent,
  sendReferral,
} from '../src/modules/referrals/index.ts';
import { buildStaff, type Client, signInClient } from './support/app.ts';
import { bytesContain } from './support/canary.ts';
import { countRows } from './support/db.ts';
import { buildCase, staffActor } from './support/factories.ts';
import { addVerifiedPeer, CLI, type FederatedServer, startFederatedServer } from './support/federation.ts';

/**
 * Issue 14, "done when": a referral travels between two servers started by the test (two data
 * directories, two databases, two ports, real HTTP) through the referral routes and services,
 * and its status flows back; tampering, replay and a wrong key are refused with nothing stored
 * (ADR 0163). Server A has a partner of kind "another Sanctuary server" that is its verified
 * peer B; B files the referral as a case and answers from that case's referrals page.
 */
type Server = FederatedServer;
let A: Server;
let B: Server;
let bOnA: string;
let cwA: Client;
let cwB: Client;
let caseworkerA: Awaited<ReturnType<typeof buildStaff>>;
let caseworkerB: Awaited<ReturnType<typeof buildStaff>>;
let caseA: { id: string; ref: string };
let partnerId: string;

const run = Math.random().toString(36).slice(2, 10);
const canary = { note: `fed-note-${run} семья из трёх`, story: `fed-story-${run} не для партнёра` };

const csrf = async (c: Client, url: string) => {
  const page = await c.get(url);
  const m = /name="_csrf" value="([^"]+)"/.exec(page.body);
  if (m?.[1] === undefined) throw new Error(`no form on ${url}: ${page.statusCode}`);
  return m[1];
};

const referralOnA = (id: string) =>
  A.t.ctx.database.db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const outgoing = (s: Server, localRef: string, kind: 'referral' | 'status' = 'referral') =>
  s.t.ctx.database.db
    .selectFrom('federation_packets')
    .selectAll()
    .where('local_ref', '=', localRef)
    .where('direction', '=', 'out')
    .where('kind', '=', kind)
    .orderBy('created_at', 'desc')
    .execute();
const incomingOnB = (ref: string) =>
  B.t.ctx.database.db
    .selectFrom('federation_packets')
    .selectAll()
    .where('remote_ref', '=', ref)
    .where('direction', '=', 'in')
    .where('kind', '=', 'referral')
    .executeTakeFirstOrThrow();
const TABLES: Array<keyof Database> = [
  'federation_packets',
  'cases',
  'referrals',
  'referral_events',
  'audit_log',
  'jobs',
];
const counts = (s: Server) => Promise.all(TABLES.map((table) => countRows(s.t.ctx.database.db, table)));

/** The case B filed from referral `ref`, given to B's caseworker (who answers it). */
async function takeOnB(ref: string): Promise<{ id: string; ref: string }> {
  const id = (await incomingOnB(ref)).case_id!;
  await B.t.ctx.database.db
    .updateTable('cases')
    .set({ assignee_id: caseworkerB.id })
    .where('id', '=', id)
    .execute();
  return { id, ref: (await readCase(B.t.ctx, CLI, id)).ref };
}

/** A consented referral of case A to the partner server, made through the routes. */
async function draftAndConsent(fields: string[]): Promise<string> {
  const base = `/staff/referrals/cases/${caseA.ref}`;
  const made = await cwA.post(`${base}?lang=en`, {
    _csrf: await csrf(cwA, `${base}?lang=en`),
    partnerId,
    people: '3',
    languages: 'ru',
    needs: 'families',
    note: canary.note,
  });
  expect(made.statusCode).toBe(303);
  const id = /#referral-([0-9a-f-]{36})/.exec(made.headers.location as string)![1]!;
  await recordConsent(A.t.ctx, staffActor(caseworkerA), caseA.ref, id, {
    fields,
    via: 'in_person',
    on: '2026-12-05',
  });
  return id;
}

beforeAll(async () => {
  [A, B] = await Promise.all([startFederatedServer(), startFederatedServer()]);
  bOnA = await addVerifiedPeer(A.t.ctx, B.t.ctx, 'Server B (Tbilisi)');
  await addVerifiedPeer(B.t.ctx, A.t.ctx, 'Server A');
  // The vetting officer acts through the service only: no enrolment (no password hashing) needed.
  const officer = await createStaff(A.t.ctx, CLI, {
    email: 'officer@a.example.org',
    role: 'vetting_officer',
  });
  await Promise.all([
    (async () => {
      caseworkerA = await buildStaff(A.t.ctx, 'caseworker');
    })(),
    (async () => {
      caseworkerB = await buildStaff(B.t.ctx, 'caseworker');
    })(),
  ]);
  [cwA, cwB] = await Promise.all([signInClient(A.t.app, caseworkerA), signInClient(B.t.app, caseworkerB)]);
  caseA = await buildCase(A.t.ctx, {
    person: { givenName: 'Павел', familyName: 'Федеративный', documents: [], family: [] },
    story: canary.story,
    assigneeId: caseworkerA.id,
  });
  // An unverified peer (C): never offered for a partner.
  const idC = await federationIdentity(Keyring.withNewDerivationKey(generateRootKey()));
  await addPeer(A.t.ctx, CLI, {
    label: 'Server C (unverified)',
    card: JSON.stringify({
      sanctuaryFederation: 1,
      endpoint: 'http://127.0.0.1:9/api/v1/referrals',
      signingKey: idC.signingKey,
      encryptionKey: idC.encryptionKey,
      fingerprint: idC.fingerprint,
    }),
  });
  const peerC = (await A.t.ctx.database.db
    .selectFrom('federation_peers')
    .select('id')
    .where('state', '=', 'unverified')
    .executeTakeFirstOrThrow())!.id;

  // The partner form offers the verified peer only, and the choice is checked again.
  const form = await cwA.get('/staff/referrals/partners/new?lang=en');
  expect(form.body).toContain('Server B (Tbilisi)');
  expect(form.body).not.toContain('Server C');
  const partner = {
    _csrf: await csrf(cwA, '/staff/referrals/partners/new?lang=en'),
    kind: 'sanctuary_server',
    name: 'Tbilisi Sanctuary',
    country: 'GE',
    city: 'Tbilisi',
    languages: 'ru',
    specialties: 'families',
    capacityPlaces: '10',
    contactMethod: 'sanctuary_server',
    contact: 'federation',
  };
  const before = await countRows(A.t.ctx.database.db, 'partners');
  for (const peerId of [peerC, '', 'not-a-uuid']) {
    const refused = await cwA.post('/staff/referrals/partners?lang=en', { ...partner, peerId });
    expect(refused.statusCode, peerId).toBe(400);
  }
  expect(await countRows(A.t.ctx.database.db, 'partners')).toBe(before);
  const added = await cwA.post('/staff/referrals/partners?lang=en', { ...partner, peerId: bOnA });
  expect(added.statusCode).toBe(303);
  partnerId = /partners\/([0-9a-f-]{36})/.exec(added.headers.location as string)![1]!;
  await decidePartnerVetting(
    A.t.ctx,
    { kind: 'staff', id: officer.staffId, role: 'vetting_officer', sessionHash: Buffer.alloc(32) },
    partnerId,
    { decision: 'vet' },
  );
}, 180_000);
afterAll(async () => {
  await A?.t.close();
  await B?.t.close();
});

describe('a referral from one Sanctuary server to another', () => {
  let referralId: string;
  let caseOnB: { id: string; ref: string };
  let delivered: string;

  it('is sent through the referral routes, delivered by the job, filed by B as a case with its provenance, and the signed receipt recorded', async () => {
    referralId = await draftAndConsent(['people', 'needs', 'note']);
    const send = await cwA.post(`/staff/referrals/cases/${caseA.ref}/${referralId}/send?lang=en`, {
      _csrf: await csrf(cwA, `/staff/referrals/cases/${caseA.ref}?lang=en`),
    });
    expect(send.statusCode).toBe(303);
    expect((await referralOnA(referralId)).state).toBe('sent');
    const [queued] = await outgoing(A, referralId);
    expect(queued).toMatchObject({ state: 'queued', peer_id: bOnA });
    // Sealed to B's key: A's copy of the packet is not readable (the case key's copy is the referral's).
    expect(bytesContain(Buffer.from(queued!.body!), canary.note)).toBe(false);

    expect(await A.jobs.runUntilIdle()).toBe(1);
    const [sent] = await outgoing(A, referralId);
    expect(sent!.state).toBe('delivered');
    expect(JSON.parse(sent!.receipt!)).toMatchObject({ packetId: sent!.id, outcome: 'filed' });
    delivered = Buffer.from(sent!.body!).toString('utf8');

    caseOnB = await takeOnB(referralId);
    const file = await getCaseFile(B.t.ctx, staffActor(caseworkerB), caseOnB.ref);
    expect(file.content?.answers).toMatchObject({
      people: '3',
      needs: 'families',
      note: canary.note,
      'referral.from': expect.stringContaining('Server A'),
      'referral.their_reference': referralId,
    });
    // Only the consented fields travelled: not the story, not the name.
    expect(file.content?.story).toBe('');
    expect(JSON.stringify(file.content)).not.toContain('Федеративный');
    expect(JSON.stringify(file.content)).not.toContain(canary.story);
  });

  it('B answers from the case’s referrals page; each status flows back to A, on its timeline and audited', async () => {
    const page = `/staff/referrals/cases/${caseOnB.ref}?lang=uk`;
    const view = await cwB.get(page);
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('Server A');
    expect(view.body).toContain('Направлення від іншого сервера Sanctuary');
    // A decline needs a reason; nothing is queued.
    const jobsBefore = await countRows(B.t.ctx.database.db, 'jobs');
    const bad = await cwB.post(`/staff/referrals/cases/${caseOnB.ref}/remote-answer?lang=en`, {
      _csrf: await csrf(cwB, page),
      status: 'declined',
    });
    expect(bad.statusCode).toBe(400);
    expect(await countRows(B.t.ctx.database.db, 'jobs')).toBe(jobsBefore);
    const ok = await cwB.post(`/staff/referrals/cases/${caseOnB.ref}/remote-answer?lang=en`, {
      _csrf: await csrf(cwB, page),
      status: 'accepted',
      note: 'Ждём семью',
    });
    expect(ok.statusCode).toBe(303);
    expect(await B.jobs.runUntilIdle()).toBe(1);
    expect((await referralOnA(referralId)).state).toBe('accepted');

    const actorB = staffActor(caseworkerB);
    await answerRemoteReferral(B.t.ctx, actorB, caseOnB.ref, { status: 'in_progress' });
    await answerRemoteReferral(B.t.ctx, actorB, caseOnB.ref, { status: 'completed', note: 'Живут у нас' });
    // Not after completed: 409, nothing queued.
    await expect(
      answerRemoteReferral(B.t.ctx, actorB, caseOnB.ref, { status: 'accepted' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await B.jobs.runUntilIdle()).toBe(2);
    expect((await referralOnA(referralId)).state).toBe('completed');

    const events = await A.t.ctx.database.db
      .selectFrom('referral_events')
      .select(['event', 'by_partner'])
      .where('referral_id', '=', referralId)
      .orderBy('at')
      .execute();
    expect(events.map((e) => e.event)).toEqual([
      'draft',
      'consent_recorded',
      'sent',
      'accepted',
      'in_progress',
      'completed',
    ]);
    expect(events.slice(3).every((e) => e.by_partner)).toBe(true);
    const audit = await A.t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('actor', '=', `peer:${bOnA}`)
      .where('action', 'like', 'referral.%')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['referral.accept', 'referral.start', 'referral.complete']);
    const timeline = await cwA.get(`/staff/cases/${caseA.ref}?lang=en`);
    expect(timeline.statusCode).toBe(200);
    expect(
      (
        await A.t.ctx.database.db
          .selectFrom('partners')
          .select('completed_count')
          .where('id', '=', partnerId)
          .executeTakeFirstOrThrow()
      ).completed_count,
    ).toBe(1);
  });

  it('refuses over HTTP a replay, a tampered packet and a wrong key, storing nothing; a replayed status changes nothing on A', async () => {
    const post = async (url: string, body: string) => {
      const res = await fetch(`${url}/api/v1/referrals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
    };
    const before = await counts(B);
    expect(await post(B.url, delivered)).toEqual({ status: 409, code: 'packet_replayed' });
    const packet = JSON.parse(delivered) as Record<string, string>;
    const ct = packet.ct!;
    const tampered = { ...packet, ct: `${ct.slice(0, 20)}${ct[20] === 'x' ? 'y' : 'x'}${ct.slice(21)}` };
    expect(await post(B.url, JSON.stringify(tampered))).toEqual({ status: 401, code: 'bad_signature' });
    const [idA, idB] = await Promise.all([
      federationIdentity(A.t.ctx.vault.requireKeyring()),
      federationIdentity(B.t.ctx.vault.requireKeyring()),
    ]);
    const wrongKey = await buildPacket(A.t.ctx.vault.requireKeyring(), {
      from: idA.fingerprint,
      to: { fingerprint: idB.fingerprint, encryptionKey: idA.encryptionKey },
      payload: {
        kind: 'referral',
        ref: 'a-new-referral',
        fields: { people: '1' },
        consent: { fields: ['people'], givenOn: '2026-12-05', how: 'in_person' },
      },
      now: new Date(),
    });
    expect(await post(B.url, JSON.stringify(wrongKey))).toEqual({ status: 400, code: 'undecryptable' });
    expect(await counts(B)).toEqual(before);

    // B's "completed" packet again, to A: refused, the referral and its timeline unchanged.
    const statusPackets = await B.t.ctx.database.db
      .selectFrom('federation_packets')
      .select('body')
      .where('direction', '=', 'out')
      .where('kind', '=', 'status')
      .where('remote_ref', '=', referralId)
      .execute();
    const beforeA = await counts(A);
    for (const p of statusPackets) {
      expect((await post(A.url, Buffer.from(p.body!).toString('utf8'))).code).toBe('packet_replayed');
    }
    expect(await counts(A)).toEqual(beforeA);
    expect((await referralOnA(referralId)).state).toBe('completed');
  });

  it('withdrawal on A reaches B: B shows it, answers no more; A erased its packet', async () => {
    const id = await draftAndConsent(['people']);
    await sendReferral(A.t.ctx, staffActor(caseworkerA), caseA.ref, id);
    expect(await A.jobs.runUntilIdle()).toBe(1);
    const { ref: refB } = await takeOnB(id);
    const withdraw = await cwA.post(`/staff/referrals/cases/${caseA.ref}/${id}/withdraw?lang=en`, {
      _csrf: await csrf(cwA, `/staff/referrals/cases/${caseA.ref}?lang=en`),
      reason: 'Applicant changed plans',
    });
    expect(withdraw.statusCode).toBe(303);
    expect(await referralOnA(id)).toMatchObject({ state: 'withdrawn', packet_enc: null });
    expect(await A.jobs.runUntilIdle()).toBe(1);
    expect((await incomingOnB(id)).answer).toBe('withdrawn');
    const page = await cwB.get(`/staff/referrals/cases/${refB}?lang=ru`);
    expect(page.body).toContain('Направившая организация отозвала это направление');
    expect(page.body).not.toContain('remote-answer');
    const jobsBefore = await countRows(B.t.ctx.database.db, 'jobs');
    await expect(
      answerRemoteReferral(B.t.ctx, staffActor(caseworkerB), refB, { status: 'accepted' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await countRows(B.t.ctx.database.db, 'jobs')).toBe(jobsBefore);
  });

  it('a failed delivery is retried by the job and not lost', async () => {
    const id = await draftAndConsent(['people']);
    await sendReferral(A.t.ctx, staffActor(caseworkerA), caseA.ref, id);
    const down = new JobRunner({
      db: A.t.ctx.database.db,
      logger: A.t.ctx.logger,
      handlers: federationJobHandlers(A.t.ctx, async () => {
        throw new Error('connection refused');
      }),
      isSealed: () => false,
    });
    await down.runUntilIdle();
    expect((await outgoing(A, id))[0]!.state).toBe('queued');
    await sql`update jobs set run_after = now() - interval '1 second' where state = 'queued'`.execute(
      A.t.ctx.database.db,
    );
    expect(await A.jobs.runUntilIdle()).toBe(1);
    expect((await outgoing(A, id))[0]!.state).toBe('delivered');
    expect((await incomingOnB(id)).case_id).not.toBeNull();
  });

  it('travels offline as a file, and its answer comes back as a file', async () => {
    const id = await draftAndConsent(['people', 'needs']);
    await sendReferral(A.t.ctx, staffActor(caseworkerA), caseA.ref, id);
    const [queued] = await outgoing(A, id);
    const file = await exportPacket(A.t.ctx, CLI, queued!.id);
    const taken = await importPacket(B.t.ctx, CLI, file);
    expect(taken.kind).toBe('packet');
    expect(
      await importPacket(A.t.ctx, CLI, JSON.stringify(taken.kind === 'packet' ? taken.receipt : null)),
    ).toEqual({
      kind: 'receipt',
      packetId: queued!.id,
    });
    const { ref: refB } = await takeOnB(id);
    await answerRemoteReferral(B.t.ctx, staffActor(caseworkerB), refB, {
      status: 'declined',
      note: 'No room this month',
    });
    const [answer] = await B.t.ctx.database.db
      .selectFrom('federation_packets')
      .select('id')
      .where('direction', '=', 'out')
      .where('kind', '=', 'status')
      .where('remote_ref', '=', id)
      .execute();
    const back = await importPacket(A.t.ctx, CLI, await exportPacket(B.t.ctx, CLI, answer!.id));
    expect(back.kind).toBe('packet');
    expect((await referralOnA(id)).state).toBe('declined');
    // The job queued with the referral's packet finds it delivered and does nothing.
    await A.jobs.runUntilIdle();
    expect((await outgoing(A, id))[0]!.state).toBe('delivered');
    expect(A.t.logs()).not.toContain(canary.note);
    expect(B.t.logs()).not.toContain(canary.note);
  });
});

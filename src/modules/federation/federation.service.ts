import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  type FederationPublicIdentity,
  federationFingerprint,
  federationIdentity,
  type Keyring,
  normaliseAuditFingerprint,
} from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { CASE_APPLICANT_TYPES } from '../../domain/applicant.ts';
import { AppError } from '../../platform/errors.ts';
import { admit, RateLimiter } from '../../platform/rate-limit.ts';
import { recordAudit } from '../audit/index.ts';
import { createCase, type NewCaseInput } from '../cases/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { canManageFederation, canSendRemote } from './federation.policy.ts';
import {
  buildPacket,
  checkReceipt,
  checkSignature,
  checkWindow,
  consentSchema,
  openPacket,
  type Packet,
  PacketRefused,
  packetDigest,
  parsePacket,
  REMOTE_STATUSES,
  type RemoteStatus,
  type SignedReceipt,
  signReceipt,
} from './federation.protocol.ts';
import {
  findIncomingReferralOfCase,
  findReferral,
  findPacketById,
  findPeerByFingerprint,
  findPeerById,
  insertPacket,
  insertPeer,
  listPacketRows,
  listPeerRows,
  listVerifiedPeerRows,
  lockPacket,
  markPacket,
  type PacketListRow,
  type PeerRow,
  setIncomingAnswer,
  setPeerState,
} from './federation.repository.ts';

export const JOB_DELIVER = 'federation.deliver';
const API_PATH = '/api/v1/referrals';

// ---------------------------------------------------------------------------------------------
// Identity

const identities = new WeakMap<Keyring, Promise<FederationPublicIdentity>>();

/** This server's public identity (memoised per keyring; the keys are derived, never stored). */
export function ownIdentity(ctx: AppContext): Promise<FederationPublicIdentity> {
  const keyring = ctx.vault.requireKeyring();
  let identity = identities.get(keyring);
  if (identity === undefined) {
    identity = federationIdentity(keyring);
    identities.set(keyring, identity);
  }
  return identity;
}

/** What an administrator hands to a peer: public keys, fingerprint and where to send packets. */
export interface IdentityCard {
  sanctuaryFederation: 1;
  endpoint: string;
  signingKey: string;
  encryptionKey: string;
  fingerprint: string;
}

export const identityCardSchema = z
  .object({
    sanctuaryFederation: z.literal(1),
    endpoint: z
      .string()
      .max(500)
      .refine((u) => {
        try {
          const url = new URL(u);
          return (
            (url.protocol === 'https:' || url.protocol === 'http:') &&
            url.username === '' &&
            url.password === ''
          );
        } catch {
          return false;
        }
      }),
    signingKey: z.string().regex(/^[0-9a-f]{64}$/),
    encryptionKey: z.string().regex(/^[0-9a-f]{64}$/),
    fingerprint: z.string(),
  })
  .strict();

export async function getIdentityCard(ctx: AppContext, actor: Actor): Promise<IdentityCard> {
  requireAllowed(canManageFederation(actor), 'federation.identity');
  const id = await ownIdentity(ctx);
  return {
    sanctuaryFederation: 1,
    endpoint: `${ctx.config.publicUrl}${API_PATH}`,
    signingKey: id.signingKey,
    encryptionKey: id.encryptionKey,
    fingerprint: id.fingerprint,
  };
}

// ---------------------------------------------------------------------------------------------
// Peers

export interface PeerView {
  id: string;
  label: string;
  endpoint: string;
  fingerprint: string;
  state: PeerRow['state'];
  addedOn: string;
}

function presentPeer(r: PeerRow): PeerView {
  return {
    id: r.id,
    label: r.label,
    endpoint: r.endpoint,
    fingerprint: r.fingerprint,
    state: r.state,
    addedOn: new Date(r.created_at).toISOString().slice(0, 10),
  };
}

export async function listPeers(ctx: AppContext, actor: Actor): Promise<PeerView[]> {
  requireAllowed(canManageFederation(actor), 'federation.peers');
  return (await listPeerRows(ctx.database.db)).map(presentPeer);
}

const addPeerSchema = z.object({
  label: z
    .string()
    .trim()
    .min(1)
    .max(120)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in hostile input is the point
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s)),
  card: z.string().trim().min(1).max(4000),
});

/**
 * Adds a peer from its pasted identity card. It starts unverified: it can neither send nor
 * receive until an administrator has compared the fingerprint with the peer's own and typed it.
 * The fingerprint is recomputed from the keys; a card whose stated fingerprint differs is refused.
 */
export async function addPeer(ctx: AppContext, actor: Actor, input: unknown): Promise<{ id: string }> {
  requireAllowed(canManageFederation(actor), 'federation.peer_add');
  const parsed = addPeerSchema.safeParse(input);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0])] = 'federation.error.required';
    throw new AppError('validation_failed', 'peer', { fields });
  }
  let card: IdentityCard;
  try {
    card = identityCardSchema.parse(JSON.parse(parsed.data.card)) as IdentityCard;
  } catch {
    throw new AppError('validation_failed', 'identity card', { fields: { card: 'federation.error.card' } });
  }
  const fingerprint = federationFingerprint(card.signingKey, card.encryptionKey);
  if (normaliseAuditFingerprint(card.fingerprint) !== fingerprint) {
    throw new AppError('validation_failed', 'card fingerprint', {
      fields: { card: 'federation.error.card' },
    });
  }
  const own = await ownIdentity(ctx);
  if (fingerprint === own.fingerprint) {
    throw new AppError('validation_failed', 'own card', { fields: { card: 'federation.error.own_card' } });
  }
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findPeerByFingerprint(trx, fingerprint)) !== undefined) {
      throw new AppError('validation_failed', 'known peer', { fields: { card: 'federation.error.known' } });
    }
    await insertPeer(trx, {
      id,
      label: parsed.data.label,
      endpoint: card.endpoint,
      signing_key: card.signingKey,
      encryption_key: card.encryptionKey,
      fingerprint,
      state: 'unverified',
      added_by: actorLabel(actor),
    });
    await recordAudit(trx, { actor: actorLabel(actor), action: 'federation.peer_add', target: `peer:${id}` });
  });
  return { id };
}

/**
 * Marks a peer verified. The administrator types the fingerprint the peer's administrator read
 * out (or that its QR code carried): it must equal the one computed from the pasted keys, so a
 * swapped card is caught here instead of trusted. Audited.
 */
export async function verifyPeer(
  ctx: AppContext,
  actor: Actor,
  peerId: string,
  input: unknown,
): Promise<void> {
  requireAllowed(canManageFederation(actor), 'federation.peer_verify');
  const typed = z.object({ fingerprint: z.string().max(200) }).safeParse(input);
  await ctx.database.db.transaction().execute(async (trx) => {
    const peer = await findPeerById(trx, peerId);
    if (peer === undefined || peer.state !== 'unverified') throw new AppError('not_found', 'no such peer');
    if (!typed.success || normaliseAuditFingerprint(typed.data.fingerprint) !== peer.fingerprint) {
      throw new AppError('validation_failed', 'fingerprint', {
        fields: { fingerprint: 'federation.error.fingerprint' },
      });
    }
    await setPeerState(trx, peerId, ['unverified'], 'verified', actorLabel(actor));
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'federation.peer_verify',
      target: `peer:${peerId}`,
    });
  });
}

/** Revokes a peer: from now on it can neither send nor receive. Audited. */
export async function revokePeer(ctx: AppContext, actor: Actor, peerId: string): Promise<void> {
  requireAllowed(canManageFederation(actor), 'federation.peer_revoke');
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await setPeerState(trx, peerId, ['unverified', 'verified'], 'revoked', actorLabel(actor))) === 0) {
      throw new AppError('not_found', 'no such peer');
    }
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'federation.peer_revoke',
      target: `peer:${peerId}`,
    });
  });
}

export async function listPackets(
  ctx: AppContext,
  actor: Actor,
): Promise<{ outgoing: PacketListRow[]; incoming: PacketListRow[] }> {
  requireAllowed(canManageFederation(actor), 'federation.packets');
  return {
    outgoing: await listPacketRows(ctx.database.db, 'out', 200),
    incoming: await listPacketRows(ctx.database.db, 'in', 200),
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

const refSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/);

const remoteReferralSchema = z
  .object({
    peerId: z.uuid(),
    localRef: refSchema,
    fields: z.record(z.string(), z.string()),
    consent: consentSchema,
  })
  .strict();

/** What `sendRemoteReferral` takes: the referral's own reference, the consented fields and the consent. */
export type RemoteReferralInput = z.input<typeof remoteReferralSchema>;

async function verifiedPeer(db: Db, peerId: string): Promise<PeerRow> {
  const peer = await findPeerById(db, peerId);
  if (peer === undefined || peer.state !== 'verified') throw new AppError('not_found', 'no verified peer');
  return peer;
}

async function queuePacket(
  ctx: AppContext,
  trx: Db,
  actor: Actor,
  peer: PeerRow,
  packet: Packet,
  refs: { local_ref: string | null; remote_ref: string | null; case_id: string | null },
): Promise<void> {
  await insertPacket(trx, {
    id: packet.id,
    direction: 'out',
    kind: packet.type,
    peer_id: peer.id,
    state: 'queued',
    body: Buffer.from(JSON.stringify(packet), 'utf8'),
    body_hash: Buffer.from(packetDigest(packet), 'hex'),
    ...refs,
  });
  await enqueueJob(trx, {
    kind: JOB_DELIVER,
    payload: { packetId: packet.id },
    dedupeKey: `${JOB_DELIVER}:${packet.id}`,
    maxAttempts: 60,
  });
  await recordAudit(trx, {
    actor: actorLabel(actor),
    action: `federation.${packet.type}_send`,
    target: `peer:${peer.id}`,
    reason: `packet:${packet.id}`,
  });
  void ctx;
}

/**
 * Sends a referral to a verified peer server: the consented fields are sealed to the peer's key
 * at once (this server cannot read the packet afterwards), stored as an outgoing packet and
 * delivered by the job runner with back-off. Every field must be in the consent's list. The
 * same `localRef` to the same peer again returns the packet already queued (idempotent).
 * Joins the caller's transaction when given.
 */
export async function sendRemoteReferral(
  ctx: AppContext,
  actor: Actor,
  input: RemoteReferralInput,
  trx?: Db,
  now: Date = new Date(),
): Promise<{ packetId: string }> {
  requireAllowed(canSendRemote(actor), 'federation.send');
  const parsed = remoteReferralSchema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', 'remote referral');
  const { peerId, localRef, fields, consent } = parsed.data;
  const keyring = ctx.vault.requireKeyring();
  const own = await ownIdentity(ctx);
  const work = async (db: Db) => {
    const peer = await verifiedPeer(db, peerId);
    const existing = await findReferral(db, peerId, 'out', localRef);
    if (existing !== undefined) return { packetId: existing.id };
    let packet: Packet;
    try {
      packet = await buildPacket(keyring, {
        from: own.fingerprint,
        to: { fingerprint: peer.fingerprint, encryptionKey: peer.encryption_key },
        payload: { kind: 'referral', ref: localRef, fields, consent },
        now,
      });
      // The receiver applies the same rules; checking here keeps a refused packet off the queue.
      parsePacket(packet);
    } catch (error) {
      if (error instanceof PacketRefused) throw new AppError('validation_failed', error.code);
      throw error;
    }
    if (!Object.keys(fields).every((f) => consent.fields.includes(f))) {
      throw new AppError('validation_failed', 'a field without consent');
    }
    await queuePacket(ctx, db, actor, peer, packet, { local_ref: localRef, remote_ref: null, case_id: null });
    return { packetId: packet.id };
  };
  return trx === undefined ? ctx.database.db.transaction().execute(work) : work(trx);
}

const remoteStatusSchema = z.union([
  z
    .object({
      caseId: z.uuid(),
      status: z.enum(REMOTE_STATUSES),
      note: z.string().max(2000).optional(),
    })
    .strict(),
  z
    .object({
      peerId: z.uuid(),
      localRef: refSchema,
      status: z.literal('withdrawn'),
      note: z.string().max(2000).optional(),
    })
    .strict(),
]);
export type RemoteStatusInput = z.input<typeof remoteStatusSchema>;

/**
 * Sends a status update back the way a referral came: `{ caseId, status }` for a case this
 * server filed from a peer's referral (accepted, declined, in progress, completed), or
 * `{ peerId, localRef, status: 'withdrawn' }` for a referral this server sent.
 */
export async function sendRemoteStatus(
  ctx: AppContext,
  actor: Actor,
  input: RemoteStatusInput,
  trx?: Db,
  now: Date = new Date(),
): Promise<{ packetId: string }> {
  requireAllowed(canSendRemote(actor), 'federation.send');
  const parsed = remoteStatusSchema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', 'remote status');
  const keyring = ctx.vault.requireKeyring();
  const own = await ownIdentity(ctx);
  const work = async (db: Db) => {
    const origin =
      'caseId' in parsed.data
        ? await findIncomingReferralOfCase(db, parsed.data.caseId)
        : await findReferral(db, parsed.data.peerId, 'out', parsed.data.localRef);
    if (origin === undefined) throw new AppError('not_found', 'no referral between servers');
    const peer = await verifiedPeer(db, origin.peer_id);
    const ref = origin.direction === 'in' ? origin.remote_ref! : origin.local_ref!;
    const packet = await buildPacket(keyring, {
      from: own.fingerprint,
      to: { fingerprint: peer.fingerprint, encryptionKey: peer.encryption_key },
      payload: {
        kind: 'status',
        ref,
        status: parsed.data.status,
        ...(parsed.data.note === undefined ? {} : { note: parsed.data.note }),
        on: now.toISOString().slice(0, 10),
      },
      now,
    });
    await queuePacket(ctx, db, actor, peer, packet, {
      local_ref: origin.local_ref,
      remote_ref: origin.remote_ref,
      case_id: origin.case_id,
    });
    return { packetId: packet.id };
  };
  return trx === undefined ? ctx.database.db.transaction().execute(work) : work(trx);
}

// ---------------------------------------------------------------------------------------------
// Answering a referral that arrived (ADR 0163)

/** The peers a `sanctuary_server` partner may be: verified ones only. */
export async function verifiedPeerChoices(
  db: Db,
): Promise<Array<{ id: string; label: string; fingerprint: string }>> {
  return (await listVerifiedPeerRows(db)).map((p) => ({
    id: p.id,
    label: p.label,
    fingerprint: p.fingerprint,
  }));
}

/** Whether `peerId` is a verified peer now. */
export async function isVerifiedPeer(db: Db, peerId: string): Promise<boolean> {
  return z.uuid().safeParse(peerId).success && (await findPeerById(db, peerId))?.state === 'verified';
}

export type IncomingAnswer = Exclude<RemoteStatus, 'withdrawn'>;

/** What may follow an answer on a referral that arrived (null: not answered yet). */
export const INCOMING_ANSWERS: Readonly<Record<string, readonly IncomingAnswer[]>> = {
  none: ['accepted', 'declined'],
  accepted: ['in_progress', 'completed'],
  in_progress: ['completed'],
  declined: [],
  completed: [],
  withdrawn: [],
};

/** A case this server filed from another server's referral: where it came from and what was answered. */
export interface IncomingReferral {
  peerId: string;
  peerLabel: string;
  fingerprint: string;
  theirRef: string;
  answer: IncomingAnswer | 'withdrawn' | null;
  receivedAt: Date;
  next: readonly IncomingAnswer[];
}

export async function incomingReferralOfCase(db: Db, caseId: string): Promise<IncomingReferral | undefined> {
  const row = await findIncomingReferralOfCase(db, caseId);
  if (row === undefined) return undefined;
  const peer = await findPeerById(db, row.peer_id);
  if (peer === undefined) return undefined;
  return {
    peerId: peer.id,
    peerLabel: peer.label,
    fingerprint: peer.fingerprint,
    theirRef: row.remote_ref ?? '',
    answer: row.answer,
    receivedAt: row.created_at,
    next: peer.state === 'verified' ? (INCOMING_ANSWERS[row.answer ?? 'none'] ?? []) : [],
  };
}

/**
 * Answers a referral that arrived from another server (the case it was filed as is `caseId`):
 * accepted or declined, then in progress, then completed. The answer is recorded on the
 * incoming packet's row and travels back as a signed status packet, queued in the caller's
 * transaction (the caller has authorised the case). 409 when the answer cannot follow the last
 * one (or the sender withdrew the referral); 404 when the case did not come from a peer.
 */
export async function answerIncomingReferral(
  ctx: AppContext,
  actor: Actor,
  input: { caseId: string; status: IncomingAnswer; note?: string },
  trx: Db,
  now: Date = new Date(),
): Promise<{ packetId: string }> {
  const row = await findIncomingReferralOfCase(trx, input.caseId, true);
  if (row === undefined) throw new AppError('not_found', 'no referral between servers');
  if (!(INCOMING_ANSWERS[row.answer ?? 'none'] ?? []).includes(input.status)) {
    throw new AppError('conflict', `answer ${input.status} after ${row.answer ?? 'none'}`);
  }
  await setIncomingAnswer(trx, row.id, input.status);
  return sendRemoteStatus(
    ctx,
    actor,
    { caseId: input.caseId, status: input.status, ...(input.note ? { note: input.note } : {}) },
    trx,
    now,
  );
}

// ---------------------------------------------------------------------------------------------
// Status updates that arrive: a registry the referrals module fills (wired by the lead)

export interface RemoteStatusUpdate {
  peerId: string;
  /** `outgoing`: the status of a referral this server sent (`ref` is our localRef); `incoming`: the sender withdrew a referral this server filed as `caseId`. */
  direction: 'outgoing' | 'incoming';
  ref: string;
  caseId: string | null;
  status: RemoteStatus;
  note: string | undefined;
  on: string;
  packetId: string;
}
/** Runs in the receiving transaction `trx`; `ctx` is the receiving server's (several may run in one process). */
export type RemoteStatusHandler = (trx: Db, update: RemoteStatusUpdate, ctx: AppContext) => Promise<void>;

const statusHandlers = new Set<RemoteStatusHandler>();

/**
 * Registers a handler for status updates from peers. It runs inside the transaction that
 * records the packet: if it throws, the packet is refused and nothing is stored, so the peer
 * retries. Returns a function that unregisters it.
 */
export function onRemoteStatus(handler: RemoteStatusHandler): () => void {
  statusHandlers.add(handler);
  return () => statusHandlers.delete(handler);
}

// ---------------------------------------------------------------------------------------------
// Receiving

/** The case a referral becomes: known person fields, a story, and the rest as intake answers, with its provenance. */
const PERSON_FIELDS = [
  'givenName',
  'familyName',
  'patronymic',
  'givenNameLatin',
  'familyNameLatin',
  'birthDate',
  'phone',
  'location',
] as const;

export function caseInputOf(
  fields: Record<string, string>,
  provenance: { peerLabel: string; fingerprint: string; ref: string },
): NewCaseInput {
  const person: Record<string, string> = {};
  const answers: Record<string, string> = {};
  let story = '';
  let country: string | undefined;
  let applicantType: (typeof CASE_APPLICANT_TYPES)[number] | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if ((PERSON_FIELDS as readonly string[]).includes(key)) person[key] = value;
    else if (key === 'story') story = value;
    else if (key === 'country' && /^[A-Z]{2}$/.test(value)) country = value;
    else if (key === 'applicantType' && (CASE_APPLICANT_TYPES as readonly string[]).includes(value)) {
      applicantType = value as (typeof CASE_APPLICANT_TYPES)[number];
    } else answers[key] = value;
  }
  answers['referral.from'] = `${provenance.peerLabel} (${provenance.fingerprint})`;
  answers['referral.their_reference'] = provenance.ref;
  return {
    person,
    story,
    answers,
    ...(country === undefined ? {} : { country }),
    ...(applicantType === undefined ? {} : { applicantType }),
  };
}

const limiters = new WeakMap<AppContext, { perPeer: RateLimiter; all: RateLimiter; inFlight: number }>();

function limitsOf(ctx: AppContext) {
  let l = limiters.get(ctx);
  if (l === undefined) {
    l = {
      perPeer: new RateLimiter({ limit: 120, windowMs: 60_000, clock: ctx.limits.clock }),
      all: new RateLimiter({ limit: 1_200, windowMs: 60_000, keys: 'plain', clock: ctx.limits.clock }),
      inFlight: 0,
    };
    limiters.set(ctx, l);
  }
  return l;
}

/** Packets being received at once in this process; beyond it the answer is 503 with Retry-After. */
export const MAX_IN_FLIGHT = 8;

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/**
 * Receives one packet (from the endpoint or an imported file). In this order, and nothing is
 * written before the last step: shape and version; addressed to this server's key; a verified
 * peer; the peer's rate; the signature; the time window; not seen before; decrypts and validates.
 * Then, in one transaction: the packet's id (the replay guard), the case it files or the status
 * it records, and the audit entry. Answers the signed receipt.
 */
export async function receivePacket(
  ctx: AppContext,
  body: unknown,
  options: { now?: Date } = {},
): Promise<{ receipt: SignedReceipt; caseId: string | null }> {
  const limits = limitsOf(ctx);
  if (limits.inFlight >= MAX_IN_FLIGHT) throw new PacketRefused('busy', { retryAfter: 5 });
  limits.inFlight += 1;
  try {
    return await receive(ctx, body, options.now ?? new Date());
  } finally {
    limits.inFlight -= 1;
  }
}

async function receive(
  ctx: AppContext,
  body: unknown,
  now: Date,
): Promise<{ receipt: SignedReceipt; caseId: string | null }> {
  const keyring = ctx.vault.requireKeyring();
  const packet = parsePacket(body);
  const own = await ownIdentity(ctx);
  if (packet.to !== own.fingerprint) throw new PacketRefused('wrong_recipient');
  const db = ctx.database.db;
  const peer = await findPeerByFingerprint(db, packet.from);
  if (peer === undefined) throw new PacketRefused('unknown_sender');
  if (peer.state !== 'verified') throw new PacketRefused('sender_not_verified');
  const limits = limitsOf(ctx);
  const refusedBy = admit([
    [limits.perPeer, peer.id],
    [limits.all, 'all'],
  ]);
  if (refusedBy !== undefined)
    throw new PacketRefused('rate_limited', { retryAfter: refusedBy.retryAfter() });
  checkSignature(packet, peer.signing_key);
  await refuseIfSeen(db, packet);
  checkWindow(packet, now);
  const payload = await openPacket(keyring, packet);
  const outcome: 'filed' | 'recorded' = payload.kind === 'referral' ? 'filed' : 'recorded';
  const receipt = signReceipt(keyring, packet, outcome, now);
  let caseId: string | null = null;
  try {
    await db.transaction().execute(async (trx) => {
      const base = {
        id: packet.id,
        direction: 'in' as const,
        kind: packet.type,
        peer_id: peer.id,
        state: outcome,
        body_hash: Buffer.from(packetDigest(packet), 'hex'),
        receipt: JSON.stringify(receipt),
      };
      if (payload.kind === 'referral') {
        if ((await findReferral(trx, peer.id, 'in', payload.ref)) !== undefined) {
          throw new PacketRefused('duplicate_referral');
        }
        let created: { id: string; ref: string };
        try {
          created = await createCase(
            ctx,
            { kind: 'applicant' },
            caseInputOf(payload.fields, {
              peerLabel: peer.label,
              fingerprint: peer.fingerprint,
              ref: payload.ref,
            }),
            { trx },
          );
        } catch (error) {
          if (error instanceof AppError && error.code === 'validation_failed') {
            throw new PacketRefused('payload_invalid');
          }
          throw error;
        }
        caseId = created.id;
        await insertPacket(trx, { ...base, remote_ref: payload.ref, case_id: created.id });
        await recordAudit(trx, {
          actor: `peer:${peer.id}`,
          action: 'federation.referral_receive',
          target: `case:${created.ref}`,
          reason: `packet:${packet.id}`,
        });
        return;
      }
      const outgoing = await findReferral(trx, peer.id, 'out', payload.ref);
      const incoming =
        outgoing === undefined ? await findReferral(trx, peer.id, 'in', payload.ref) : undefined;
      // A peer may report on the referrals it received from us; it may only withdraw its own.
      if (outgoing === undefined && (incoming === undefined || payload.status !== 'withdrawn')) {
        throw new PacketRefused('unknown_referral');
      }
      const origin = (outgoing ?? incoming)!;
      await insertPacket(trx, {
        ...base,
        local_ref: origin.local_ref,
        remote_ref: origin.remote_ref,
        case_id: origin.case_id,
      });
      for (const handler of statusHandlers) {
        await handler(
          trx,
          {
            peerId: peer.id,
            direction: outgoing === undefined ? 'incoming' : 'outgoing',
            ref: payload.ref,
            caseId: origin.case_id,
            status: payload.status,
            note: payload.note,
            on: payload.on,
            packetId: packet.id,
          },
          ctx,
        );
      }
      // The sending server withdrew a referral filed here: no answer is sent for it any more (ADR 0163).
      if (incoming !== undefined && payload.status === 'withdrawn') {
        await setIncomingAnswer(trx, incoming.id, 'withdrawn');
      }
      await recordAudit(trx, {
        actor: `peer:${peer.id}`,
        action: 'federation.status_receive',
        target: origin.case_id === null ? `peer:${peer.id}` : `case-id:${origin.case_id}`,
        reason: `packet:${packet.id} ${payload.status}`,
      });
    });
  } catch (error) {
    // Two copies of one packet at once: the second loses on the primary key and is a replay.
    if (isUniqueViolation(error)) {
      await refuseIfSeen(db, packet);
      throw new PacketRefused('packet_replayed');
    }
    throw error;
  }
  return { receipt, caseId };
}

/**
 * A packet id seen before is a replay, refused. When the copy is byte-for-byte the packet we
 * stored (its sender retrying after a lost answer), the refusal carries the receipt we gave,
 * so the sender learns it arrived; the copy still stores nothing.
 */
async function refuseIfSeen(db: Db, packet: Packet): Promise<void> {
  const seen = await findPacketById(db, packet.id);
  if (seen === undefined) return;
  const same =
    seen.direction === 'in' &&
    seen.receipt !== null &&
    Buffer.from(seen.body_hash).equals(Buffer.from(packetDigest(packet), 'hex'));
  throw new PacketRefused(
    'packet_replayed',
    same ? { receipt: JSON.parse(seen.receipt!) as SignedReceipt } : {},
  );
}

// ---------------------------------------------------------------------------------------------
// Delivery (job) and receipts

/** How delivery reaches a peer (tests pass their own); `fetch` by default. */
export type PacketTransport = (url: string, body: string) => Promise<{ status: number; json: unknown }>;

export const httpTransport: PacketTransport = async (url, body) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': 'en' },
    body,
    redirect: 'error',
    signal: AbortSignal.timeout(30_000),
  });
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // not JSON: judged by the status alone
  }
  return { status: res.status, json };
};

/** A delivery that cannot succeed by retrying (the packet is marked failed). */
export class DeliveryRefused extends Error {
  override name = 'DeliveryRefused';
}

/** A refusal that may pass later: the peer is busy, limiting us, or has not verified us yet. */
const RETRYABLE = new Set(['busy', 'rate_limited', 'unknown_sender', 'sender_not_verified', 'sealed']);

/**
 * Delivers one queued outgoing packet and records the peer's signed receipt. Idempotent: a
 * packet already delivered is left alone, and a retry the peer has seen comes back as
 * `packet_replayed` with its original receipt. Throws to be retried with back-off.
 */
export async function deliverPacket(
  ctx: AppContext,
  packetId: string,
  transport: PacketTransport = httpTransport,
): Promise<'delivered' | 'skipped'> {
  const row = await findPacketById(ctx.database.db, packetId);
  if (row === undefined || row.direction !== 'out' || row.state !== 'queued' || row.body === null)
    return 'skipped';
  const peer = await findPeerById(ctx.database.db, row.peer_id);
  if (peer === undefined || peer.state === 'revoked') {
    await markFailed(ctx, row.id);
    throw new DeliveryRefused('peer revoked');
  }
  const text = Buffer.from(row.body).toString('utf8');
  const packet = JSON.parse(text) as Packet;
  const answer = await transport(peer.endpoint, text);
  const error = (answer.json as { error?: { code?: unknown; receipt?: unknown } } | null)?.error;
  const receiptValue =
    answer.status === 201
      ? (answer.json as { receipt?: unknown } | null)?.receipt
      : error?.code === 'packet_replayed'
        ? error.receipt
        : undefined;
  if (receiptValue !== undefined) {
    await acceptReceipt(ctx, packet, peer, receiptValue);
    return 'delivered';
  }
  const code = typeof error?.code === 'string' ? error.code : '';
  if (answer.status >= 500 || answer.status === 429 || RETRYABLE.has(code)) {
    throw new Error(`peer answered ${answer.status} ${code}`.trim());
  }
  await markFailed(ctx, row.id);
  throw new DeliveryRefused(`peer refused: ${answer.status} ${code}`.trim());
}

async function markFailed(ctx: AppContext, id: string): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    await markPacket(trx, id, { state: 'failed' });
    await recordAudit(trx, { actor: 'system', action: 'federation.delivery_fail', target: `packet:${id}` });
  });
}

async function acceptReceipt(ctx: AppContext, packet: Packet, peer: PeerRow, value: unknown): Promise<void> {
  const receipt = checkReceipt(value, packet, {
    signingKey: peer.signing_key,
    fingerprint: peer.fingerprint,
  });
  if (receipt === undefined) throw new Error('the peer answered with a receipt that does not verify');
  await ctx.database.db.transaction().execute(async (trx) => {
    const row = await lockPacket(trx, packet.id);
    if (row === undefined || row.state === 'delivered') return;
    await markPacket(trx, packet.id, { state: 'delivered', receipt: JSON.stringify(receipt) });
    await recordAudit(trx, {
      actor: 'system',
      action: 'federation.delivered',
      target: `peer:${peer.id}`,
      reason: `packet:${packet.id}`,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Offline hand-over: the same packet as a file

/** The outgoing packet as it would travel (a file for an offline hand-over). Audited. */
export async function exportPacket(ctx: AppContext, actor: Actor, packetId: string): Promise<string> {
  requireAllowed(canManageFederation(actor), 'federation.export');
  const row = await findPacketById(ctx.database.db, packetId);
  if (row === undefined || row.direction !== 'out' || row.body === null)
    throw new AppError('not_found', 'no such packet');
  await recordAudit(ctx.database.db, {
    actor: actorLabel(actor),
    action: 'federation.packet_export',
    target: `packet:${packetId}`,
  });
  return `${Buffer.from(row.body).toString('utf8')}\n`;
}

/**
 * Imports a file: a packet from a peer (received exactly as over HTTP; answers its receipt, to
 * carry back) or a receipt for one of our packets (marks it delivered).
 */
export async function importPacket(
  ctx: AppContext,
  actor: Actor,
  text: string,
  now: Date = new Date(),
): Promise<{ kind: 'packet'; receipt: SignedReceipt } | { kind: 'receipt'; packetId: string }> {
  requireAllowed(canManageFederation(actor), 'federation.import');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PacketRefused('packet_malformed');
  }
  if ((value as { type?: unknown } | null)?.type === 'receipt') {
    const packetId = String((value as { packetId?: unknown }).packetId ?? '');
    const row = z.uuid().safeParse(packetId).success
      ? await findPacketById(ctx.database.db, packetId)
      : undefined;
    if (row === undefined || row.direction !== 'out' || row.body === null)
      throw new PacketRefused('unknown_referral');
    const peer = await findPeerById(ctx.database.db, row.peer_id);
    if (peer === undefined) throw new PacketRefused('unknown_sender');
    try {
      await acceptReceipt(ctx, JSON.parse(Buffer.from(row.body).toString('utf8')) as Packet, peer, value);
    } catch {
      throw new PacketRefused('bad_signature');
    }
    return { kind: 'receipt', packetId };
  }
  const { receipt } = await receivePacket(ctx, value, { now });
  return { kind: 'packet', receipt };
}

/** What `sanctuary federation import-packet` reports: the outcome, or the English refusal. */
export type ImportOutcome =
  | { kind: 'packet'; receipt: SignedReceipt }
  | { kind: 'receipt'; packetId: string }
  | { kind: 'refused'; code: string; message: string };

/** `importPacket` for the CLI and the admin channel: a refusal is an answer, not an error. */
export async function importPacketFile(ctx: AppContext, actor: Actor, text: string): Promise<ImportOutcome> {
  try {
    return await importPacket(ctx, actor, text);
  } catch (error) {
    if (error instanceof PacketRefused) return { kind: 'refused', code: error.code, message: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Witnesses (ADR 0175): the witness module authenticates peers through these.

/** What the witness module needs of a verified peer: its keys and where it answers. */
export interface VerifiedPeer {
  id: string;
  label: string;
  fingerprint: string;
  signingKey: string;
  /** The peer's base URL (its card's endpoint without `/api/v1/referrals`). */
  baseUrl: string;
}

/** A verified (not revoked) peer by its fingerprint, or undefined. */
export async function findVerifiedPeer(db: Db, fingerprint: string): Promise<VerifiedPeer | undefined> {
  const peer = await findPeerByFingerprint(db, fingerprint);
  if (peer === undefined || peer.state !== 'verified') return undefined;
  return {
    id: peer.id,
    label: peer.label,
    fingerprint: peer.fingerprint,
    signingKey: peer.signing_key,
    baseUrl: peer.endpoint.endsWith(API_PATH) ? peer.endpoint.slice(0, -API_PATH.length) : peer.endpoint,
  };
}

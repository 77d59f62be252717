import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DecryptionError,
  type Keyring,
  openFromPeer,
  sealToPeer,
  sha256,
  signFederation,
  verifyFederationSignature,
} from '../../crypto/index.ts';

/**
 * The packet protocol between Sanctuary servers, version 1 (ADR 0132). A packet is JSON:
 *
 *   { v, type, id, from, to, createdAt, enc, ct, sig }
 *
 * - `from` / `to` are the sender's and recipient's identity fingerprints;
 * - the payload (JSON) is sealed with HPKE (RFC 9180, base mode) to the recipient's X25519 key;
 *   the header (`v, type, id, from, to, createdAt`) is the HPKE associated data, so a
 *   ciphertext cannot be moved under another header;
 * - `sig` is the sender's Ed25519 signature over the header, `enc` and `ct`: the recipient
 *   checks it (against the key of a peer its administrator verified) before it decrypts
 *   anything or stores anything;
 * - replays: the recipient keeps every packet id it accepted and refuses one it has seen, and
 *   refuses packets created outside a window around its own clock.
 *
 * Receipts are signed the same way and name the packet id and the digest of its ciphertext.
 */
export const PROTOCOL_VERSION = 1;
/** How old a packet may be when it arrives (an offline hand-over takes days, not weeks). */
export const PACKET_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** How far ahead of the recipient's clock a packet may be dated. */
export const PACKET_MAX_SKEW_MS = 10 * 60_000;
/** A packet on the wire or in a file is at most this many bytes. */
export const PACKET_MAX_BYTES = 256 * 1024;

export const PACKET_TYPES = ['referral', 'status'] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

const FINGERPRINT = /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

export const packetSchema = z
  .object({
    v: z.number().int(),
    type: z.enum(PACKET_TYPES),
    id: z.uuid(),
    from: z.string().regex(FINGERPRINT),
    to: z.string().regex(FINGERPRINT),
    createdAt: z.iso.datetime(),
    enc: z.string().regex(B64URL).max(200),
    ct: z.string().regex(B64URL).max(PACKET_MAX_BYTES),
    sig: z.string().regex(B64URL).max(200),
  })
  .strict();
export type Packet = z.infer<typeof packetSchema>;

/** A field name of a referral: letters, digits, `_ . -`, starting with a letter. */
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const consentSchema = z
  .object({
    /** The fields the person agreed to share; every field sent must be among them. */
    fields: z.array(fieldName).min(1).max(60),
    givenOn: day,
    /** How it was given (e.g. "inbox", "recorded by caseworker: phone call"). */
    how: z.string().trim().min(1).max(200),
  })
  .strict();

export const referralPayloadSchema = z
  .object({
    kind: z.literal('referral'),
    /** The sender's own reference of the referral; status updates name it. */
    ref: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/),
    fields: z.record(fieldName, z.string().max(4000)),
    consent: consentSchema,
  })
  .strict()
  .refine((p) => Object.keys(p.fields).length >= 1 && Object.keys(p.fields).length <= 60, {
    message: 'between 1 and 60 fields',
    path: ['fields'],
  })
  .refine((p) => Object.keys(p.fields).every((f) => p.consent.fields.includes(f)), {
    message: 'a field without consent',
    path: ['consent'],
  });
export type ReferralPayload = z.infer<typeof referralPayloadSchema>;

export const REMOTE_STATUSES = ['accepted', 'declined', 'in_progress', 'completed', 'withdrawn'] as const;
export type RemoteStatus = (typeof REMOTE_STATUSES)[number];

export const statusPayloadSchema = z
  .object({
    kind: z.literal('status'),
    /** The reference of the referral: the original sender's `ref`. */
    ref: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/),
    status: z.enum(REMOTE_STATUSES),
    note: z.string().max(2000).optional(),
    on: day,
  })
  .strict();
export type StatusPayload = z.infer<typeof statusPayloadSchema>;
export type Payload = ReferralPayload | StatusPayload;

/**
 * Why a packet was refused: an English code and sentence for the machine client on the other
 * side (DESIGN.md §2.8). Nothing is stored for a refused packet.
 */
export const REFUSALS = {
  packet_malformed: [400, 'The packet is not a Sanctuary federation packet.'],
  version_unsupported: [400, 'This protocol version is not supported.'],
  wrong_recipient: [400, 'The packet is addressed to another server key.'],
  unknown_sender: [403, 'The sending server is not a peer of this server.'],
  sender_not_verified: [403, 'The sending server has not been verified (or was revoked) by this server.'],
  bad_signature: [401, 'The signature does not match the packet: it was altered or signed with another key.'],
  packet_stale: [400, 'The packet was created outside the accepted time window.'],
  packet_replayed: [409, 'This packet was received before.'],
  undecryptable: [400, 'The packet does not open with this server key.'],
  payload_invalid: [400, 'The packet content is not valid.'],
  unknown_referral: [404, 'The status names a referral this server does not know from that peer.'],
  duplicate_referral: [409, 'This referral was received before in another packet.'],
  busy: [503, 'The server is busy; nothing was stored. Try again later.'],
  rate_limited: [429, 'Too many packets from this peer; nothing was stored. Try again later.'],
} as const satisfies Record<string, readonly [number, string]>;
export type RefusalCode = keyof typeof REFUSALS;

export class PacketRefused extends Error {
  override name = 'PacketRefused';
  readonly status: number;
  constructor(
    readonly code: RefusalCode,
    readonly extra: { receipt?: SignedReceipt; retryAfter?: number } = {},
  ) {
    super(REFUSALS[code][1]);
    this.status = REFUSALS[code][0];
  }
}

function headerOf(p: Pick<Packet, 'v' | 'type' | 'id' | 'from' | 'to' | 'createdAt'>): Buffer {
  return Buffer.from(
    JSON.stringify(['sanctuary-federation/v1', p.v, p.type, p.id, p.from, p.to, p.createdAt]),
  );
}

function signedBytes(p: Omit<Packet, 'sig'>): Buffer {
  return Buffer.concat([headerOf(p), Buffer.from(`|${p.enc}|${p.ct}`)]);
}

/** Builds a sealed, signed packet from this server (`from`) to a peer. */
export async function buildPacket(
  keyring: Keyring,
  input: {
    from: string;
    to: { fingerprint: string; encryptionKey: string };
    payload: Payload;
    now: Date;
    id?: string;
  },
): Promise<Packet> {
  const header = {
    v: PROTOCOL_VERSION,
    type: input.payload.kind,
    id: input.id ?? randomUUID(),
    from: input.from,
    to: input.to.fingerprint,
    createdAt: input.now.toISOString(),
  };
  const sealed = await sealToPeer(
    input.to.encryptionKey,
    Buffer.from(JSON.stringify(input.payload), 'utf8'),
    headerOf(header),
  );
  const unsigned = { ...header, enc: sealed.enc, ct: sealed.ciphertext };
  return { ...unsigned, sig: signFederation(keyring, signedBytes(unsigned)) };
}

/** Parses a packet's JSON shape (no cryptography yet). */
export function parsePacket(body: unknown): Packet {
  if (typeof body === 'object' && body !== null && (body as { v?: unknown }).v !== PROTOCOL_VERSION) {
    if (typeof (body as { v?: unknown }).v === 'number') throw new PacketRefused('version_unsupported');
  }
  const parsed = packetSchema.safeParse(body);
  if (!parsed.success) throw new PacketRefused('packet_malformed');
  return parsed.data;
}

/** Checks the sender's signature (before anything is decrypted or stored). */
export function checkSignature(packet: Packet, signingKey: string): void {
  const { sig, ...unsigned } = packet;
  if (!verifyFederationSignature(signingKey, signedBytes(unsigned), sig))
    throw new PacketRefused('bad_signature');
}

/** Checks the packet's date against the recipient's clock. */
export function checkWindow(packet: Packet, now: Date): void {
  const created = Date.parse(packet.createdAt);
  if (created < now.getTime() - PACKET_MAX_AGE_MS || created > now.getTime() + PACKET_MAX_SKEW_MS) {
    throw new PacketRefused('packet_stale');
  }
}

/** Decrypts and validates the payload; its kind must be the header's type. */
export async function openPacket(keyring: Keyring, packet: Packet): Promise<Payload> {
  let plain: Buffer;
  try {
    plain = await openFromPeer(keyring, { enc: packet.enc, ciphertext: packet.ct }, headerOf(packet));
  } catch (error) {
    if (error instanceof DecryptionError) throw new PacketRefused('undecryptable');
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new PacketRefused('payload_invalid');
  } finally {
    plain.fill(0);
  }
  const schema = packet.type === 'referral' ? referralPayloadSchema : statusPayloadSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PacketRefused('payload_invalid');
  return parsed.data;
}

/** The digest a receipt names: SHA-256 of the packet's ciphertext (hex). */
export function packetDigest(packet: Packet): string {
  return sha256(Buffer.from(packet.ct, 'utf8')).toString('hex');
}

export interface Receipt {
  v: number;
  type: 'receipt';
  packetId: string;
  digest: string;
  from: string;
  to: string;
  receivedAt: string;
  outcome: 'filed' | 'recorded';
}
export interface SignedReceipt extends Receipt {
  sig: string;
}

const receiptSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('receipt'),
    packetId: z.uuid(),
    digest: z.string().regex(/^[0-9a-f]{64}$/),
    from: z.string().regex(FINGERPRINT),
    to: z.string().regex(FINGERPRINT),
    receivedAt: z.iso.datetime(),
    outcome: z.enum(['filed', 'recorded']),
    sig: z.string().regex(B64URL).max(200),
  })
  .strict();

function receiptBytes(r: Receipt): Buffer {
  return Buffer.from(
    JSON.stringify([
      'sanctuary-federation-receipt/v1',
      r.v,
      r.packetId,
      r.digest,
      r.from,
      r.to,
      r.receivedAt,
      r.outcome,
    ]),
  );
}

/** The recipient's signed receipt for a packet it stored. */
export function signReceipt(
  keyring: Keyring,
  packet: Packet,
  outcome: Receipt['outcome'],
  now: Date,
): SignedReceipt {
  const receipt: Receipt = {
    v: PROTOCOL_VERSION,
    type: 'receipt',
    packetId: packet.id,
    digest: packetDigest(packet),
    from: packet.to,
    to: packet.from,
    receivedAt: now.toISOString(),
    outcome,
  };
  return { ...receipt, sig: signFederation(keyring, receiptBytes(receipt)) };
}

/**
 * The sender's check of a receipt: signed by the peer's key, for exactly this packet (id and
 * ciphertext digest), from the peer to us. Returns undefined when it is not.
 */
export function checkReceipt(
  value: unknown,
  packet: Packet,
  peer: { signingKey: string; fingerprint: string },
): SignedReceipt | undefined {
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  if (r.packetId !== packet.id || r.digest !== packetDigest(packet)) return undefined;
  if (r.from !== peer.fingerprint || r.to !== packet.from) return undefined;
  const { sig, ...unsigned } = r;
  return verifyFederationSignature(peer.signingKey, receiptBytes(unsigned), sig) ? r : undefined;
}

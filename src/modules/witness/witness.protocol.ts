import { z } from 'zod';
import { type Keyring, signFederation, verifyFederationSignature } from '../../crypto/index.ts';
import type { CheckpointLog } from '../../db/types.ts';
import { type AuditCheckpoint, auditCheckpointSignatureValid } from '../audit/index.ts';
import { ledgerCheckpointSignatureValid } from '../ledger/index.ts';

/**
 * The witness protocol, version 1 (ADR 0175). An origin server sends one signed checkpoint of
 * one of its logs to a peer that witnesses it:
 *
 *   POST /api/v1/witness/checkpoints
 *   { v: 1, from, to, log, checkpoint: {seq, headHash, at, keyId, publicKey, signature}, sig }
 *
 * `sig` is the origin's federation identity signature (Ed25519, ADR 0131) over the whole
 * statement; the witness checks it against the key of a peer its administrator verified. The
 * witness answers with its own countersignature over the same checkpoint:
 *
 *   { v: 1, witness, origin, log, seq, headHash, checkpointSignature, receivedAt, sig }
 *
 * and keeps the first checkpoint it saw for each (origin, log, seq). A second, different one is
 * a fork: refused with 409 `checkpoint_fork`, the stored checkpoint and its countersignature.
 * Nothing here is secret or personal (hashes and public keys); the signatures are the point.
 */
export const WITNESS_PROTOCOL_VERSION = 1;
export const WITNESS_API_PATH = '/api/v1/witness/checkpoints';
export const CHECKPOINT_LOGS = ['audit', 'ledger'] as const satisfies readonly CheckpointLog[];

const FINGERPRINT = /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/;
const B64URL_SIG = /^[A-Za-z0-9_-]{86}$/;

export const checkpointSchema = z
  .object({
    seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    headHash: z.string().regex(/^[0-9a-f]{64}$/),
    at: z.iso.datetime(),
    keyId: z.string().min(1).max(16),
    publicKey: z.string().regex(/^[0-9a-f]{64}$/),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  })
  .strict();

export const statementSchema = z
  .object({
    v: z.literal(WITNESS_PROTOCOL_VERSION),
    from: z.string().regex(FINGERPRINT),
    to: z.string().regex(FINGERPRINT),
    log: z.enum(CHECKPOINT_LOGS),
    checkpoint: checkpointSchema,
    sig: z.string().regex(B64URL_SIG),
  })
  .strict();
export type WitnessStatement = z.infer<typeof statementSchema>;

export const countersignatureSchema = z
  .object({
    v: z.literal(WITNESS_PROTOCOL_VERSION),
    witness: z.string().regex(FINGERPRINT),
    origin: z.string().regex(FINGERPRINT),
    log: z.enum(CHECKPOINT_LOGS),
    seq: z.number().int().positive(),
    headHash: z.string().regex(/^[0-9a-f]{64}$/),
    checkpointSignature: z.string().regex(/^[0-9a-f]{128}$/),
    receivedAt: z.iso.datetime(),
    sig: z.string().regex(B64URL_SIG),
  })
  .strict();
export type Countersignature = z.infer<typeof countersignatureSchema>;

function statementBytes(s: Omit<WitnessStatement, 'sig'>): Buffer {
  const c = s.checkpoint;
  return Buffer.from(
    JSON.stringify([
      'sanctuary-witness/v1',
      s.from,
      s.to,
      s.log,
      c.seq,
      c.headHash,
      c.at,
      c.keyId,
      c.publicKey,
      c.signature,
    ]),
    'utf8',
  );
}

function countersignatureBytes(c: Omit<Countersignature, 'sig'>): Buffer {
  return Buffer.from(
    JSON.stringify([
      'sanctuary-witness-countersignature/v1',
      c.witness,
      c.origin,
      c.log,
      c.seq,
      c.headHash,
      c.checkpointSignature,
      c.receivedAt,
    ]),
    'utf8',
  );
}

/** The origin's signed statement of one checkpoint, for one witness. */
export function signStatement(
  keyring: Keyring,
  input: { from: string; to: string; log: CheckpointLog; checkpoint: AuditCheckpoint },
): WitnessStatement {
  const unsigned = { v: WITNESS_PROTOCOL_VERSION, ...input } as const;
  return { ...unsigned, sig: signFederation(keyring, statementBytes(unsigned)) };
}

export function statementSignatureValid(s: WitnessStatement, signingKey: string): boolean {
  const { sig, ...unsigned } = s;
  return verifyFederationSignature(signingKey, statementBytes(unsigned), sig);
}

/** The checkpoint's own signature (by the origin's audit key), for the log it claims to be of. */
export function checkpointSignatureValid(log: CheckpointLog, c: AuditCheckpoint): boolean {
  return log === 'audit' ? auditCheckpointSignatureValid(c) : ledgerCheckpointSignatureValid(c);
}

/** The witness's countersignature of a checkpoint it holds. */
export function countersign(
  keyring: Keyring,
  input: {
    witness: string;
    origin: string;
    log: CheckpointLog;
    checkpoint: AuditCheckpoint;
    receivedAt: Date;
  },
): Countersignature {
  const unsigned = {
    v: WITNESS_PROTOCOL_VERSION,
    witness: input.witness,
    origin: input.origin,
    log: input.log,
    seq: input.checkpoint.seq,
    headHash: input.checkpoint.headHash,
    checkpointSignature: input.checkpoint.signature,
    receivedAt: input.receivedAt.toISOString(),
  } as const;
  return { ...unsigned, sig: signFederation(keyring, countersignatureBytes(unsigned)) };
}

/**
 * Checks a countersignature: well formed, signed by `witness.signingKey`, by that witness for
 * `origin`, over exactly this checkpoint. Returns it parsed, or undefined.
 */
export function checkCountersignature(
  value: unknown,
  expected: {
    witness: { fingerprint: string; signingKey: string };
    origin: string;
    log: CheckpointLog;
    checkpoint: Pick<AuditCheckpoint, 'seq' | 'headHash' | 'signature'>;
  },
): Countersignature | undefined {
  const parsed = countersignatureSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  if (
    c.witness !== expected.witness.fingerprint ||
    c.origin !== expected.origin ||
    c.log !== expected.log ||
    c.seq !== expected.checkpoint.seq ||
    c.headHash !== expected.checkpoint.headHash ||
    c.checkpointSignature !== expected.checkpoint.signature
  ) {
    return undefined;
  }
  const { sig, ...unsigned } = c;
  return verifyFederationSignature(expected.witness.signingKey, countersignatureBytes(unsigned), sig)
    ? c
    : undefined;
}

/** Refusals of the witness endpoint: English code and sentence for the machine client. */
export const WITNESS_REFUSALS = {
  statement_malformed: [400, 'The body is not a Sanctuary witness statement.'],
  wrong_recipient: [400, 'The statement is addressed to another server key.'],
  sender_not_verified: [403, 'The sending server is not a verified peer of this server.'],
  bad_signature: [401, 'The statement is not signed by the sending server’s identity key.'],
  bad_checkpoint: [400, 'The checkpoint’s own signature is invalid.'],
  checkpoint_fork: [
    409,
    'This server already witnessed a different checkpoint for the same log and sequence number: the log was forked or rewritten.',
  ],
} as const satisfies Record<string, readonly [number, string]>;
export type WitnessRefusalCode = keyof typeof WITNESS_REFUSALS;

export class WitnessRefused extends Error {
  override name = 'WitnessRefused';
  readonly status: number;
  constructor(
    readonly code: WitnessRefusalCode,
    readonly extra: { stored?: AuditCheckpoint; countersignature?: Countersignature } = {},
  ) {
    super(WITNESS_REFUSALS[code][1]);
    this.status = WITNESS_REFUSALS[code][0];
  }
}

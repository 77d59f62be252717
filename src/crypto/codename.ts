import { type Algorithm, hashRaw } from '@node-rs/argon2';
import { withArgon2Slot } from './argon2-slots.ts';
import type { Keyring } from './keyring.ts';
import { aeadDecrypt, aeadEncrypt, hmacSha256 } from './primitives.ts';

/**
 * Applicant codenames (docs/intake.md, ADR 0041).
 *
 * - A codename is 16 decimal digits (10^16 ≈ 2^53.15 values), shown like a phone number with
 *   an extension so that it can be kept as a contact: `+7 123 456-78-90 ext. 123456`. The
 *   leading `+7` is decoration, not part of the secret.
 * - It is never stored. `deriveCodenameCredentials` turns it into a lookup id and a secret
 *   with a keyed, slow hash: Argon2id (m = 19 MiB, t = 2, p = 1) over the digits with a
 *   salt that is an HMAC under a pepper derived from the root key, then HMACs under two more
 *   root-derived keys. Without the root key no guess can even be checked; with it, every
 *   guess still costs one Argon2id.
 * - The lookup id finds the row; the secret seals the row's case id, so a thief holding the
 *   database and the root key still has to guess codenames one Argon2id at a time to learn
 *   which credential belongs to which case.
 * - The web form derives the codename from its one-time form token (HMAC, reduced mod
 *   10^16), so a retried submission shows the same codename without storing it.
 */
export const CODENAME_DIGITS = 16;
const CODENAME_SPACE = 10n ** 16n;
const ARGON2ID = 2 as Algorithm;
export const CODENAME_ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The 16 digits of a codename generated from a one-time token (form token or random). */
export function codenameFromToken(keyring: Keyring, token: string): string {
  const key = keyring.derive('intake/codename-generate');
  try {
    const mac = hmacSha256(key, `sanctuary-codename|${token}`);
    // 128 bits reduced mod 10^16: the bias is below 10^16 / 2^128 ≈ 2^-75.
    const value = BigInt(`0x${mac.subarray(0, 16).toString('hex')}`) % CODENAME_SPACE;
    return value.toString().padStart(CODENAME_DIGITS, '0');
  } finally {
    key.fill(0);
  }
}

/**
 * Accepts what a person types back (spaces, dashes, brackets, "+7", "ext."/"доб.") and returns
 * the 16 digits, or undefined when it cannot be a codename.
 */
export function normaliseCodename(input: string): string | undefined {
  if (input.length > 80) return undefined;
  let digits = input.replace(/[^0-9]/g, '');
  if (digits.length === CODENAME_DIGITS + 1 && digits.startsWith('7')) digits = digits.slice(1);
  return digits.length === CODENAME_DIGITS ? digits : undefined;
}

/** Groups the digits like a phone number with an extension; `ext` is the translated word. */
export function formatCodename(digits: string, ext: string): string {
  const d = digits;
  return `+7 ${d.slice(0, 3)} ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)} ${ext} ${d.slice(10)}`;
}

/** Codename derivations share the process-wide Argon2 pool (two at once); beyond this many waiting, BusyError. */
const MAX_WAITING = 256;

/** What a codename derives: the row's lookup id and a sealer for the row's case id. */
export interface CodenameCredentials {
  readonly lookupId: Buffer;
  sealCaseId(caseId: string): Buffer;
  /** Returns undefined when the blob does not open under this codename. */
  openCaseId(blob: Buffer): string | undefined;
  dispose(): void;
}

/** Keyed, slow derivation (see the module comment). Throws BusyError under a storm. */
export async function deriveCodenameCredentials(
  keyring: Keyring,
  digits: string,
): Promise<CodenameCredentials> {
  if (!/^\d{16}$/.test(digits)) throw new Error('codename must be 16 digits');
  const pepper = keyring.derive('intake/codename-pepper');
  const lookupKey = keyring.derive('intake/codename-lookup');
  const secretKey = keyring.derive('intake/codename-secret');
  try {
    const salt = hmacSha256(pepper, `salt|${digits}`).subarray(0, 16);
    const slow = await withArgon2Slot(
      () => hashRaw(digits, { ...CODENAME_ARGON2, algorithm: ARGON2ID, salt, outputLen: 32 }),
      MAX_WAITING,
      'too many codename derivations waiting',
    );
    const lookupId = hmacSha256(lookupKey, slow);
    const secret = hmacSha256(secretKey, slow);
    slow.fill(0);
    const aad = Buffer.from(`sanctuary/intake-codename/v1|${lookupId.toString('hex')}`, 'utf8');
    return {
      lookupId,
      sealCaseId: (caseId) => aeadEncrypt(secret, Buffer.from(caseId, 'utf8'), aad),
      openCaseId: (blob) => {
        try {
          return aeadDecrypt(secret, blob, aad).toString('utf8');
        } catch {
          return undefined;
        }
      },
      dispose: () => secret.fill(0),
    };
  } finally {
    pepper.fill(0);
    lookupKey.fill(0);
    secretKey.fill(0);
  }
}

/**
 * A keyed hash for pseudonymous lookups that must not be reversible without the root key:
 * idempotency keys, Telegram chat ids, request fingerprints. One derived key per purpose.
 */
export function keyedDigest(keyring: Keyring, purpose: string, value: string | Buffer): Buffer {
  const key = keyring.derive(`intake/keyed-digest/${purpose}`);
  try {
    return hmacSha256(key, value);
  } finally {
    key.fill(0);
  }
}

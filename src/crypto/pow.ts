import type { Keyring } from './keyring.ts';
import { constantTimeEqual, hmacSha256, random, sha256 } from './primitives.ts';

/**
 * Self-hosted proof of work (ADR 0042), hashcash-style with stateless, signed challenges.
 *
 *   challenge = "v1.<difficulty>.<expiresAtSeconds>.<salt>.<mac>"
 *   mac       = HMAC(root-derived pow key, "v1.<difficulty>.<expires>.<salt>") truncated to 16 bytes
 *   solution  = a decimal counter n such that SHA-256(challenge + ":" + n) starts with
 *               `difficulty` zero bits
 *
 * The server stores nothing to issue a challenge; it remembers only the salts of
 * challenges already used (in memory, until they expire) to refuse replays.
 */
export interface PowChallenge {
  readonly challenge: string;
  readonly difficulty: number;
  readonly expiresAt: number;
  /** Identifies the challenge for replay checks. */
  readonly salt: string;
}

function mac(keyring: Keyring, payload: string): string {
  const key = keyring.derive('intake/pow');
  try {
    return hmacSha256(key, payload).subarray(0, 16).toString('base64url');
  } finally {
    key.fill(0);
  }
}

export function issuePowChallenge(
  keyring: Keyring,
  options: { difficulty: number; ttlSeconds: number; now?: number },
): PowChallenge {
  const now = options.now ?? Date.now();
  const expiresAt = Math.floor(now / 1000) + options.ttlSeconds;
  const salt = random(12).toString('base64url');
  const payload = `v1.${options.difficulty}.${expiresAt}.${salt}`;
  return {
    challenge: `${payload}.${mac(keyring, payload)}`,
    difficulty: options.difficulty,
    expiresAt,
    salt,
  };
}

/** Leading zero bits of a hash. */
export function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export type PowVerdict =
  | { ok: true; salt: string; expiresAt: number; difficulty: number }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong' };

/** Checks a challenge's signature and expiry, then the solution. Pure apart from the key. */
export function verifyPowSolution(
  keyring: Keyring,
  challenge: string,
  solution: string,
  now = Date.now(),
): PowVerdict {
  const parts = challenge.split('.');
  if (parts.length !== 5 || challenge.length > 200 || !/^\d{1,12}$/.test(solution)) {
    return { ok: false, reason: 'malformed' };
  }
  const [v, d, exp, salt, tag] = parts as [string, string, string, string, string];
  const difficulty = Number(d);
  const expiresAt = Number(exp);
  if (
    v !== 'v1' ||
    !Number.isInteger(difficulty) ||
    difficulty < 1 ||
    difficulty > 32 ||
    !Number.isInteger(expiresAt)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = mac(keyring, `v1.${d}.${exp}.${salt}`);
  if (!constantTimeEqual(Buffer.from(expected), Buffer.from(tag))) return { ok: false, reason: 'forged' };
  if (expiresAt * 1000 < now) return { ok: false, reason: 'expired' };
  if (leadingZeroBits(sha256(`${challenge}:${solution}`)) < difficulty) return { ok: false, reason: 'wrong' };
  return { ok: true, salt, expiresAt, difficulty };
}

/** Solves a challenge by brute force (tests, the benchmark and the no-browser clients). */
export function solvePowChallenge(challenge: string, difficulty: number): string {
  for (let n = 0; ; n += 1) {
    if (leadingZeroBits(sha256(`${challenge}:${n}`)) >= difficulty) return String(n);
  }
}

/** Bytes of randomness in a form token, and of its MAC. */
const FORM_TOKEN_BYTES = 16;

function formTokenMac(keyring: Keyring, nonce: string, challenge: string): string {
  const key = keyring.derive('intake/form-token');
  try {
    return hmacSha256(key, `form-token|${nonce}|${challenge}`)
      .subarray(0, FORM_TOKEN_BYTES)
      .toString('base64url');
  } finally {
    key.fill(0);
  }
}

/**
 * A form token for one intake form (finding 5 of issue 12, ADR 0091): a random nonce and a MAC
 * binding it to the form's proof-of-work challenge, 44 base64url characters. The server issues
 * it; a client cannot choose one, and it lives exactly as long as its challenge (whose expiry
 * the challenge's own MAC protects).
 */
export function issueFormToken(keyring: Keyring, challenge: string): string {
  const nonce = random(FORM_TOKEN_BYTES).toString('base64url');
  return `${nonce}${formTokenMac(keyring, nonce, challenge)}`;
}

/** True when `token` was issued by this server for exactly this challenge. */
export function checkFormToken(keyring: Keyring, challenge: string, token: unknown): boolean {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{44}$/.test(token)) return false;
  const nonce = token.slice(0, 22);
  return constantTimeEqual(
    Buffer.from(formTokenMac(keyring, nonce, challenge)),
    Buffer.from(token.slice(22)),
  );
}

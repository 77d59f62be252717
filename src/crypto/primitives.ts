/**
 * Thin wrappers over node:crypto. Nothing here is home-made: AES-256-GCM, HKDF-SHA-256,
 * HMAC-SHA-256, SHA-256 and Ed25519 as Node implements them. Only src/crypto imports
 * this file; the rest of the code base asks src/crypto for what it needs.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hash,
  hkdfSync,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Format byte of every AEAD blob, so the format can change later without guessing. */
const AEAD_V1 = 0x01;

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export function random(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** 256-bit random token, base64url (43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 in one call (Node's one-shot `hash`: no hash object per call; a string is hashed as UTF-8). */
export function sha256(data: Buffer | string): Buffer {
  return hash('sha256', data, 'buffer');
}

/** SHA-512, beside SHA-256 for evidence hashes (two families: a break of one leaves the other). */
export function sha512(data: Buffer | string): Buffer {
  return createHash('sha512').update(data).digest();
}

export function hmacSha256(key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** HKDF-SHA-256 with an empty salt (the root key is uniformly random) and a purpose label. */
export function hkdf(ikm: Buffer, info: string, length = KEY_BYTES): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.from(info, 'utf8'), length));
}

/** HKDF-SHA-256 with an explicit salt (for keys derived from a secret that is not the root key). */
export function hkdfSalted(ikm: Uint8Array, salt: string, info: string, length = KEY_BYTES): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from(salt, 'utf8'), Buffer.from(info, 'utf8'), length));
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Nonces come from a pool of CSPRNG output, refilled 4 KiB at a time (as Node does for
 * randomUUID): one call into the CSPRNG per 341 encryptions instead of one each, which was
 * 7% of the CPU of a busy intake. Each nonce is taken once; nonces are not secret, so the
 * pool holds nothing worth protecting. Keys never come from it.
 */
const NONCE_POOL = Buffer.alloc(NONCE_BYTES * 341);
let noncePoolOffset = NONCE_POOL.length;

function freshNonce(): Buffer {
  if (noncePoolOffset + NONCE_BYTES > NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolOffset = 0;
  }
  const nonce = Buffer.from(NONCE_POOL.subarray(noncePoolOffset, noncePoolOffset + NONCE_BYTES));
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}

/** AES-256-GCM seal. Layout: version(1) | nonce(12) | ciphertext | tag(16). */
export function aeadEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = freshNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([AEAD_V1]), nonce, body, cipher.getAuthTag()]);
}

/** AES-256-GCM open; throws DecryptionError on any tampering or a wrong key or AAD. */
export function aeadDecrypt(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== AEAD_V1) {
    throw new DecryptionError('not a Sanctuary ciphertext');
  }
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const body = blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw new DecryptionError('authentication failed', { cause });
  }
}

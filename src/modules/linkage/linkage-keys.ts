/**
 * Keys of private mode, all derived from the linkage secret that partner organisations share.
 * TODO(crypto): route through src/crypto once it exports hkdf/hmac
 */
import { createHmac, hkdfSync } from 'node:crypto';

const SALT = 'sanctuary/linkage/v1';

/** An HKDF-SHA-256 child key of the linkage secret for one purpose (`info`). */
export function deriveLinkageKey(secret: Uint8Array, info: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, length));
}

/** HMAC-SHA-256 of a text under a derived key. */
export function hmacSha256(key: Uint8Array, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/**
 * A public fingerprint of the secret (16 hex characters), written into exported encodings so
 * that two partners can see that they use the same secret without revealing it.
 */
export function secretFingerprint(secret: Uint8Array): string {
  return deriveLinkageKey(secret, 'fingerprint', 8).toString('hex');
}

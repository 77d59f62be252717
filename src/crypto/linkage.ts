import { hkdfSalted, hmacSha256 } from './primitives.ts';

/**
 * Keys of record linkage's private mode (docs/linkage.md), all derived from a linkage secret
 * that partner organisations share out of band. This secret is not the root key: partners
 * must be able to produce the same encodings, so the derivation is public and fixed
 * (HKDF-SHA-256, salt "sanctuary/linkage/v1", one `info` label per purpose).
 */
const LINKAGE_SALT = 'sanctuary/linkage/v1';

/** Shortest accepted linkage secret, in bytes. */
export const LINKAGE_SECRET_MIN_BYTES = 32;

/** An HKDF-SHA-256 child key of the linkage secret for one purpose (`info`). */
export function deriveLinkageKey(secret: Uint8Array, info: string, length = 32): Buffer {
  return hkdfSalted(secret, LINKAGE_SALT, info, length);
}

/** HMAC-SHA-256 of a text under a key derived by `deriveLinkageKey` (Bloom-filter bits, tokens). */
export function linkageHmac(key: Uint8Array, text: string): Buffer {
  return hmacSha256(key, text);
}

/**
 * A public fingerprint of the secret (16 hex characters), written into exported encodings so
 * that two partners can see that they use the same secret without revealing it.
 */
export function linkageSecretFingerprint(secret: Uint8Array): string {
  return deriveLinkageKey(secret, 'fingerprint', 8).toString('hex');
}

import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/**
 * Ed25519 signatures for audit checkpoints. The private key is derived from the root
 * key (HKDF seed), so it exists only while the server is unsealed; the public key is
 * published with every checkpoint so that outside witnesses can verify them.
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyFrom(keyring: Keyring) {
  const seed = keyring.derive('audit-signing');
  try {
    return createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
  } finally {
    seed.fill(0);
  }
}

/** Raw 32-byte public key, hex. */
export function auditPublicKey(keyring: Keyring): string {
  const spki = createPublicKey(privateKeyFrom(keyring)).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki).subarray(SPKI_ED25519_PREFIX.length).toString('hex');
}

export function signAudit(keyring: Keyring, message: Buffer): string {
  return sign(null, message, privateKeyFrom(keyring)).toString('hex');
}

export function verifyAuditSignature(publicKeyHex: string, message: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || !/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, message, key, Buffer.from(signatureHex, 'hex'));
}

/**
 * The audit key's fingerprint: the first 128 bits of SHA-256 over the raw public key, as
 * eight groups of four hex digits. Operators keep it outside the database (printed by
 * `keys init`, configured as SANCTUARY_AUDIT_KEY_FINGERPRINT): a checkpoint whose key does not
 * have it was not signed by this organisation, whatever key the checkpoint itself carries.
 * 128 bits leave a second preimage (a forged key with the same fingerprint) out of reach.
 */
export function fingerprintAuditKey(publicKeyHex: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 32);
  return digest.match(/.{4}/g)!.join('-');
}

/** A fingerprint as an operator may type it (any case, with or without - : or spaces), or undefined. */
export function normaliseAuditFingerprint(text: string): string | undefined {
  const hex = text.toLowerCase().replace(/[-:\s]/g, '');
  return /^[0-9a-f]{32}$/.test(hex) ? hex.match(/.{4}/g)!.join('-') : undefined;
}

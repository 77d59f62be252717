import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
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

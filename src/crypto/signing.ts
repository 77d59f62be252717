import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { Keyring } from './keyring.ts';
import { sha256 } from './primitives.ts';

/**
 * Ed25519 signatures for audit checkpoints. The private key is derived from the root
 * key (HKDF seed), so it exists only while the server is unsealed; the public key is
 * published with every checkpoint so that outside witnesses can verify them.
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 private key whose seed is derived from the keyring for `purpose` (never stored). */
export function derivedSigningKey(keyring: Keyring, purpose: string) {
  const seed = keyring.derive(purpose);
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

function privateKeyFrom(keyring: Keyring) {
  return derivedSigningKey(keyring, 'audit-signing');
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
  if (!/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  return verifyEd25519(publicKeyHex, message, Buffer.from(signatureHex, 'hex'));
}

/** Ed25519 verification against a raw public key (hex); false for a malformed key. */
export function verifyEd25519(publicKeyHex: string, message: Buffer, signature: Buffer): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || signature.length !== 64) return false;
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, message, key, signature);
}

/**
 * Ed25519 keys for signed pathways content packs (ADR 0102). The signing key is an operator's
 * PKCS#8 PEM file kept off the server; the server only ever holds public keys (raw 32 bytes,
 * hex), so a break-in cannot sign content.
 */
export interface ContentSigningKeyPair {
  /** PKCS#8 PEM of the private key: `-----BEGIN PRIVATE KEY-----`. */
  privateKeyPem: string;
  /** Raw 32-byte public key, hex. */
  publicKeyHex: string;
}

/** The content-signing key could not be used; the message says why, never the key. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** The raw 32-byte public key (hex) of an Ed25519 key object. */
export function rawPublicKeyHex(key: ReturnType<typeof createPublicKey>): string {
  const spki = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(spki).subarray(SPKI_ED25519_PREFIX.length).toString('hex');
}

/** A fresh Ed25519 key pair for signing content packs. */
export function generateContentSigningKey(): ContentSigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyHex: rawPublicKeyHex(publicKey),
  };
}

function contentPrivateKey(pem: string) {
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE'
        ? ' (encrypted keys are not supported)'
        : '';
    throw new SigningKeyError(`not a PEM private key${reason}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`an Ed25519 key is needed, this is ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** The raw public key (hex) of a PKCS#8 PEM Ed25519 private key. Throws SigningKeyError. */
export function contentSigningPublicKey(privateKeyPem: string): string {
  return rawPublicKeyHex(createPublicKey(contentPrivateKey(privateKeyPem)));
}

/** Signs `message` with a PKCS#8 PEM Ed25519 private key; base64 signature. Throws SigningKeyError. */
export function signContent(privateKeyPem: string, message: Buffer): string {
  return sign(null, message, contentPrivateKey(privateKeyPem)).toString('base64');
}

/** True when `signatureBase64` is a valid Ed25519 signature of `message` by `publicKeyHex`. */
export function verifyContentSignature(
  publicKeyHex: string,
  message: Buffer,
  signatureBase64: string,
): boolean {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signatureBase64)) return false;
  return verifyEd25519(publicKeyHex, message, Buffer.from(signatureBase64, 'base64'));
}

/** The first `hexDigits` hex digits of SHA-256 over a raw public key (given as hex). */
function keyDigestHex(publicKeyHex: string, hexDigits: number): string {
  return sha256(Buffer.from(publicKeyHex, 'hex')).toString('hex').slice(0, hexDigits);
}

/** A short, stable name for a public key, for messages and the audit log: 16 hex of SHA-256. */
export function publicKeyFingerprint(publicKeyHex: string): string {
  return keyDigestHex(publicKeyHex, 16);
}

/**
 * The audit key's fingerprint: the first 128 bits of SHA-256 over the raw public key, as
 * eight groups of four hex digits. Operators keep it outside the database (printed by
 * `keys init`, configured as SANCTUARY_AUDIT_KEY_FINGERPRINT): a checkpoint whose key does not
 * have it was not signed by this organisation, whatever key the checkpoint itself carries.
 * 128 bits leave a second preimage (a forged key with the same fingerprint) out of reach.
 */
export function fingerprintAuditKey(publicKeyHex: string): string {
  return keyDigestHex(publicKeyHex, 32).match(/.{4}/g)!.join('-');
}

/** A fingerprint as an operator may type it (any case, with or without - : or spaces), or undefined. */
export function normaliseAuditFingerprint(text: string): string | undefined {
  const hex = text.toLowerCase().replace(/[-:\s]/g, '');
  return /^[0-9a-f]{32}$/.test(hex) ? hex.match(/.{4}/g)!.join('-') : undefined;
}

/**
 * The organisation's evidence key (ADR 0136): Ed25519, its private half derived from the
 * derivation key like the audit key (so it exists only while the server is unsealed and
 * survives a root-key rotation), but a separate key, so that a bundle's signature and an
 * audit checkpoint can never stand in for each other. Recipients get the public half as a PEM.
 */
export function evidencePublicKeyPem(keyring: Keyring): string {
  return createPublicKey(derivedSigningKey(keyring, 'evidence-signing'))
    .export({ format: 'pem', type: 'spki' })
    .toString();
}

/** A raw 64-byte Ed25519 signature of `message` by the evidence key (openssl pkeyutl -rawin checks it). */
export function signEvidence(keyring: Keyring, message: Buffer): Buffer {
  return sign(null, message, derivedSigningKey(keyring, 'evidence-signing'));
}

/** The raw public key (hex) of an Ed25519 public key in PEM (SPKI); throws SigningKeyError. */
export function ed25519PublicKeyFromPem(pem: string): string {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyError('not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`an Ed25519 key is needed, this is ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return rawPublicKeyHex(key);
}

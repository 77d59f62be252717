import { createPublicKey, sign } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import type { Keyring } from './keyring.ts';
import { DecryptionError, sha256 } from './primitives.ts';
import { derivedSigningKey, rawPublicKeyHex, verifyEd25519 } from './signing.ts';

/**
 * The server's long-term identity for referrals between Sanctuary servers (ADR 0131, 0132):
 * an Ed25519 key pair that signs packets and receipts, and an X25519 key pair that packets
 * are encrypted to (RFC 9180 HPKE, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from
 * the maintained `@hpke/core`). Neither private key is ever stored: both are derived from the
 * keyring's derivation key (HKDF, like the audit signing key), so they exist only while the
 * server is unsealed, a sealed server or a copy of its disk has nothing to read, and a root-key
 * rotation keeps the identity (peers need not verify again).
 */
const HPKE_INFO = new TextEncoder().encode('sanctuary-federation/v1');

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

export interface FederationPublicIdentity {
  /** Raw Ed25519 public key, hex (64). */
  signingKey: string;
  /** Raw X25519 public key, hex (64). */
  encryptionKey: string;
  /** What two administrators compare: SHA-256 over both keys, 128 bits in eight hex groups. */
  fingerprint: string;
}

function signingPrivateKey(keyring: Keyring) {
  return derivedSigningKey(keyring, 'federation/identity-signing');
}
async function encryptionKeyPair(keyring: Keyring): Promise<CryptoKeyPair> {
  const ikm = keyring.derive('federation/identity-encryption');
  try {
    // RFC 9180 DeriveKeyPair: the same input gives the same key pair, so nothing is stored.
    return await suite.kem.deriveKeyPair(new Uint8Array(ikm).buffer);
  } finally {
    ikm.fill(0);
  }
}

/** The fingerprint of a pair of public keys (hex): both keys are bound, in a fixed order. */
export function federationFingerprint(signingKeyHex: string, encryptionKeyHex: string): string {
  const digest = sha256(
    Buffer.concat([
      Buffer.from('sanctuary-federation-identity/v1|', 'utf8'),
      Buffer.from(signingKeyHex, 'hex'),
      Buffer.from(encryptionKeyHex, 'hex'),
    ]),
  );
  return digest.subarray(0, 16).toString('hex').match(/.{4}/g)!.join('-');
}

/** This server's public identity (throws SealedError while sealed). */
export async function federationIdentity(keyring: Keyring): Promise<FederationPublicIdentity> {
  const signingKey = rawPublicKeyHex(createPublicKey(signingPrivateKey(keyring)));
  const pair = await encryptionKeyPair(keyring);
  const encryptionKey = Buffer.from(await suite.kem.serializePublicKey(pair.publicKey)).toString('hex');
  return { signingKey, encryptionKey, fingerprint: federationFingerprint(signingKey, encryptionKey) };
}

/** Ed25519 signature (base64url) of `message` with this server's identity key. */
export function signFederation(keyring: Keyring, message: Buffer): string {
  return sign(null, message, signingPrivateKey(keyring)).toString('base64url');
}

/** True when `signature` (base64url) is a valid Ed25519 signature of `message` by `signingKeyHex`. */
export function verifyFederationSignature(
  signingKeyHex: string,
  message: Buffer,
  signature: string,
): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  return verifyEd25519(signingKeyHex, message, Buffer.from(signature, 'base64url'));
}

/** HPKE (base mode) seal of `plaintext` to a peer's X25519 key, with `aad` bound; base64url parts. */
export async function sealToPeer(
  encryptionKeyHex: string,
  plaintext: Buffer,
  aad: Buffer,
): Promise<{ enc: string; ciphertext: string }> {
  const recipientPublicKey = await suite.kem.deserializePublicKey(
    new Uint8Array(Buffer.from(encryptionKeyHex, 'hex')).buffer,
  );
  const { ct, enc } = await suite.seal(
    { recipientPublicKey, info: HPKE_INFO },
    new Uint8Array(plaintext).buffer,
    new Uint8Array(aad).buffer,
  );
  return {
    enc: Buffer.from(enc).toString('base64url'),
    ciphertext: Buffer.from(ct).toString('base64url'),
  };
}

/** Opens what `sealToPeer` sealed to this server's key; DecryptionError for anything else. */
export async function openFromPeer(
  keyring: Keyring,
  sealed: { enc: string; ciphertext: string },
  aad: Buffer,
): Promise<Buffer> {
  const recipientKey = await encryptionKeyPair(keyring);
  try {
    const plain = await suite.open(
      { recipientKey, enc: new Uint8Array(Buffer.from(sealed.enc, 'base64url')).buffer, info: HPKE_INFO },
      new Uint8Array(Buffer.from(sealed.ciphertext, 'base64url')).buffer,
      new Uint8Array(aad).buffer,
    );
    return Buffer.from(plain);
  } catch (cause) {
    throw new DecryptionError('the packet does not open with this server key', { cause });
  }
}

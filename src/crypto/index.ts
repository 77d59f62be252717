/**
 * The crypto module: the only code that sees keys. Everything that encrypts, hashes,
 * signs or derives goes through these exports.
 */

export { BusyError } from './argon2-slots.ts';
export { BLIND_INDEXES, type BlindIndexName, blindIndex, expectedCoincidences } from './blind-index.ts';
export {
  CONTACT_CODE_CHARS,
  contactCodeLookup,
  newContactCode,
  normaliseContactCode,
} from './contact-code.ts';
export { checkCsrfToken, csrfToken } from './csrf.ts';
export {
  DataKey,
  DecryptionError,
  decryptField,
  decryptFieldText,
  encryptField,
  type FieldBinding,
  generateDataKey,
  rewrapDataKey,
  unwrapDataKey,
  type WrappedKey,
  WrongKeyError,
  wrapDataKey,
} from './envelope.ts';
export {
  type FederationPublicIdentity,
  federationFingerprint,
  federationIdentity,
  openFromPeer,
  sealToPeer,
  signFederation,
  verifyFederationSignature,
} from './federation.ts';
export * from './intake.ts';
export { HandoffKeyPair, handoffFingerprint, Keyring, keyIdOf, SealedError } from './keyring.ts';
export {
  createLinkageTokenStream,
  deriveLinkageKey,
  LINKAGE_SECRET_MIN_BYTES,
  type LinkageTokenStream,
  linkageHmac,
  linkageSecretFingerprint,
  linkageToken,
  linkageTokensBulk,
} from './linkage.ts';
export { ARGON2_PARAMS, decoyPasswordHash, hashPassword, verifyPassword } from './password.ts';
export { constantTimeEqual, hmacSha256, random, randomToken, sha256, sha512 } from './primitives.ts';
export { combineShares, type ParsedShare, parseShare, ShareFormatError, splitRootKey } from './shamir.ts';
export {
  auditPublicKey,
  type ContentSigningKeyPair,
  contentSigningPublicKey,
  ed25519PublicKeyFromPem,
  evidencePublicKeyPem,
  fingerprintAuditKey,
  generateContentSigningKey,
  normaliseAuditFingerprint,
  publicKeyFingerprint,
  SigningKeyError,
  signAudit,
  signContent,
  signEvidence,
  verifyAuditSignature,
  verifyContentSignature,
  verifyEd25519,
} from './signing.ts';
export { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.ts';

import { DataKey } from './envelope.ts';
import type { Keyring } from './keyring.ts';
import { KEY_BYTES, random as randomBytes } from './primitives.ts';

/**
 * The key of state that several instances share and that is nobody's case yet or no longer
 * (ADR 0117): applicant sessions (the case id they open) and Telegram conversations in
 * progress. From the derivation key, so a root-key rotation keeps them readable. The caller
 * disposes it.
 */
export function sharedStateKey(
  keyring: Keyring,
  purpose: 'applicant-session' | 'telegram-conversation',
): DataKey {
  return new DataKey(keyring.derive(`shared-state/${purpose}`));
}

/** A fresh 256-bit root key. */
export function generateRootKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

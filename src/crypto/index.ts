/**
 * The crypto module: the only code that sees keys. Everything that encrypts, hashes,
 * signs or derives goes through these exports.
 */

export { BusyError } from './argon2-slots.ts';
export { BLIND_INDEXES, type BlindIndexName, blindIndex, expectedCoincidences } from './blind-index.ts';
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
export * from './intake.ts';
export { Keyring, keyIdOf, SealedError } from './keyring.ts';
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
export { constantTimeEqual, hmacSha256, random, randomToken, sha256 } from './primitives.ts';
export { combineShares, type ParsedShare, parseShare, ShareFormatError, splitRootKey } from './shamir.ts';
export {
  auditPublicKey,
  type ContentSigningKeyPair,
  contentSigningPublicKey,
  fingerprintAuditKey,
  generateContentSigningKey,
  normaliseAuditFingerprint,
  publicKeyFingerprint,
  SigningKeyError,
  signAudit,
  signContent,
  verifyAuditSignature,
  verifyContentSignature,
} from './signing.ts';
export { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.ts';

import { KEY_BYTES, random as randomBytes } from './primitives.ts';

/** A fresh 256-bit root key. */
export function generateRootKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

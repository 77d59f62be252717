/**
 * The crypto module: the only code that sees keys. Everything that encrypts, hashes,
 * signs or derives goes through these exports.
 */
export { checkCsrfToken, csrfToken } from './csrf.ts';
export { type BlindIndexName, BLIND_INDEXES, blindIndex, expectedCoincidences } from './blind-index.ts';
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
export { Keyring, keyIdOf, SealedError } from './keyring.ts';
export { ARGON2_PARAMS, BusyError, decoyPasswordHash, hashPassword, verifyPassword } from './password.ts';
export { constantTimeEqual, hmacSha256, random, randomToken, sha256 } from './primitives.ts';
export { combineShares, type ParsedShare, parseShare, ShareFormatError, splitRootKey } from './shamir.ts';
export { auditPublicKey, signAudit, verifyAuditSignature } from './signing.ts';
export { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.ts';
export * from './intake.ts';

import { KEY_BYTES, random as randomBytes } from './primitives.ts';

/** A fresh 256-bit root key. */
export function generateRootKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

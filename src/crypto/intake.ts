/** Crypto used by the intake module (codenames, proof of work, streaming file encryption). */
export {
  CODENAME_ARGON2,
  CODENAME_DIGITS,
  type CodenameCredentials,
  codenameFromToken,
  deriveCodenameCredentials,
  formatCodename,
  keyedDigest,
  normaliseCodename,
} from './codename.ts';
export {
  checkFormToken,
  issueFormToken,
  issuePowChallenge,
  leadingZeroBits,
  type PowChallenge,
  type PowVerdict,
  solvePowChallenge,
  verifyPowSolution,
} from './pow.ts';
export { createEncryptStream, decryptStreamBuffer, STREAM_CHUNK } from './stream.ts';

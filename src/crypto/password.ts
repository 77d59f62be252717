import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { withArgon2Slot } from './argon2-slots.ts';

/** Argon2id (the library's const enum cannot be imported under verbatimModuleSyntax). */
const ARGON2ID = 2 as Algorithm;

/**
 * Argon2id password hashing at OWASP's minimum or above (m = 19 MiB, t = 2, p = 1).
 * At most two Argon2 runs happen at once in the process (the pool in argon2-slots.ts, shared
 * with codename derivation), and at most `MAX_WAITING` password hashes wait, so that a storm of
 * sign-in attempts cannot starve the server: beyond that the caller gets BusyError
 * and answers 503 with Retry-After.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const MAX_WAITING = 64;

export function hashPassword(password: string): Promise<string> {
  return withArgon2Slot(
    () => hash(password, { ...ARGON2_PARAMS, algorithm: ARGON2ID }),
    MAX_WAITING,
    'too many password hashes waiting',
  );
}

export function verifyPassword(encoded: string, password: string): Promise<boolean> {
  return withArgon2Slot(
    () => verify(encoded, password).catch(() => false),
    MAX_WAITING,
    'too many password hashes waiting',
  );
}

/** A fixed hash that unknown accounts are checked against, so timing does not reveal them. */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hash('sanctuary-decoy-password', { ...ARGON2_PARAMS, algorithm: ARGON2ID });
  return decoy;
}

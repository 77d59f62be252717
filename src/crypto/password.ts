import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** Argon2id (the library's const enum cannot be imported under verbatimModuleSyntax). */
const ARGON2ID = 2 as Algorithm;

/**
 * Argon2id password hashing at OWASP's minimum or above (m = 19 MiB, t = 2, p = 1).
 * At most two hashes run at once, and at most `MAX_WAITING` wait, so that a storm of
 * sign-in attempts cannot starve the server: beyond that the caller gets BusyError
 * and answers 503 with Retry-After.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const MAX_CONCURRENT = 2;
const MAX_WAITING = 64;

export class BusyError extends Error {
  override name = 'BusyError';
}

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_WAITING) throw new BusyError('too many password hashes waiting');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
}

export function hashPassword(password: string): Promise<string> {
  return withSlot(() => hash(password, { ...ARGON2_PARAMS, algorithm: ARGON2ID }));
}

export function verifyPassword(encoded: string, password: string): Promise<boolean> {
  return withSlot(() => verify(encoded, password).catch(() => false));
}

/** A fixed hash that unknown accounts are checked against, so timing does not reveal them. */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hash('sanctuary-decoy-password', { ...ARGON2_PARAMS, algorithm: ARGON2ID });
  return decoy;
}

/** For tests and metrics: how many hashes run now. */
export function passwordHashesRunning(): number {
  return running;
}

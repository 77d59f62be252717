import type { Logger } from 'pino';
import type { Config } from './config/config.ts';

import type { SanctuaryDatabase } from './db/database.ts';
import type { Vault } from './modules/keys/vault.ts';
import { RateLimiter } from './platform/rate-limit.ts';

/**
 * What services need from the running process: config, database, seal state, logger and
 * the in-memory limiters. Built once by buildApp (or by a CLI command) and passed down.
 */
export interface AppContext {
  readonly config: Config;
  readonly database: SanctuaryDatabase;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly limits: Limits;
}

export interface Limits {
  /** All sign-in attempts together: a storm is cut off before it reaches Argon2. */
  readonly signInGlobal: RateLimiter;
  /** Failed sign-ins per account (keyed by the normalised email, hashed in memory). */
  readonly signInAccount: RateLimiter;
  /** Enrolment form posts, all together. */
  readonly enrolGlobal: RateLimiter;
}

export function createLimits(config: Pick<Config, 'signInPerMinute' | 'enrolPerMinute'>): Limits {
  return {
    signInGlobal: new RateLimiter({ limit: config.signInPerMinute, windowMs: 60_000, keys: 'plain' }),
    signInAccount: new RateLimiter({ limit: 5, windowMs: 15 * 60_000 }),
    enrolGlobal: new RateLimiter({ limit: config.enrolPerMinute, windowMs: 60_000, keys: 'plain' }),
  };
}

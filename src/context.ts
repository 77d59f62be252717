import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import { keyedDigest } from './crypto/index.ts';
import type { SanctuaryDatabase } from './db/database.ts';
import type { Vault } from './modules/keys/index.ts';
import { BackOff } from './platform/back-off.ts';
import type { AppMetrics } from './platform/metrics.ts';
import { databaseCounts } from './platform/rate-limit.store.ts';
import { type Clock, RateLimiter, type SharedCounts } from './platform/rate-limit.ts';

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
  /** This instance's Prometheus metrics, served on the loopback health port only (ADR 0111). */
  readonly metrics: AppMetrics;
}

export interface Limits {
  /** The clock every in-memory limiter reads (tests inject their own). */
  readonly clock: Clock;
  /** Staff sign-in attempts per source (address or Tor circuit), checked before the global limit. */
  readonly signInSource: RateLimiter;
  /** Admitted sign-in attempts together: a storm is cut off before it reaches Argon2. */
  readonly signInGlobal: RateLimiter;
  /**
   * Growing delays after failed sign-ins, per account and source (the normalised email and
   * the source, hashed in memory): a wrong guess slows down only whoever made it (ADR 0090).
   */
  readonly signInBackOff: BackOff;
  /** Enrolment form posts per source, checked before the global limit (ADR 0088). */
  readonly enrolSource: RateLimiter;
  /** Admitted enrolment form posts, all together. */
  readonly enrolGlobal: RateLimiter;
}

export function createLimits(
  config: Pick<Config, 'signInPerMinute' | 'signInPerSourcePerMinute' | 'enrolPerMinute'>,
  clock: Clock = Date.now,
): Limits {
  return {
    clock,
    signInSource: new RateLimiter({ limit: config.signInPerSourcePerMinute, windowMs: 60_000, clock }),
    signInGlobal: new RateLimiter({ limit: config.signInPerMinute, windowMs: 60_000, keys: 'plain', clock }),
    signInBackOff: new BackOff({
      free: 3,
      baseMs: 1_000,
      capMs: 15 * 60_000,
      forgetMs: 60 * 60_000,
      clock,
    }),
    enrolSource: new RateLimiter({ limit: config.signInPerSourcePerMinute, windowMs: 60_000, clock }),
    enrolGlobal: new RateLimiter({ limit: config.enrolPerMinute, windowMs: 60_000, keys: 'plain', clock }),
  };
}

/**
 * Several instances on PostgreSQL (ADR 0117): the staff sign-in and enrolment limits are
 * counted in the database, together. The growing delays after failures stay per instance.
 */
export function shareLimits(ctx: AppContext): void {
  const counts = databaseLimitCounts(ctx);
  const l = ctx.limits;
  l.signInSource.shareThrough('staff.signInSource', counts);
  l.signInGlobal.shareThrough('staff.signInGlobal', counts);
  l.enrolSource.shareThrough('staff.enrolSource', counts);
  l.enrolGlobal.shareThrough('staff.enrolGlobal', counts);
}

/**
 * The database counts of rate limits shared by instances; buckets are keyed digests (the key
 * from the keyring, so the table links no count to a client; sealed, limits count locally).
 */
export function databaseLimitCounts(ctx: AppContext): SharedCounts {
  return databaseCounts(
    () => ctx.database.db,
    (text) => (ctx.vault.sealed ? undefined : keyedDigest(ctx.vault.requireKeyring(), 'rate-limit', text)),
  );
}

import { createHmac, randomBytes } from 'node:crypto';

/** What the limiters read the time from; tests inject a fixed or stepped clock. */
export type Clock = () => number;

/**
 * In-memory fixed-window rate limits. Nothing is persisted. Client-derived keys are
 * hashed with a key that is replaced every window, so that the memory of this process
 * never holds a stable identifier of a person (and never an IP address).
 *
 * A limiter whose keys identify nobody (one global bucket, a partner id, a case id the
 * process holds anyway) is built with `keys: 'plain'` and skips that hash: it is what a
 * refusal costs under a flood.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #clock: Clock;
  #windowStart: number;
  #counts = new Map<string, number>();
  #key = randomBytes(32);
  readonly #maxKeys: number;
  readonly #plain: boolean;

  constructor(options: {
    limit: number;
    windowMs: number;
    maxKeys?: number;
    keys?: 'hashed' | 'plain';
    clock?: Clock;
  }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#plain = options.keys === 'plain';
    this.#clock = options.clock ?? Date.now;
    this.#windowStart = this.#clock();
  }

  #roll(now: number): void {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#counts = new Map();
      this.#key = randomBytes(32);
    }
  }

  #bucket(key: string): string {
    if (this.#plain) return key;
    return createHmac('sha256', this.#key).update(key).digest('base64url').slice(0, 22);
  }

  /** Seconds until the current window ends (for Retry-After). */
  retryAfter(now = this.#clock()): number {
    return Math.max(1, Math.ceil((this.#windowStart + this.#windowMs - now) / 1000));
  }

  /** Counts one hit; returns false when the key is over its limit. */
  hit(key: string, now = this.#clock()): boolean {
    this.#roll(now);
    const bucket = this.#bucket(key);
    const count = (this.#counts.get(bucket) ?? 0) + 1;
    if (this.#counts.size >= this.#maxKeys && !this.#counts.has(bucket)) return false;
    this.#counts.set(bucket, count);
    return count <= this.#limit;
  }

  /**
   * True when one more hit for the key would be refused, without counting one: the key
   * has used its allowance, or it is new and the table of keys is full.
   */
  blocked(key: string, now = this.#clock()): boolean {
    this.#roll(now);
    const count = this.#counts.get(this.#bucket(key));
    if (count === undefined) return this.#counts.size >= this.#maxKeys || this.#limit < 1;
    return count >= this.#limit;
  }

  reset(key: string): void {
    this.#counts.delete(this.#bucket(key));
  }
}

/**
 * Admits a request only when every limiter has room for it, and only then counts it in all
 * of them. Pass the per-client limiter first and the global one after it: a client over its
 * own allowance is refused without touching the global count, so one flooding client cannot
 * use up everybody else's share, and a refused request uses up nothing at all (ADR 0088).
 * Returns the limiter that refused, or undefined when the request was admitted and counted.
 */
export function admit(checks: ReadonlyArray<readonly [RateLimiter, string]>): RateLimiter | undefined {
  for (const [limiter, key] of checks) if (limiter.blocked(key)) return limiter;
  for (const [limiter, key] of checks) limiter.hit(key);
  return undefined;
}

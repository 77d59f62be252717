import { createHmac, randomBytes } from 'node:crypto';

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
  #windowStart = Date.now();
  #counts = new Map<string, number>();
  #key = randomBytes(32);
  readonly #maxKeys: number;
  readonly #plain: boolean;

  constructor(options: { limit: number; windowMs: number; maxKeys?: number; keys?: 'hashed' | 'plain' }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#plain = options.keys === 'plain';
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
  retryAfter(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.#windowStart + this.#windowMs - now) / 1000));
  }

  /** Counts one hit; returns false when the key is over its limit. */
  hit(key: string, now = Date.now()): boolean {
    this.#roll(now);
    const bucket = this.#bucket(key);
    const count = (this.#counts.get(bucket) ?? 0) + 1;
    if (this.#counts.size >= this.#maxKeys && !this.#counts.has(bucket)) return false;
    this.#counts.set(bucket, count);
    return count <= this.#limit;
  }

  /** True when the key is already over its limit, without counting a hit. */
  blocked(key: string, now = Date.now()): boolean {
    this.#roll(now);
    return (this.#counts.get(this.#bucket(key)) ?? 0) >= this.#limit;
  }

  reset(key: string): void {
    this.#counts.delete(this.#bucket(key));
  }
}

import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from './rate-limit.ts';

interface Entry {
  failures: number;
  /** No attempt is evaluated before this time. */
  until: number;
  last: number;
}

/**
 * Growing delays after failures, per key, in memory only (ADR 0090). The first `free`
 * failures cost nothing; each one after that doubles the wait before the key's next attempt is
 * evaluated, from `baseMs` up to `capMs`. A key with no failure for `forgetMs` starts afresh.
 * Keys are HMACed with a key that lives only in this process, as the rate limiters' are.
 *
 * The table is bounded: when it is full the least recently failed key is forgotten, so a
 * flood of new keys cannot make the table refuse everyone; it can at most make the flooder
 * forget its own old delays, which costs it many admitted attempts.
 */
export class BackOff {
  readonly #free: number;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #forgetMs: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, Entry>();

  constructor(options: {
    free: number;
    baseMs: number;
    capMs: number;
    forgetMs: number;
    maxKeys?: number;
    clock?: Clock;
  }) {
    this.#free = options.free;
    this.#baseMs = options.baseMs;
    this.#capMs = options.capMs;
    this.#forgetMs = options.forgetMs;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#clock = options.clock ?? Date.now;
  }

  #bucket(key: string): string {
    return createHmac('sha256', this.#key).update(key).digest('base64url').slice(0, 22);
  }

  #live(bucket: string, now: number): Entry | undefined {
    const entry = this.#entries.get(bucket);
    if (entry !== undefined && now - entry.last >= this.#forgetMs) {
      this.#entries.delete(bucket);
      return undefined;
    }
    return entry;
  }

  /** Milliseconds the key must still wait before an attempt is evaluated; 0 when it may try. */
  waitMs(key: string, now = this.#clock()): number {
    const entry = this.#live(this.#bucket(key), now);
    return entry === undefined ? 0 : Math.max(0, entry.until - now);
  }

  /** Records a failure; returns the delay (ms) now imposed on the key's next attempt. */
  fail(key: string, now = this.#clock()): number {
    const bucket = this.#bucket(key);
    const failures = (this.#live(bucket, now)?.failures ?? 0) + 1;
    const over = failures - this.#free;
    const delay = over <= 0 ? 0 : Math.min(this.#capMs, this.#baseMs * 2 ** Math.min(over - 1, 40));
    // Re-inserted so that the map's order is the order of last failure (oldest first).
    this.#entries.delete(bucket);
    if (this.#entries.size >= this.#maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(bucket, { failures, until: now + delay, last: now });
    return delay;
  }

  clear(key: string): void {
    this.#entries.delete(this.#bucket(key));
  }
}

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
  /** Set when instances share this limit through the database (ADR 0117). */
  #shared: { name: string; counts: SharedCounts } | undefined;

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
      // Shared windows start on multiples of the window length, so all instances agree on them.
      this.#windowStart = this.#shared === undefined ? now : now - (now % this.#windowMs);
      this.#counts = new Map();
      this.#key = randomBytes(32);
    }
  }

  #bucket(key: string): string {
    if (this.#plain) return key;
    return createHmac('sha256', this.#key).update(key).digest('base64url').slice(0, 22);
  }

  get limit(): number {
    return this.#limit;
  }

  /** The database counts this limit with every other instance's, under this name (ADR 0117). */
  shareThrough(name: string, counts: SharedCounts): this {
    this.#shared = { name, counts };
    const now = this.#clock();
    this.#windowStart = now - (now % this.#windowMs);
    return this;
  }

  get shared(): { name: string; counts: SharedCounts } | undefined {
    return this.#shared;
  }

  /** @internal what the shared count of a key is (the window this hit falls in, and its end). */
  sharedBucket(key: string, now = this.#clock()): { text: string; expiresAt: number } {
    this.#roll(now);
    return {
      text: `${this.#shared?.name}|${this.#windowStart}|${key}`,
      expiresAt: this.#windowStart + this.#windowMs,
    };
  }

  /**
   * @internal Records what the database counted for the key (all instances together): this
   * instance then refuses locally, with no round trip, once the key has used its allowance.
   */
  learn(key: string, count: number, now = this.#clock()): void {
    this.#roll(now);
    const bucket = this.#bucket(key);
    if (!this.#counts.has(bucket) && this.#counts.size >= this.#maxKeys) return;
    this.#counts.set(bucket, Math.max(count, this.#counts.get(bucket) ?? 0));
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

/**
 * Counts that several instances share (ADR 0117): the database, on PostgreSQL. Buckets are
 * keyed digests (the key comes from the keyring; the text holds the window), so the table
 * links no count to a client across windows and holds no address.
 */
export interface SharedCounts {
  /** The bucket of a text, or undefined when it cannot be computed (sealed): count locally then. */
  bucketOf(text: string): Buffer | undefined;
  /** Adds one to each bucket (one statement); returns the counts after, in order. */
  add(buckets: ReadonlyArray<{ bucket: Buffer; expiresAt: number }>): Promise<number[]>;
  /** Takes the hit back from each bucket: a refused request uses up nothing. */
  takeBack(buckets: readonly Buffer[]): Promise<void>;
}

/**
 * `admit` for limits that instances share: refused locally when this instance already knows
 * the key is over (no round trip: what a flood costs); otherwise counted in the database, in
 * one statement for every limiter of the request, and taken back from all of them when one
 * refuses. So N instances together admit a key at most its allowance per window, whichever
 * instance each request reaches. Limiters that share nothing behave exactly as in `admit`.
 */
export async function admitShared(
  checks: ReadonlyArray<readonly [RateLimiter, string]>,
): Promise<RateLimiter | undefined> {
  for (const [limiter, key] of checks) if (limiter.blocked(key)) return limiter;
  const counted: Array<{ limiter: RateLimiter; key: string; bucket: Buffer; expiresAt: number }> = [];
  for (const [limiter, key] of checks) {
    const shared = limiter.shared;
    const at = shared === undefined ? undefined : limiter.sharedBucket(key);
    const bucket = at === undefined ? undefined : shared!.counts.bucketOf(at.text);
    if (bucket === undefined || at === undefined) limiter.hit(key);
    else counted.push({ limiter, key, bucket, expiresAt: at.expiresAt });
  }
  const store = counted[0]?.limiter.shared?.counts;
  if (store === undefined) return undefined;
  const counts = await store.add(counted);
  const over = counted.findIndex((c, i) => (counts[i] ?? 0) > c.limiter.limit);
  counted.forEach((c, i) => {
    c.limiter.learn(c.key, (counts[i] ?? 0) - (over === -1 ? 0 : 1));
  });
  if (over === -1) return undefined;
  await store.takeBack(counted.map((c) => c.bucket));
  return counted[over]!.limiter;
}

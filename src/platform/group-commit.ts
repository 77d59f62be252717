import { setTimeout as defaultSleep } from 'node:timers/promises';
import { AppError, isAppError } from './errors.ts';

/**
 * Group commit with backpressure (ADR 0043), used by intake and by the ledger's transfers (ADR 0126).
 *
 * Callers enqueue prepared work (already encrypted) and wait. Up to `writers` loops take up
 * to `maxBatch` jobs at a time and commit them together in one transaction; every caller is
 * answered only after its transaction has committed ("acknowledged means durable"), or
 * gets the error of its own job. One fsync then pays for a whole batch.
 *
 * The queue is bounded. When it holds `capacity` jobs, `enqueue` throws AppError
 * "overloaded" (503 with Retry-After) at once: the caller is told to come back rather than
 * waiting for a timeout, and memory stays bounded under a flood. Jobs without proof of work
 * may fill only `unprovenShare` of the capacity, so that a flood of cheap requests cannot
 * crowd out people who paid the proof of work.
 *
 * When a batch fails because the database went away (a failover, ADR 0118), it is not split
 * but committed again, whole, until it succeeds or `retry.budgetMs` has passed; its callers
 * just wait. The commit outcome of the failed attempt is unknown (the primary may have
 * committed and died before answering), so the repeat is marked `retry` and the commit
 * function must then first find what the earlier attempt stored: nothing is stored twice
 * and nothing acknowledged is lost. Past the budget, every job gets 503 "unavailable".
 */
export interface GroupCommitOptions {
  capacity: number;
  maxBatch: number;
  writers: number;
  /** Fraction of the capacity that jobs without proof of work may occupy (0..1). */
  unprovenShare?: number;
  retryAfterSeconds?: number;
  /** Commit again after a transient error (the database went away); none by default. */
  retry?: {
    isTransient: (error: unknown) => boolean;
    /** Give up this long after the first failed attempt of a batch (ms). */
    budgetMs: number;
    /** Waits between attempts (tests pass their own). */
    sleep?: (ms: number) => Promise<void>;
  };
}

interface Entry<J, R> {
  job: J;
  proven: boolean;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/** What the queue reports as it works (the metrics; ADR 0111). Called synchronously; keep it cheap. */
export interface GroupCommitObserver {
  /** A batch committed: how many jobs it held and how long its commit took (seconds). */
  committed(size: number, seconds: number): void;
  /** A job refused because the queue (or the share of jobs without proof of work) was full. */
  refused(): void;
}

/**
 * Commits a batch in one transaction; returns one result (or Error) per job, in order.
 * `retry` is true when an earlier attempt at these same jobs failed with a transient error
 * and may have committed some or all of them.
 */
export type CommitBatch<J, R> = (jobs: J[], attempt: { retry: boolean }) => Promise<Array<R | Error>>;

export class GroupCommitQueue<J, R> {
  readonly #options: Required<Omit<GroupCommitOptions, 'retry'>> & Pick<GroupCommitOptions, 'retry'>;
  readonly #commit: CommitBatch<J, R>;
  readonly #observer: GroupCommitObserver | undefined;
  #queue: Array<Entry<J, R>> = [];
  #unproven = 0;
  #active = 0;
  #closed = false;
  #idle: Array<() => void> = [];
  /** Batches committed and jobs in them, for the benchmark and tests. */
  readonly stats = { batches: 0, jobs: 0, largestBatch: 0, refused: 0, retried: 0 };

  constructor(options: GroupCommitOptions, commit: CommitBatch<J, R>, observer?: GroupCommitObserver) {
    this.#options = { unprovenShare: 0.5, retryAfterSeconds: 30, ...options };
    this.#commit = commit;
    this.#observer = observer;
  }

  /** The most jobs the queue holds before refusing. */
  get capacity(): number {
    return this.#options.capacity;
  }

  /** Jobs waiting or being committed. */
  get depth(): number {
    return this.#queue.length;
  }

  enqueue(job: J, options: { proven: boolean }): Promise<R> {
    const { capacity, unprovenShare, retryAfterSeconds } = this.#options;
    if (this.#closed) {
      return Promise.reject(
        new AppError('unavailable', 'write queue closed', { retryAfter: retryAfterSeconds }),
      );
    }
    const full = this.#queue.length >= capacity;
    const unprovenFull = !options.proven && this.#unproven >= Math.floor(capacity * unprovenShare);
    if (full || unprovenFull) {
      this.stats.refused += 1;
      this.#observer?.refused();
      return Promise.reject(
        new AppError('overloaded', 'write queue full', { retryAfter: retryAfterSeconds }),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ job, proven: options.proven, resolve, reject });
      if (!options.proven) this.#unproven += 1;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#active < this.#options.writers && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      for (const e of batch) if (!e.proven) this.#unproven -= 1;
      this.#active += 1;
      void this.#run(batch).finally(() => {
        this.#active -= 1;
        if (this.#queue.length > 0) this.#pump();
        else if (this.#active === 0) for (const wake of this.#idle.splice(0)) wake();
      });
    }
  }

  async #run(batch: Array<Entry<J, R>>): Promise<void> {
    let results: Array<R | Error>;
    const started = performance.now();
    try {
      results = await this.#commitWithRetry(batch.map((e) => e.job));
    } catch (batchError) {
      if (batch.length === 1 || (isAppError(batchError) && batchError.code === 'unavailable')) {
        for (const e of batch) e.reject(batchError);
        return;
      }
      // One bad job must not sink the others: commit each alone to find it.
      await Promise.all(batch.map((e) => this.#run([e])));
      return;
    }
    this.stats.batches += 1;
    this.stats.jobs += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.#observer?.committed(batch.length, (performance.now() - started) / 1000);
    batch.forEach((e, i) => {
      const r = results[i];
      if (r instanceof Error) e.reject(r);
      else e.resolve(r as R);
    });
  }

  /**
   * Commits, and after a transient error commits the same jobs again (marked `retry`) with a
   * growing pause, until the budget is spent: then AppError "unavailable" for every job.
   */
  async #commitWithRetry(jobs: J[]): Promise<Array<R | Error>> {
    const retry = this.#options.retry;
    let retrying = false;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#commit(jobs, { retry: retrying });
      } catch (error) {
        if (retry === undefined || !retry.isTransient(error)) throw error;
        if (Date.now() - started >= retry.budgetMs) {
          throw new AppError('unavailable', 'database unavailable', {
            retryAfter: this.#options.retryAfterSeconds,
            cause: error,
          });
        }
        retrying = true;
        this.stats.retried += 1;
        await (retry.sleep ?? defaultSleep)(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  /** Refuses new work and waits until everything accepted has been committed or failed. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#queue.length === 0 && this.#active === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}

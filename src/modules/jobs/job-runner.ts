import type { Logger } from 'pino';
import type { Db } from '../../db/database.ts';
import { isAppError } from '../../platform/errors.ts';
import {
  type ClaimedJob,
  claimJobs,
  failAbandonedJobs,
  markJobDone,
  markJobFailed,
  purgeFinishedJobs,
  requeueJob,
} from './jobs.repository.ts';

/**
 * The background job runner (DESIGN.md §3: "jobs live in PostgreSQL; jobs are claimed with
 * FOR UPDATE SKIP LOCKED"). One per process; several processes may share the queue.
 *
 * - A handler names its kind, parses its payload (a bad payload fails the job at once) and
 *   says whether it needs the keyring. Jobs that need keys are never claimed while the server
 *   is sealed; one interrupted by a seal goes back to the queue without losing an attempt.
 * - Handlers must be idempotent: a job can run again after a crash (its lease expires) or a
 *   retry. Failures are retried with exponential backoff (5 s, 10 s, 20 s … capped at 1 h,
 *   with jitter) up to the job's `max_attempts`, then marked failed.
 * - Errors are logged and stored by name, code and stack frames only (`last_error` keeps the
 *   name and code), never by message: a message could quote the record being worked on.
 * - `stop()` stops claiming and waits for the job in hand: graceful shutdown.
 */
export interface JobHandler<P = unknown> {
  readonly kind: string;
  /** True when the job decrypts, derives or otherwise needs the unsealed keyring. */
  readonly needsKeys: boolean;
  /** Validates the stored payload; throw to fail the job without retrying. */
  parse(payload: unknown): P;
  run(payload: P, job: { id: string; attempts: number }): Promise<void>;
}

export interface JobRunnerOptions {
  db: Db;
  logger: Logger;
  handlers: readonly JobHandler<unknown>[];
  /** Whether the keyring is unavailable now (the vault is sealed). */
  isSealed: () => boolean;
  /** Idle wait between polls (ms). */
  pollMs?: number;
  /** Jobs claimed per round. */
  batch?: number;
  /** How long a claimed job stays ours before another process may take it over (ms). */
  leaseMs?: number;
  /**
   * The delay before retry number `attempts` (ms); `backoffMs` unless a test needs a delay that
   * no slow machine can outlast between two of its statements.
   */
  backoff?: (attempts: number) => number;
}

const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 3_600_000;
const SEALED_RETRY_MS = 10_000;
const PURGE_EVERY_MS = 3_600_000;

/** The delay before retry number `attempts` (1-based), with ±20% jitter. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A permanent failure: retrying cannot help (bad payload, a record that no longer exists…). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

function errorLabel(error: unknown): string {
  if (isAppError(error)) return `AppError:${error.code}`;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}:${code}` : error.name;
  }
  return 'unknown';
}

/**
 * What the log gets of a job's error: its name, code and stack frames, never its message
 * (a message could quote a value from the record the job was working on).
 */
function logError(error: unknown): { error: string; frames?: string } {
  const frames = error instanceof Error ? error.stack?.split('\n').slice(1, 8).join('\n') : undefined;
  return frames === undefined ? { error: errorLabel(error) } : { error: errorLabel(error), frames };
}

function isSealedError(error: unknown): boolean {
  return (
    (isAppError(error) && error.code === 'sealed') || (error instanceof Error && error.name === 'SealedError')
  );
}

export class JobRunner {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, JobHandler<unknown>>();
  readonly #isSealed: () => boolean;
  readonly #pollMs: number;
  readonly #batch: number;
  readonly #leaseMs: number;
  readonly #backoff: (attempts: number) => number;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastPurge = 0;

  constructor(options: JobRunnerOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    for (const h of options.handlers) {
      if (this.#handlers.has(h.kind)) throw new Error(`two handlers for job kind ${h.kind}`);
      this.#handlers.set(h.kind, h);
    }
    this.#isSealed = options.isSealed;
    this.#pollMs = options.pollMs ?? 2_000;
    this.#batch = options.batch ?? 5;
    this.#leaseMs = options.leaseMs ?? 10 * 60_000;
    this.#backoff = options.backoff ?? backoffMs;
  }

  /** Kinds this runner may claim now: while sealed, only those that need no keys. */
  #claimableKinds(): string[] {
    const sealed = this.#isSealed();
    return [...this.#handlers.values()].filter((h) => !sealed || !h.needsKeys).map((h) => h.kind);
  }

  /** Claims one batch and runs it; returns how many jobs ran. */
  async runOnce(): Promise<number> {
    const jobs = await claimJobs(this.#db, this.#claimableKinds(), this.#batch, this.#leaseMs);
    let ran = 0;
    for (const job of jobs) {
      // A seal between claim and run: give the job back untouched.
      const handler = this.#handlers.get(job.kind)!;
      if (handler.needsKeys && this.#isSealed()) {
        await requeueJob(this.#db, job, SEALED_RETRY_MS, 'sealed', false);
        continue;
      }
      await this.#runJob(handler, job);
      ran += 1;
    }
    return ran;
  }

  async #runJob(handler: JobHandler<unknown>, job: ClaimedJob): Promise<void> {
    let payload: unknown;
    try {
      payload = handler.parse(job.payload);
    } catch (error) {
      this.#logger.error(
        { jobId: job.id, kind: job.kind, ...logError(error) },
        'job payload is invalid; job failed',
      );
      await markJobFailed(this.#db, job.id, `invalid payload: ${errorLabel(error)}`);
      return;
    }
    try {
      await handler.run(payload, { id: job.id, attempts: job.attempts });
      await markJobDone(this.#db, job.id);
    } catch (error) {
      if (isSealedError(error)) {
        this.#logger.info({ jobId: job.id, kind: job.kind }, 'job interrupted by the seal; queued again');
        await requeueJob(this.#db, job, SEALED_RETRY_MS, 'sealed', false);
      } else if (error instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
        this.#logger.error(
          { jobId: job.id, kind: job.kind, attempts: job.attempts, ...logError(error) },
          'job failed',
        );
        await markJobFailed(this.#db, job.id, errorLabel(error));
      } else {
        const delay = this.#backoff(job.attempts);
        this.#logger.warn(
          { jobId: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, ...logError(error) },
          'job failed; it will be retried',
        );
        await requeueJob(this.#db, job, delay, errorLabel(error));
      }
    }
  }

  /**
   * Runs rounds until no job is due (tests, the CLI, and a freshly unsealed server catching
   * up). Jobs queued by jobs run in later rounds. Stops after `maxRounds` as a guard.
   */
  async runUntilIdle(maxRounds = 1_000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const ran = await this.runOnce();
      total += ran;
      if (ran === 0) break;
    }
    return total;
  }

  /** Starts polling. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#poll();
  }

  /** Makes an idle runner poll now (after an unseal, or an enqueue in this process). */
  wake(): void {
    this.#wake?.();
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      let ran = 0;
      try {
        ran = await this.runOnce();
        if (Date.now() - this.#lastPurge > PURGE_EVERY_MS) {
          this.#lastPurge = Date.now();
          await failAbandonedJobs(this.#db);
          await purgeFinishedJobs(this.#db, 7, 30);
        }
      } catch (error) {
        this.#logger.error(logError(error), 'job runner: a round failed; it will try again');
      }
      if (!this.#running) break;
      if (ran === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, this.#pollMs);
          this.#timer.unref();
        });
        this.#wake = undefined;
        if (this.#timer !== undefined) clearTimeout(this.#timer);
      }
    }
  }

  /** Stops claiming and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
  }
}

import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { GroupCommitQueue } from '../../platform/group-commit.ts';
import {
  type AuditAction,
  type AuditEvent,
  recordAudit as recordAuditNow,
  recordAuditBatch,
} from '../audit/index.ts';
import { applyPlannedBatch, type PlannedWrite } from './ledger.batch.ts';
import { appendLedgerEntries, deferLedgerEntries, stopDeferring } from './ledger.chain.ts';
import { lockLedgerChain } from './ledger.repository.ts';

/**
 * Group commit of the ledger's writes (ADR 0126, after intake's ADR 0043, with the same queue).
 * Every ledger write appends to one hash chain, so writes are serial whatever is done; what
 * differs is how many durable commits they pay. A transfer, a post, a void or a correction
 * called without the caller's transaction is queued; one writer takes up to MAX_BATCH of them
 * and runs each, in order, in one transaction under a savepoint of its own: a refusal (not
 * enough funds, another body for the same id) rolls back that job alone and is answered to its
 * caller; the others commit together, and every caller is answered only after the commit.
 * Everything each job checks (idempotency, account locks and limits, the chain head) it checks
 * inside the batch's transaction, so a job sees the jobs before it exactly as it would have
 * seen their committed transactions. The chain's lock is taken first, by the batch and by every
 * write that brings its own transaction, so ledger writers always lock chain, then accounts.
 * A deadlock or serialisation failure (another writer outside this order) commits the batch
 * again, whole; the jobs are idempotent (a replay answers the stored result).
 */
const MAX_BATCH = 128;
const CAPACITY = 8_192;

/** A queued write: its one-at-a-time work, and (creates, posts, voids) its plan for the set-based path. */
export type LedgerJob = { work: (t: Db) => Promise<unknown>; plan: PlannedWrite | undefined };
type Job = LedgerJob;

const queues = new WeakMap<object, GroupCommitQueue<Job, unknown>>();

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

type TaggedAudit = { job: number; event: AuditEvent };
type Deferred = { entries: Parameters<typeof appendLedgerEntries>[1][number][]; audits: TaggedAudit[] };
const audits = new WeakMap<Db, AuditEvent[]>();

/**
 * The ledger's audit entries: in a batch, collected with the job's chain entries and written
 * once for the batch (dropped with the job when it is refused); otherwise at once.
 */
export async function recordAudit(t: Db, event: AuditEvent): Promise<void> {
  const list = audits.get(t);
  if (list === undefined) await recordAuditNow(t, event);
  else list.push(event);
}

async function runJob(t: Db, job: Job['work'], index: number, batch: Deferred): Promise<unknown> {
  const own: { entries: Deferred['entries']; audits: AuditEvent[] } = { entries: [], audits: [] };
  deferLedgerEntries(t, own.entries);
  audits.set(t, own.audits);
  try {
    const result = await job(t);
    batch.entries.push(...own.entries);
    for (const event of own.audits) batch.audits.push({ job: index, event });
    return result;
  } finally {
    stopDeferring(t);
    audits.delete(t);
  }
}

/** Declines the set-based path: its transaction is rolled back and the batch runs job by job. */
const DECLINED = new Error('set-based batch declined');

/**
 * The set-based path (ADR 0167): when every job of the batch has a plan, the whole batch in a
 * handful of statements. undefined when it declines or the database refuses what it computed
 * (then nothing of it was written).
 */
async function commitPlanned(
  db: Db,
  plans: PlannedWrite[],
  requests: readonly number[] | undefined,
): Promise<unknown[] | undefined> {
  try {
    return await db.transaction().execute(async (t) => {
      await lockLedgerChain(t);
      // The batch's writes and its block of events are one statement (ADR 0215).
      const applied = await applyPlannedBatch(t, plans);
      if (applied === undefined) throw DECLINED;
      await appendLedgerEntries(t, applied.entries, { chainLocked: true });
      await recordAuditBatch(t, auditsOf(applied.audits, requests));
      return applied.results;
    });
  } catch (error) {
    if (error !== DECLINED && isTransient(error)) throw error;
    stats.declined += 1;
    return undefined;
  }
}

/** How often the set-based path declined (the benchmark prints it). */
const stats = { planned: 0, declined: 0 };

/** The name of a request's one entry for several transfers of one action (ADR 0202, ADR 0208). */
const PER_REQUEST: Partial<Record<AuditAction, AuditAction>> = {
  'ledger.transfer_pending': 'ledger.transfer_pending_request',
  'ledger.transfer_post': 'ledger.transfer_post_request',
  'ledger.transfer_void': 'ledger.transfer_void_request',
};

/**
 * A multi-transfer request's audit (ADR 0202): one entry per person and action for the whole
 * request, naming its first and last transfer and how many, instead of one per transfer. Each
 * transfer's movement, with who made it, is its own entry in the ledger's chain. An action
 * without a request-wide name keeps one entry per event, each under the name it was written with.
 */
function perRequest(events: readonly AuditEvent[]): AuditEvent[] {
  const groups = new Map<string, { event: AuditEvent; first: string; last: string; count: number }>();
  for (const [i, e] of events.entries()) {
    const key = PER_REQUEST[e.action] === undefined ? String(i) : `${e.actor}|${e.action}`;
    const group = groups.get(key);
    if (group === undefined)
      groups.set(key, { event: e, first: e.target ?? '', last: e.target ?? '', count: 1 });
    else {
      group.last = e.target ?? '';
      group.count += 1;
    }
  }
  return [...groups.values()].map(({ event, first, last, count }) =>
    count === 1
      ? event
      : {
          actor: event.actor,
          action: PER_REQUEST[event.action] ?? event.action,
          target: `ledger:transfers:${first}..${last}`,
          reason: `${count} transfers in one request`,
        },
  );
}

/**
 * The audit entries of a batch: as written, or, when the batch holds multi-transfer requests
 * (`requests`: how many jobs each has, in order), one entry per person and action for each
 * request.
 */
function auditsOf(tagged: readonly TaggedAudit[], requests: readonly number[] | undefined): AuditEvent[] {
  if (requests === undefined) return tagged.map((a) => a.event);
  // The entries come in job order: one pass cuts them at each request's last job.
  const out: AuditEvent[] = [];
  let next = 0;
  let end = 0;
  for (const size of requests) {
    end += size;
    const own: AuditEvent[] = [];
    while (next < tagged.length && tagged[next]!.job < end) own.push(tagged[next++]!.event);
    out.push(...perRequest(own));
  }
  return out;
}

async function commitBatch(db: Db, jobs: Job[], requests?: readonly number[]): Promise<unknown[]> {
  if (jobs.every((j) => j.plan !== undefined)) {
    stats.planned += 1;
    const results = await commitPlanned(
      db,
      jobs.map((j) => j.plan!),
      requests,
    );
    if (results !== undefined) return results;
  }
  return db.transaction().execute(async (t) => {
    await lockLedgerChain(t);
    const batch: Deferred = { entries: [], audits: [] };
    const results: unknown[] = [];
    if (jobs.length === 1) {
      // One job: its error rolls the whole transaction back, which is the same thing.
      results.push(await runJob(t, jobs[0]!.work, 0, batch));
    } else {
      for (const [index, job] of jobs.entries()) {
        await sql`savepoint ledger_job`.execute(t);
        try {
          results.push(await runJob(t, job.work, index, batch));
          await sql`release savepoint ledger_job`.execute(t);
        } catch (error) {
          await sql`rollback to savepoint ledger_job`.execute(t);
          if (isTransient(error)) throw error;
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
    }
    // The batch's chain entries and audit entries: one head read and one insert each.
    await appendLedgerEntries(t, batch.entries, { chainLocked: true });
    await recordAuditBatch(t, auditsOf(batch.audits, requests));
    return results;
  });
}

/**
 * The ledger's queue of one kind for this database, made on first use: one writer (the chain
 * lock makes the ledger's writes serial; a second writer would only wait on it), busy answered
 * with Retry-After 5, a transient failure committed again for up to 10 s.
 */
function ledgerQueue<J, R>(
  queues: WeakMap<object, GroupCommitQueue<J, R>>,
  ctx: AppContext,
  sizes: { capacity: number; maxBatch: number },
  commit: (db: Db, jobs: J[]) => Promise<R[]>,
): GroupCommitQueue<J, R> {
  let queue = queues.get(ctx.database);
  if (queue === undefined) {
    const db = ctx.database.db;
    queue = new GroupCommitQueue<J, R>(
      {
        ...sizes,
        writers: 1,
        retryAfterSeconds: 5,
        retry: { isTransient, budgetMs: 10_000, sleep: async () => {} },
      },
      (jobs) => commit(db, jobs),
    );
    queues.set(ctx.database, queue);
  }
  return queue;
}

function queueOf(ctx: AppContext): GroupCommitQueue<Job, unknown> {
  return ledgerQueue(queues, ctx, { capacity: CAPACITY, maxBatch: MAX_BATCH }, commitBatch);
}

/**
 * Runs a ledger write: in the caller's transaction when it brings one (after taking the chain
 * lock, so the lock order is the batch's), else in the next group commit.
 */
export async function inLedgerWrite<T>(
  ctx: AppContext,
  trx: Db | undefined,
  work: (t: Db) => Promise<T>,
  plan?: PlannedWrite,
): Promise<T> {
  if (trx?.isTransaction === true) {
    await lockLedgerChain(trx);
    return work(trx);
  }
  if (trx !== undefined) {
    return trx.transaction().execute(async (t) => {
      await lockLedgerChain(t);
      return work(t);
    });
  }
  return (await queueOf(ctx).enqueue({ work, plan }, { proven: true })) as T;
}

/** The most transfers one multi-transfer request carries (ADR 0202). */
export const MAX_REQUEST_ITEMS = 1_000;

/**
 * Multi-transfer requests (ADR 0202) have a group commit of their own (ADR 0215): requests that
 * arrive while one is being committed wait in a queue, and the next batch takes up to
 * MAX_REQUESTS_A_BATCH of them (at most MAX_BATCH_ITEMS transfers) into one transaction, one
 * chain entry and one durable commit, as a group commit of single transfers does. Each request's
 * jobs are answered exactly as if the request were alone: a value or its Error, per job; its
 * audit entries are its own (one per person and action). A batch that fails as a whole is
 * committed again request by request; a deadlock or serialisation failure commits it again,
 * whole (the jobs are idempotent). A full queue is refused with 503 "overloaded" and
 * Retry-After, never as bad input.
 */
const MAX_REQUESTS_A_BATCH = 16;
const MAX_BATCH_ITEMS = 8_000;

const requestQueues = new WeakMap<object, GroupCommitQueue<LedgerJob[], unknown[]>>();

function requestQueueOf(ctx: AppContext): GroupCommitQueue<LedgerJob[], unknown[]> {
  return ledgerQueue(requestQueues, ctx, { capacity: 256, maxBatch: MAX_REQUESTS_A_BATCH }, commitRequests);
}

/**
 * Commits queued requests: as many as fit under MAX_BATCH_ITEMS in one batch, the rest in the
 * next ones, in order (a batch always takes at least one request).
 */
async function commitRequests(db: Db, requests: LedgerJob[][]): Promise<unknown[][]> {
  const answers: unknown[][] = [];
  for (let start = 0; start < requests.length; ) {
    let end = start + 1;
    let items = requests[start]!.length;
    while (end < requests.length && items + requests[end]!.length <= MAX_BATCH_ITEMS) {
      items += requests[end]!.length;
      end += 1;
    }
    const group = requests.slice(start, end);
    const sizes = group.map((r) => r.length);
    const results = await commitBatch(db, group.flat(), sizes).catch((error: unknown) => {
      // commitBatch throws a lone job's refusal instead of answering it.
      if (items === 1 && !isTransient(error))
        return [error instanceof Error ? error : new Error(String(error))];
      throw error;
    });
    let next = 0;
    for (const size of sizes) {
      answers.push(results.slice(next, next + size));
      next += size;
    }
    requestStats.requests += group.length;
    requestStats.items += items;
    requestStats.batches += 1;
    start = end;
  }
  return answers;
}

/**
 * A multi-transfer request (ADR 0202): its jobs, committed in one transaction with the requests
 * queued beside it (set-based, or job by job under savepoints when that declines), so each job
 * gets the answer it would have had alone: a value or its Error.
 */
export async function runLedgerBatch(ctx: AppContext, jobs: LedgerJob[]): Promise<unknown[]> {
  if (jobs.length === 0) return [];
  return requestQueueOf(ctx).enqueue(jobs, { proven: true });
}

const requestStats = { requests: 0, items: 0, batches: 0 };

/** Batches committed so far for this database (the benchmark prints them). */
export function ledgerWriteStats(ctx: AppContext): {
  batches: number;
  jobs: number;
  largestBatch: number;
  setBased: number;
  declined: number;
  requests: number;
  requestItems: number;
  requestBatches: number;
  /** Multi-transfer requests waiting for the next batch (not the one being committed). */
  queuedRequests: number;
} {
  const queue = queues.get(ctx.database)?.stats;
  return {
    batches: queue?.batches ?? 0,
    jobs: queue?.jobs ?? 0,
    largestBatch: queue?.largestBatch ?? 0,
    setBased: stats.planned - stats.declined,
    declined: stats.declined,
    requests: requestStats.requests,
    requestItems: requestStats.items,
    requestBatches: requestStats.batches,
    queuedRequests: requestQueues.get(ctx.database)?.depth ?? 0,
  };
}

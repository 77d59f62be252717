import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * Typed SQL of the job queue. Jobs live in PostgreSQL (or PGlite) and are claimed with
 * FOR UPDATE SKIP LOCKED, so several app processes can share one queue without running a job
 * twice. Payloads hold ids only, never personal data.
 */

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  /**
   * At most one *queued* job per dedupe key: enqueueing again while one waits is a no-op
   * (the waiting job reads current data when it runs). A running job does not count, so an
   * edit made while its job runs queues a fresh one.
   */
  dedupeKey?: string;
  runAfter?: Date;
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
}

/** Queues a job inside the caller's transaction: it exists exactly when the write it follows commits. */
export async function enqueueJob(trx: Db, job: NewJob): Promise<void> {
  const query = trx.insertInto('jobs').values({
    id: randomUUID(),
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    dedupe_key: job.dedupeKey ?? null,
    ...(job.runAfter === undefined ? {} : { run_after: job.runAfter }),
    ...(job.maxAttempts === undefined ? {} : { max_attempts: job.maxAttempts }),
  });
  if (job.dedupeKey === undefined) await query.execute();
  else
    await query
      .onConflict((oc) => oc.column('dedupe_key').where('state', '=', 'queued').doNothing())
      .execute();
}

/**
 * Claims up to `limit` due jobs of the given kinds: queued ones whose time has come, and
 * running ones whose lease ran out (their process died). Each claim counts an attempt and
 * takes a lease of `leaseMs`. Rows locked by another claimer are skipped, not waited for.
 */
export async function claimJobs(
  db: Db,
  kinds: readonly string[],
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  if (kinds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', sql<Date>`now()`)]),
          eb.and([
            eb('state', '=', 'running'),
            eb('locked_until', '<', sql<Date>`now()`),
            eb('attempts', '<', eb.ref('max_attempts')),
          ]),
        ]),
      )
      .orderBy('run_after')
      .orderBy('created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    const rows = await trx
      .updateTable('jobs')
      .set({
        state: 'running',
        attempts: sql<number>`attempts + 1`,
        locked_until: sql<Date>`now() + ${`${Math.ceil(leaseMs / 1000)} seconds`}::interval`,
      })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .returning(['id', 'kind', 'payload', 'attempts', 'max_attempts', 'dedupe_key', 'run_after'])
      .execute();
    return rows
      .sort((a, b) => a.run_after.getTime() - b.run_after.getTime())
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        payload: r.payload,
        attempts: r.attempts,
        maxAttempts: r.max_attempts,
        dedupeKey: r.dedupe_key,
      }));
  });
}

export async function markJobDone(db: Db, id: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'done', finished_at: sql<Date>`now()`, locked_until: null, last_error: null })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .execute();
}

export async function markJobFailed(db: Db, id: string, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      state: 'failed',
      finished_at: sql<Date>`now()`,
      locked_until: null,
      last_error: error.slice(0, 200),
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .execute();
}

/**
 * Puts a running job back in the queue to run after `delayMs`. `countAttempt: false` gives the
 * attempt back (the job was interrupted by a seal, not failed). When another job with the same
 * dedupe key is already queued, that one will do the work: this one is finished instead.
 */
export async function requeueJob(
  db: Db,
  job: Pick<ClaimedJob, 'id' | 'dedupeKey'>,
  delayMs: number,
  error: string,
  countAttempt = true,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (job.dedupeKey !== null) {
      const waiting = await trx
        .selectFrom('jobs')
        .select('id')
        .where('dedupe_key', '=', job.dedupeKey)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (waiting !== undefined) {
        await markJobDone(trx, job.id);
        return;
      }
    }
    await trx
      .updateTable('jobs')
      .set({
        state: 'queued',
        run_after: sql<Date>`now() + ${`${Math.ceil(delayMs / 1000)} seconds`}::interval`,
        locked_until: null,
        last_error: error.slice(0, 200),
        ...(countAttempt ? {} : { attempts: sql<number>`greatest(attempts - 1, 0)` }),
      })
      .where('id', '=', job.id)
      .where('state', '=', 'running')
      .execute();
  });
}

/** Running jobs whose lease ran out with no attempts left become failed. */
export async function failAbandonedJobs(db: Db): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'failed', finished_at: sql<Date>`now()`, last_error: 'lease expired' })
    .where('state', '=', 'running')
    .where('locked_until', '<', sql<Date>`now()`)
    .whereRef('attempts', '>=', 'max_attempts')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes finished jobs: done ones after `doneDays`, failed ones after `failedDays`. */
export async function purgeFinishedJobs(db: Db, doneDays: number, failedDays: number): Promise<number> {
  const result = await db
    .deleteFrom('jobs')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('state', '=', 'done'),
          eb('finished_at', '<', sql<Date>`now() - ${`${doneDays} days`}::interval`),
        ]),
        eb.and([
          eb('state', '=', 'failed'),
          eb('finished_at', '<', sql<Date>`now() - ${`${failedDays} days`}::interval`),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Counts of jobs per state (operations page, tests). */
export async function countJobs(db: Db, kind?: string): Promise<Record<string, number>> {
  let q = db
    .selectFrom('jobs')
    .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('state');
  if (kind !== undefined) q = q.where('kind', '=', kind);
  const rows = await q.execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/**
 * Deletes every job (waiting, done or failed) whose payload names this case (`caseId`): part
 * of erasing the case (ADR 0139), so that not even its id stays behind in the queue.
 */
export async function deleteJobsOfCase(trx: Db, caseId: string): Promise<number> {
  const r = await trx
    .deleteFrom('jobs')
    .where(sql<boolean>`payload ->> 'caseId' = ${caseId}`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

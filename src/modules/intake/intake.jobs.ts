import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { JobHandler } from '../jobs/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { purgeIdempotencyRecords } from './intake.repository.ts';

/**
 * Background work of the intake module. `intake.purge_idempotency` deletes idempotency records
 * once they are past any use (ADR 0091): a web form's token is refused after an hour anyway, and
 * partners' Idempotency-Keys are honoured for at least a day. Each run queues the next one, an
 * hour later; the server queues the first at start (deduplicated, so restarts add none).
 * Needs no keys: it runs while sealed too.
 */
export const JOB_PURGE_IDEMPOTENCY = 'intake.purge_idempotency';
/** Whole days an idempotency record is kept after the day it was created. */
export const IDEMPOTENCY_KEEP_DAYS = 1;
const EVERY_MS = 3_600_000;

/** Queues a purge to run at `runAfter` (at most one waits at a time: a second is a no-op). */
export async function scheduleIdempotencyPurge(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_PURGE_IDEMPOTENCY,
    payload: {},
    dedupeKey: JOB_PURGE_IDEMPOTENCY,
    runAfter,
  });
}

export function intakeJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const purge: JobHandler<Record<string, never>> = {
    kind: JOB_PURGE_IDEMPOTENCY,
    needsKeys: false,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      await purgeIdempotencyRecords(ctx.database.db, IDEMPOTENCY_KEEP_DAYS);
      await scheduleIdempotencyPurge(ctx.database.db, new Date(Date.now() + EVERY_MS));
    },
  };
  return [purge as JobHandler<unknown>];
}

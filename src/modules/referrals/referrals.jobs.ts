import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { enqueueJob, type JobHandler } from '../jobs/index.ts';
import { rescreenPartners } from './partners.service.ts';
import { runReferralDeadlines } from './referrals.service.ts';

/**
 * `referrals.deadlines` (hourly): reminders and expiry of unanswered referrals (needs no keys).
 * `referrals.rescreen` (daily): partners screened against the watchlists again; a vetted one
 * with a new hit is flagged and its open referrals paused (needs the keys). Each queues its next
 * run itself; the server queues the first at start (deduplicated).
 */
export const JOB_DEADLINES = 'referrals.deadlines';
export const JOB_RESCREEN = 'referrals.rescreen';
const HOUR = 3_600_000;

export async function scheduleReferralJobs(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, { kind: JOB_DEADLINES, payload: {}, dedupeKey: JOB_DEADLINES, runAfter });
  await enqueueJob(db, { kind: JOB_RESCREEN, payload: {}, dedupeKey: JOB_RESCREEN, runAfter });
}

export function referralsJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const empty = (payload: unknown) => z.object({}).strict().parse(payload) as Record<string, never>;
  const deadlines: JobHandler<Record<string, never>> = {
    kind: JOB_DEADLINES,
    needsKeys: false,
    parse: empty,
    run: async () => {
      await runReferralDeadlines(ctx, new Date());
      await enqueueJob(ctx.database.db, {
        kind: JOB_DEADLINES,
        payload: {},
        dedupeKey: JOB_DEADLINES,
        runAfter: new Date(Date.now() + HOUR),
      });
    },
  };
  const rescreen: JobHandler<Record<string, never>> = {
    kind: JOB_RESCREEN,
    needsKeys: true,
    parse: empty,
    run: async () => {
      await rescreenPartners(ctx);
      await enqueueJob(ctx.database.db, {
        kind: JOB_RESCREEN,
        payload: {},
        dedupeKey: JOB_RESCREEN,
        runAfter: new Date(Date.now() + 24 * HOUR),
      });
    },
  };
  return [deadlines as JobHandler<unknown>, rescreen as JobHandler<unknown>];
}

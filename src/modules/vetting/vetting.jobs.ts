import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { enqueuePersonChanged as enqueuePersonLinkage, JOB_PERSON_CHANGED } from '../cases/index.ts';
import { enqueueJob, type JobHandler } from '../jobs/index.ts';
import { estimateModelFromDecisions } from './model-estimation.service.ts';
import { linkPerson } from './person-linkage.service.ts';
import { listCaseIdsAfter } from './vetting.repository.ts';

/**
 * The jobs of linkage and vetting. All need the keyring (they decrypt persons), so none runs
 * while the server is sealed. Each is idempotent: linking a person again refreshes the same
 * signals; a backfill page queues per-case jobs that dedupe; an estimate writes a new model row.
 */
const BACKFILL_PAGE = 500;

/**
 * Job kinds of linkage and vetting. A person's linkage is the job the case core queues when
 * a person is created or changed (cases.jobs.ts); this module registers its handler.
 */
export const JOB_LINK_PERSON = JOB_PERSON_CHANGED;
export const JOB_BACKFILL = 'linkage.backfill';
export const JOB_ESTIMATE = 'linkage.estimate';

/** Queues a model estimate a minute from now, once however many decisions arrive meanwhile. */
export async function enqueueModelEstimate(trx: Db): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_ESTIMATE,
    payload: {},
    dedupeKey: JOB_ESTIMATE,
    runAfter: new Date(Date.now() + 60_000),
  });
}

/** Queues a re-link of every case (after a watchlist import): pages of cases, one job each. */
export async function enqueueBackfill(trx: Db): Promise<void> {
  await enqueueJob(trx, { kind: JOB_BACKFILL, payload: {}, dedupeKey: JOB_BACKFILL });
}

export function vettingJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const linkPersonJob: JobHandler<{ caseId: string }> = {
    kind: JOB_LINK_PERSON,
    needsKeys: true,
    parse: (payload) => z.object({ caseId: z.uuid() }).parse(payload),
    run: async ({ caseId }) => {
      await linkPerson(ctx, caseId);
    },
  };
  const backfillJob: JobHandler<{ after: string | null }> = {
    kind: JOB_BACKFILL,
    needsKeys: true,
    parse: (payload) => z.object({ after: z.uuid().nullable().default(null) }).parse(payload),
    // One page per run: queue a job per case, then the next page as a new job (so a restart
    // resumes where it stopped and one run never holds the runner for long).
    run: async ({ after }) => {
      const db = ctx.database.db;
      const ids = await listCaseIdsAfter(db, after, BACKFILL_PAGE);
      await db.transaction().execute(async (trx) => {
        for (const id of ids) await enqueuePersonLinkage(trx, id);
        if (ids.length === BACKFILL_PAGE) {
          await enqueueJob(trx, { kind: JOB_BACKFILL, payload: { after: ids[ids.length - 1]! } });
        }
      });
    },
  };
  const estimateJob: JobHandler<Record<string, never>> = {
    kind: JOB_ESTIMATE,
    needsKeys: true,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      await estimateModelFromDecisions(ctx);
    },
  };
  return [linkPersonJob, backfillJob, estimateJob] as JobHandler<unknown>[];
}

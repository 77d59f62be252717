import type { Db } from '../../db/database.ts';
import { enqueueJob } from '../jobs/index.ts';

/**
 * Job kinds of linkage and vetting, and the one enqueue call other modules make. This file
 * imports nothing from cases, so the cases service can call it without an import cycle.
 */
export const JOB_LINK_PERSON = 'linkage.person';
export const JOB_BACKFILL = 'linkage.backfill';
export const JOB_ESTIMATE = 'linkage.estimate';

/**
 * Queues the linkage of a case's person, inside the caller's transaction (the person write
 * and its job commit together). One waiting job per case: the job reads current data.
 */
export async function enqueuePersonLinkage(trx: Db, caseId: string): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_LINK_PERSON,
    payload: { caseId },
    dedupeKey: `${JOB_LINK_PERSON}:${caseId}`,
  });
}

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

import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobHandler } from '../jobs/index.ts';
import { JOB_MATCH_CASE, JOB_MATCH_REQUEST, runCaseMatch, runRequestMatch } from './tracing.service.ts';

/**
 * Family tracing's jobs (ADR 0162). Both decrypt, so neither runs while sealed; both are
 * idempotent (a pair already proposed is never added again), so a retry or a second run after
 * a crash proposes nothing twice.
 */
export function tracingJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const matchRequest: JobHandler<{ requestId: string }> = {
    kind: JOB_MATCH_REQUEST,
    needsKeys: true,
    parse: (payload) => z.object({ requestId: z.uuid() }).parse(payload),
    run: async ({ requestId }) => {
      await runRequestMatch(ctx, requestId);
    },
  };
  const matchCase: JobHandler<{ caseId: string }> = {
    kind: JOB_MATCH_CASE,
    needsKeys: true,
    parse: (payload) => z.object({ caseId: z.uuid() }).parse(payload),
    run: async ({ caseId }) => {
      await runCaseMatch(ctx, caseId);
    },
  };
  return [matchRequest, matchCase] as JobHandler<unknown>[];
}

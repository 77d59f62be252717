import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { enqueueJob, type JobHandler } from '../jobs/index.ts';
import { applyRetention } from './retention.service.ts';

/** The daily retention run (ADR 0139): erases what the rules make due, then queues the next. */
export const JOB_APPLY_RETENTION = 'retention.apply';
const EVERY_MS = 24 * 3600_000;

export async function scheduleRetention(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, { kind: JOB_APPLY_RETENTION, payload: {}, dedupeKey: JOB_APPLY_RETENTION, runAfter });
}

export function retentionJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const apply: JobHandler<Record<string, never>> = {
    kind: JOB_APPLY_RETENTION,
    // Erasing deletes rows and keys: nothing to decrypt, so it runs sealed as well.
    needsKeys: false,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      const erased = await applyRetention(ctx);
      if (erased > 0) ctx.logger.info({ erased }, 'retention erased cases');
      await scheduleRetention(ctx.database.db, new Date(Date.now() + EVERY_MS));
    },
  };
  return [apply as JobHandler<unknown>];
}

import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { enqueueJob, type JobHandler } from '../jobs/index.ts';
import { expirePendingTransfers } from './ledger.service.ts';

/**
 * `ledger.expire_pending`: pending transfers whose time ran out are expired and what they
 * reserved is released (a post or void that arrives first still wins: both lock the transfer).
 * Runs every five minutes, queues its next run itself; the server queues the first at start
 * (deduplicated). Needs no keys.
 */
export const JOB_EXPIRE_PENDING = 'ledger.expire_pending';
const EVERY_MS = 5 * 60_000;

export async function scheduleLedgerExpiry(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, { kind: JOB_EXPIRE_PENDING, payload: {}, dedupeKey: JOB_EXPIRE_PENDING, runAfter });
}

export function ledgerJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const expire: JobHandler<Record<string, never>> = {
    kind: JOB_EXPIRE_PENDING,
    needsKeys: false,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      // A batch at a time; whatever is left waits for the next run five minutes later.
      await expirePendingTransfers(ctx, new Date(), 1000);
      await scheduleLedgerExpiry(ctx.database.db, new Date(Date.now() + EVERY_MS));
    },
  };
  return [expire as JobHandler<unknown>];
}

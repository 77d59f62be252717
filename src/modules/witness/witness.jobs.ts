import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { enqueueJob, type JobHandler, PermanentJobError } from '../jobs/index.ts';
import { CHECKPOINT_LOGS, checkpointSchema } from './witness.protocol.ts';
import {
  httpWitnessTransport,
  JOB_WITNESS_PUSH,
  PushRefused,
  pushCheckpoint,
  type WitnessTransport,
} from './witness.service.ts';
import { checkSilences } from './witness.silence.ts';

export const JOB_WITNESS_SILENCE_CHECK = 'witness.silence_check';
/** How often the silence alarm is checked: the checkpoint beat (ADR 0213). */
const SILENCE_CHECK_EVERY_MS = 5 * 60_000;

/** Queues the next silence check (one queued at a time, whichever instance runs it). */
export async function scheduleSilenceCheck(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_WITNESS_SILENCE_CHECK,
    payload: {},
    dedupeKey: JOB_WITNESS_SILENCE_CHECK,
    runAfter,
  });
}

const payloadSchema = z
  .object({
    witness: z.string().regex(/^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/),
    log: z.enum(CHECKPOINT_LOGS),
    checkpoint: checkpointSchema,
  })
  .strict();

/**
 * `witness.push`: sends one signed checkpoint to one witness peer (ADR 0175). Retried with the
 * runner's back-off (5 s … 1 h, up to 60 attempts) while the witness is unreachable, busy or
 * sealed; a witness no longer configured or verified ends the job. Needs the keys: the
 * statement is signed with this server's federation identity when it is sent.
 */
export function witnessJobHandlers(ctx: AppContext, transport: WitnessTransport = httpWitnessTransport) {
  const push: JobHandler<z.infer<typeof payloadSchema>> = {
    kind: JOB_WITNESS_PUSH,
    needsKeys: true,
    parse: (payload) => payloadSchema.parse(payload),
    run: async (payload) => {
      try {
        await pushCheckpoint(ctx, payload, transport);
      } catch (error) {
        if (error instanceof PushRefused) throw new PermanentJobError(error.message);
        throw error;
      }
    },
  };
  // `witness.silence_check`: raises the silence alarm (ADR 0213) and queues the next check.
  // Needs no keys: a sealed witness still notices an origin falling silent.
  const silence: JobHandler<Record<string, never>> = {
    kind: JOB_WITNESS_SILENCE_CHECK,
    needsKeys: false,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      const now = new Date(ctx.limits.clock());
      // The next check is queued first: a check that fails must not end the beat.
      await scheduleSilenceCheck(ctx.database.db, new Date(now.getTime() + SILENCE_CHECK_EVERY_MS));
      await checkSilences(ctx, now);
    },
  };
  return [push as JobHandler<unknown>, silence as JobHandler<unknown>];
}

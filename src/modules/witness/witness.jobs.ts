import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { type JobHandler, PermanentJobError } from '../jobs/index.ts';
import { CHECKPOINT_LOGS, checkpointSchema } from './witness.protocol.ts';
import {
  httpWitnessTransport,
  JOB_WITNESS_PUSH,
  PushRefused,
  pushCheckpoint,
  type WitnessTransport,
} from './witness.service.ts';

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
  return [push as JobHandler<unknown>];
}

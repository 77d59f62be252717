import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { WITNESS_API_PATH, WitnessRefused } from './witness.protocol.ts';
import { receiveCheckpoint } from './witness.service.ts';

/**
 * POST /api/v1/witness/checkpoints (ADR 0175): a verified peer's signed checkpoint, answered
 * with this server's countersignature (200). Refusals answer an English code and sentence and
 * store nothing, except a fork, which raises the alarm and answers 409 with the copy this
 * server holds and its countersignature. Additive to DESIGN.md §4; JSON in English.
 */
export async function witnessApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(WITNESS_API_PATH, { bodyLimit: 8192 }, async (request, reply) => {
    try {
      return reply.status(200).send({ countersignature: await receiveCheckpoint(ctx, request.body) });
    } catch (error) {
      if (!(error instanceof WitnessRefused)) throw error;
      request.log.warn({ code: error.code }, 'witness statement refused');
      return reply.status(error.status).send({
        error: { code: error.code, message: error.message },
        ...(error.extra.stored === undefined ? {} : { stored: error.extra.stored }),
        ...(error.extra.countersignature === undefined
          ? {}
          : { countersignature: error.extra.countersignature }),
      });
    }
  });
}

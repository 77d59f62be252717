import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { PACKET_MAX_BYTES, PacketRefused } from './federation.protocol.ts';
import { receivePacket } from './federation.service.ts';

/**
 * POST /api/v1/referrals (DESIGN.md §4): another Sanctuary server's signed, encrypted packet,
 * a referral or a status update (the type is in the signed header, ADR 0132). 201 with the
 * signed receipt; a refusal answers an English code and sentence, and stores nothing:
 * `{"error":{"code":"bad_signature","message":"…"}}`. A replay of a packet we stored carries
 * its original receipt, so a sender whose answer was lost learns that it arrived.
 */
export async function federationApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/referrals', { bodyLimit: PACKET_MAX_BYTES + 4096 }, async (request, reply) => {
    try {
      const { receipt } = await receivePacket(ctx, request.body);
      return reply.status(201).send({ receipt });
    } catch (error) {
      if (!(error instanceof PacketRefused)) throw error;
      request.log.warn({ code: error.code }, 'federation packet refused');
      if (error.extra.retryAfter !== undefined) reply.header('Retry-After', String(error.extra.retryAfter));
      return reply.status(error.status).send({
        error: {
          code: error.code,
          message: error.message,
          ...(error.extra.receipt === undefined ? {} : { receipt: error.extra.receipt }),
        },
      });
    }
  });
}

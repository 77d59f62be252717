import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { type IntakeRuntime, submitFromPartner } from '../../intake.service.ts';
import { authenticatePartner } from './partner.service.ts';

/** POST /api/v1/submissions (DESIGN.md §4): bearer token per partner, Idempotency-Key honoured. */
export async function partnerApiRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  app.post('/api/v1/submissions', async (request, reply) => {
    const partner = await authenticatePartner(ctx, request.headers.authorization);
    const header = request.headers['idempotency-key'];
    const result = await submitFromPartner(ctx, rt, partner, {
      body: request.body,
      idempotencyKey: Array.isArray(header) ? header.join(',') : header,
    });
    if (result.replay) reply.header('Idempotent-Replayed', 'true');
    return reply.status(201).send({ caseRef: result.caseRef });
  });
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { type IntakeRuntime, submitFromPartner } from '../../intake.service.ts';
import { partnerOpenApiDocument } from './openapi.ts';
import { authenticatePartner } from './partner.service.ts';

/**
 * POST /api/v1/submissions (DESIGN.md §4): bearer token per partner, Idempotency-Key honoured;
 * GET /api/v1/openapi.json with the same token. Errors are English unless the client asks
 * (Accept-Language or ?lang=), with a message per field in `fields` and codes in `fieldCodes`.
 */
export async function partnerApiRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  // The API's own document, for the partner's programmers with the partner's token (issue 21);
  // staff read it at /staff/api/openapi.json. Nothing personal in it, so not audited.
  app.get('/api/v1/openapi.json', async (request) => {
    await authenticatePartner(ctx, request.headers.authorization);
    return partnerOpenApiDocument();
  });

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

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import {
  addPartnerApiPath,
  authenticatePartner,
  intakeRuntimeOf,
  type Partner,
  submitFamilyCaseFromPartner,
} from '../intake/index.ts';
import { tm } from './tracing.messages.ts';
import { RELATIONSHIPS } from './tracing.schemas.ts';
import { fileRequest, parseRequestForm, type TracingDetails } from './tracing.service.ts';

/**
 * POST /api/v1/tracing-requests (ADR 0161): a partner (a hotline taking a mother's call) files a
 * family member's tracing request with its own token. Additive to DESIGN.md §4: the family's
 * case and its request are written in one transaction (the intake's batch), matching is queued
 * as a job, and the answer carries the family's codename, which the partner hands to the family:
 * whatever the sought person allows is read in the family's inbox, never returned to the partner.
 * Idempotency-Key is required; a retry answers the first call and stores nothing new.
 */
const BODY_LIMIT = 64 * 1024;

/** The body, in the API's own names; every check of the web form applies on top (parseRequestForm). */
export const partnerTracingSchema = z.strictObject({
  sought: z.strictObject({
    familyName: z.string().max(100).optional(),
    givenName: z.string().max(100).optional(),
    patronymic: z.string().max(100).optional(),
    birthDate: z
      .string()
      .regex(/^(\d{4}(-\d{2}(-\d{2})?)?)?$/)
      .optional()
      .describe('YYYY-MM-DD, YYYY-MM or YYYY'),
    unit: z.string().max(200).optional(),
    lastPlace: z.string().max(200).optional(),
    lastContact: z
      .string()
      .max(200)
      .optional()
      .describe('When the family last heard from him, as they say it'),
  }),
  relationship: z.enum(RELATIONSHIPS).describe('What the family member is to the sought person'),
  safeContact: z.string().max(1000).optional().describe('How the organisation may reach the family safely'),
  language: z
    .enum(['ru', 'uk', 'en'])
    .default('ru')
    .describe('The language of what is passed on to the family'),
});
type PartnerTracingBody = z.infer<typeof partnerTracingSchema>;

/** The web form's field names as the API names them (errors name the API's fields). */
const API_FIELD: Record<string, string> = {
  family_name: 'sought.familyName',
  given_name: 'sought.givenName',
  patronymic: 'sought.patronymic',
  birth_date: 'sought.birthDate',
  unit: 'sought.unit',
  last_place: 'sought.lastPlace',
  last_contact: 'sought.lastContact',
  relationship: 'relationship',
  safe_contact: 'safeContact',
};

function apiFields(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([f, code]) => [API_FIELD[f] ?? f, code]));
}

/** Parses the body: the API's shape first (types, unknown fields), then the web form's checks. */
function parseBody(body: unknown): TracingDetails {
  const shaped = partnerTracingSchema.safeParse(body ?? null);
  if (!shaped.success) {
    const fields: Record<string, string> = {};
    for (const issue of shaped.error.issues) {
      const name = issue.path.length === 0 ? 'body' : issue.path.join('.');
      fields[name] ??= 'field.invalid';
    }
    throw new AppError('validation_failed', 'tracing request body', { fields });
  }
  const b: PartnerTracingBody = shaped.data;
  try {
    return parseRequestForm(
      {
        family_name: b.sought.familyName,
        given_name: b.sought.givenName,
        patronymic: b.sought.patronymic,
        birth_date: b.sought.birthDate,
        unit: b.sought.unit,
        last_place: b.sought.lastPlace,
        last_contact: b.sought.lastContact,
        relationship: b.relationship,
        safe_contact: b.safeContact,
      },
      b.language,
    );
  } catch (error) {
    if (isAppError(error) && error.code === 'validation_failed') {
      throw new AppError('validation_failed', 'tracing request body', {
        fields: apiFields(error.fields ?? {}),
      });
    }
    throw error;
  }
}

async function auditRefused(ctx: AppContext, partner: Partner): Promise<void> {
  await recordAudit(ctx.database.db, {
    actor: `partner:${partner.id}`,
    action: 'tracing.partner_rejected',
    target: null,
    reason: 'validation failed',
  });
}

export async function tracingPartnerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // JSON only (415 for anything else), in this route's own scope.
  app.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  addPartnerApiPath('/api/v1/tracing-requests', openApiItem(), {
    TracingRequest: z.toJSONSchema(partnerTracingSchema, { io: 'input', unrepresentable: 'any' }),
  });
  app.post('/api/v1/tracing-requests', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const partner = await authenticatePartner(ctx, request.headers.authorization);
    let details: TracingDetails;
    try {
      details = parseBody(request.body);
    } catch (error) {
      await auditRefused(ctx, partner);
      throw error;
    }
    const header = request.headers['idempotency-key'];
    const result = await submitFamilyCaseFromPartner(ctx, intakeRuntimeOf(ctx), partner, {
      // The family's case: what a hotline knows is the request itself; the story says only how it came.
      answers: { story: tm(details.lang, 'partner.story'), contact: 'site' },
      extra: JSON.stringify(details),
      idempotencyKey: Array.isArray(header) ? header.join(',') : header,
      within: async (trx, created) => {
        await fileRequest(
          ctx,
          trx,
          { id: created.caseId, ref: created.ref, applicant_type: 'family' },
          details,
          { kind: 'partner', partnerId: partner.id },
          { matchNow: false },
        );
      },
    });
    if (result.replay) reply.header('Idempotent-Replayed', 'true');
    return reply.status(201).send({ caseRef: result.caseRef, codename: result.codename });
  });
}

function openApiItem(): Record<string, unknown> {
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    post: {
      operationId: 'createTracingRequest',
      summary:
        'File a family member\'s tracing request; it becomes a family case in state "new" with the request on it.',
      description:
        'The request is matched against cases and other requests; a match is only a proposal for a caseworker. Nothing about the sought person is ever returned here: the family reads what he allowed in the inbox, signed in with the codename in the answer, which the partner hands to the family once and does not keep. Send only what the family agreed to share.',
      security: [{ partnerToken: [] }],
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description:
            'Required: 8-200 printable ASCII characters, unique per request. A retry with the same key returns the first answer (the same caseRef and codename) and stores nothing new; the same key with a different body is refused with 409.',
          schema: { type: 'string', minLength: 8, maxLength: 200 },
        },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/TracingRequest' } } },
      },
      responses: {
        '201': {
          description:
            'Committed (durably) before this answer: the case and its request together. `Idempotent-Replayed: true` marks a replay.',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  caseRef: { type: 'string', pattern: '^C-[0-9A-Z]{8}$' },
                  codename: { type: 'string', description: "The family's codename for the inbox." },
                },
                required: ['caseRef', 'codename'],
              },
            },
          },
        },
        '400': errorResponse('Invalid body or missing Idempotency-Key; `fields` names each problem.'),
        '401': errorResponse('Missing, unknown or revoked token.'),
        '409': errorResponse('Idempotency-Key reused with a different body.'),
        '413': errorResponse('Body over 64 KiB.'),
        '415': errorResponse('Not application/json.'),
        '429': errorResponse("Over this partner's rate limit; see Retry-After."),
        '503': errorResponse('Sealed or overloaded; nothing was stored; retry after Retry-After seconds.'),
      },
    },
  };
}

import { z } from 'zod';
import { partnerSubmissionSchema } from '../../intake.schemas.ts';

/**
 * The OpenAPI 3.1 document of the partner API, generated from the same zod schema that
 * validates requests (z.toJSONSchema), so the two cannot drift. Served to signed-in staff
 * at /staff/api/openapi.json and to partners (their token) at /api/v1/openapi.json.
 */
/**
 * Paths another module serves to partners with the same token (family tracing's
 * /api/v1/tracing-requests, ADR 0161), with the schemas they refer to; added once, by path.
 */
const extraPaths = new Map<string, { item: Record<string, unknown>; schemas: Record<string, unknown> }>();

export function addPartnerApiPath(
  path: string,
  item: Record<string, unknown>,
  schemas: Record<string, unknown> = {},
): void {
  extraPaths.set(path, { item, schemas });
}

export function partnerOpenApiDocument(): Record<string, unknown> {
  const body = z.toJSONSchema(partnerSubmissionSchema, { io: 'input', unrepresentable: 'any' });
  const error = {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: {
            type: 'string',
            description: 'Stable, for programs: validation_failed, unauthenticated, …',
          },
          message: {
            type: 'string',
            description: 'For people: English unless asked otherwise (Accept-Language or ?lang=ru|uk|en)',
          },
          fields: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'A message per invalid field, in the language of `message`',
          },
          fieldCodes: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'The same fields with a stable code each (e.g. field.invalid)',
          },
        },
        required: ['code', 'message'],
      },
    },
  };
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sanctuary partner API',
      version: '1',
      description:
        'For partner channels such as hotline operators typing in a call. Each partner has its own bearer token, issued by an administrator. Every call is audited. Send only what the person agreed to share.',
    },
    paths: {
      '/api/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document.',
          security: [{ partnerToken: [] }],
          responses: {
            '200': { description: 'The OpenAPI document.', content: { 'application/json': {} } },
            '401': errorResponse('Missing, unknown or revoked token.'),
          },
        },
      },
      '/api/v1/submissions': {
        post: {
          operationId: 'createSubmission',
          summary: 'File a submission; it becomes a case in state "new".',
          security: [{ partnerToken: [] }],
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Any 8-200 printable ASCII characters, unique per submission. A retry with the same key returns the first answer and stores nothing new; the same key with a different body is refused with 409.',
              schema: { type: 'string', minLength: 8, maxLength: 200 },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Submission' } } },
          },
          responses: {
            '201': {
              description:
                'Committed (durably) before this answer. `Idempotent-Replayed: true` marks a replay.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { caseRef: { type: 'string', pattern: '^C-[0-9A-Z]{8}$' } },
                    required: ['caseRef'],
                  },
                },
              },
            },
            '400': errorResponse('Invalid body; `fields` names each problem.'),
            '401': errorResponse('Missing, unknown or revoked token.'),
            '409': errorResponse('Idempotency-Key reused with a different body.'),
            '413': errorResponse('Body over 64 KiB.'),
            '415': errorResponse('Not application/json.'),
            '429': errorResponse("Over this partner's rate limit; see Retry-After."),
            '503': errorResponse(
              'Sealed or overloaded; nothing was stored; retry after Retry-After seconds.',
            ),
          },
        },
      },
      ...Object.fromEntries([...extraPaths].map(([path, e]) => [path, e.item])),
    },
    components: {
      securitySchemes: { partnerToken: { type: 'http', scheme: 'bearer', description: 'sanctuary_pt_…' } },
      schemas: {
        Submission: body,
        Error: error,
        ...Object.assign({}, ...[...extraPaths.values()].map((e) => e.schemas)),
      },
    },
  };
}

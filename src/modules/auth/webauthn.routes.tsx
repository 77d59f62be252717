import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { messageFor, t } from '../../platform/i18n/index.ts';
import { defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, preSessionOf, requireStaff, setSessionCookie } from './staff-session.ts';
import { wm } from './webauthn.messages.ts';
import {
  keyRegistrationOptions,
  keysAvailable,
  listOwnKeys,
  registerKey,
  removeOwnKey,
  renameOwnKey,
  signInOptions,
  signInWithKey,
} from './webauthn.service.ts';
import { KeysPage, WEBAUTHN_SCRIPT } from './webauthn.views.tsx';
import { clientKey } from '../../platform/client-key.ts';

const SCRIPT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'webauthn.js'));

const flashes = defineFlashes(
  ['webauthn.added_ok', 'webauthn.renamed_ok', 'webauthn.removed_ok'] as const,
  (l, k) => wm(l, k),
);

/**
 * The key ceremonies answer JSON to the page's script: `{options}`, `{redirect}`, or
 * `{error: {code, message}}` with the message in the page's language (a field's, if any).
 */
function sendJsonError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
  const field = error.fields === undefined ? undefined : Object.values(error.fields)[0];
  const message =
    field === undefined ? t(request.locale, error.messageKey as never) : messageFor(request.locale, field);
  return reply.status(error.status).send({ error: { code: error.code, message } });
}

async function json(
  request: FastifyRequest,
  reply: FastifyReply,
  work: () => Promise<Record<string, unknown>>,
): Promise<FastifyReply> {
  try {
    return reply.status(200).send(await work());
  } catch (error) {
    if (isAppError(error) && error.status < 500) return sendJsonError(request, reply, error);
    throw error;
  }
}

/** WebAuthn for staff (issue 18 item 1; ADRs 0172-0174): the key ceremonies and one's own keys. */
export function webauthnRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(WEBAUTHN_SCRIPT, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(SCRIPT),
  );

  // Signing in: the options (a challenge bound to this browser's pre-session cookie), then the
  // assertion. Without the cookie the sign-in page was never loaded here: refused.
  const pre = (request: FastifyRequest): string => {
    const value = preSessionOf(ctx, request);
    if (value === undefined) throw new AppError('invalid_credentials', 'no pre-session cookie');
    return value;
  };
  app.post('/staff/login/webauthn/options', async (request, reply) =>
    json(request, reply, async () => ({
      options: await signInOptions(ctx, pre(request), clientKey(request)),
    })),
  );
  app.post('/staff/login/webauthn', async (request, reply) =>
    json(request, reply, async () => {
      const { token } = await signInWithKey(ctx, request.body, pre(request), clientKey(request));
      setSessionCookie(ctx, reply, token);
      return { redirect: `/staff?lang=${request.locale}` };
    }),
  );

  const renderKeys = async (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) =>
    sendHtml(
      reply,
      status,
      <KeysPage
        frame={await staffFrame(request, reply, { flashes, error })}
        csrf={csrfFor(ctx, request, reply)}
        keys={await listOwnKeys(ctx, requireStaff(request))}
        mustEnrol={request.staffKeyEnrolmentOnly}
        available={keysAvailable(ctx.config)}
      />,
    );
  app.get('/staff/account/keys', async (request, reply) => renderKeys(request, reply, 200));
  app.post('/staff/account/keys/options', async (request, reply) =>
    json(request, reply, async () => ({ options: await keyRegistrationOptions(ctx, requireStaff(request)) })),
  );
  app.post('/staff/account/keys', async (request, reply) =>
    json(request, reply, async () => {
      await registerKey(ctx, requireStaff(request), request.body);
      return { redirect: `/staff/account/keys?lang=${request.locale}&flash=webauthn.added_ok` };
    }),
  );
  // Renaming and removing answer the page again with the refusal (400, 409), or redirect.
  const keyForm = (
    action: 'rename' | 'remove',
    work: (request: FastifyRequest) => Promise<void>,
    done: 'webauthn.renamed_ok' | 'webauthn.removed_ok',
  ) =>
    app.post(`/staff/account/keys/:id/${action}`, async (request, reply) => {
      try {
        await work(request);
      } catch (error) {
        if (isAppError(error) && (error.code === 'conflict' || error.code === 'validation_failed')) {
          const field = error.fields === undefined ? undefined : Object.values(error.fields)[0];
          const message =
            field === undefined
              ? t(request.locale, error.messageKey as never)
              : messageFor(request.locale, field);
          return renderKeys(request, reply, error.status, message);
        }
        throw error;
      }
      return flashes.redirect(request, reply, '/staff/account/keys', done);
    });
  const keyId = (request: FastifyRequest) => (request.params as { id?: unknown }).id;
  keyForm('rename', (r) => renameOwnKey(ctx, requireStaff(r), keyId(r), r.body), 'webauthn.renamed_ok');
  keyForm('remove', (r) => removeOwnKey(ctx, requireStaff(r), keyId(r)), 'webauthn.removed_ok');
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { isTransientDbError } from '../db/failover.ts';
import { AppError, type ErrorCode, isAppError } from './errors.ts';
import { renderDocument, StaffLayout, sameSitePath } from './html.tsx';
import { type Locale, messageFor, negotiateLocale, t } from './i18n/index.ts';
import type { AppMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
  }
  interface FastifyInstance {
    /** Every route registered, for the sealed-route and authorisation-matrix tests. */
    routeTable: Array<{ method: string; url: string }>;
    /** Error pages that modules provide for their surfaces (see PublicErrorSender). */
    errorPages: { public?: PublicErrorSender };
  }
}

/**
 * Routes that may answer while the server is sealed, because they touch no personal data.
 * Every other route answers 503 "sealed" (enforced centrally in app.ts, so a new route
 * cannot forget it). Add here only with a reason.
 */
export const ROUTES_ALLOWED_WHILE_SEALED: ReadonlySet<string> = new Set([
  '/healthz', // liveness
  '/readyz', // says "sealed" itself
  '/assets/staff.css', // static stylesheet
]);

const assetsDir = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const STAFF_CSS = readFileSync(join(assetsDir, 'staff.css'));

/**
 * The path an error page's links (the language switcher) point back to, built from the route
 * that matched, never from the raw request path (finding 11 of issue 12): a route without
 * parameters is its own path; one with parameters uses the request's path only if it stays on
 * this site; no route at all (404) means the surface's home page.
 */
export function pagePathOf(request: FastifyRequest): string {
  const raw = request.url.split('?')[0] ?? '/';
  const route = request.routeOptions.url;
  if (route === undefined) return raw.startsWith('/staff') ? '/staff' : '/';
  return /[:*]/.test(route) ? sameSitePath(raw) : route;
}

/** True for the machine surfaces, which answer JSON errors. */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith('/api/') || path === '/healthz' || path === '/readyz';
}

/**
 * Content-Security-Policy: nothing external, no inline script or style, no framing.
 * Staff pages may load same-origin scripts (progressive enhancement); applicant pages
 * load none at all.
 */
function contentSecurityPolicy(path: string): string {
  const script = path.startsWith('/staff') ? "script-src 'self'" : "script-src 'none'";
  return [
    "default-src 'none'",
    script,
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "connect-src 'self'",
  ].join('; ');
}

function mapFrameworkError(error: FastifyError): { code: ErrorCode; detail: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: error.code };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'unsupported_media_type', detail: error.code };
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return {
          code: error.statusCode === 404 ? 'not_found' : 'bad_request',
          detail: error.code ?? 'client error',
        };
      }
      return { code: 'internal', detail: error.code ?? error.name };
  }
}

export function ErrorPage(props: { locale: Locale; path: string; status: number; message: string }) {
  return (
    <StaffLayout locale={props.locale} title={t(props.locale, 'error.title')} path={props.path}>
      <p class="alert" role="alert">
        {props.message}
      </p>
      <p>
        <a href={props.path.startsWith('/staff') ? '/staff' : '/'}>{t(props.locale, 'staff.home')}</a>
      </p>
    </StaffLayout>
  );
}

/** Sends an AppError in the user's language, as JSON or HTML. Never shows internals. */
export function sendAppError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const message = t(request.locale, error.messageKey as Parameters<typeof t>[1]);
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
  reply.status(error.status);
  if (wantsJson(request)) {
    // `fields`: a message per field, in the request's language; `fieldCodes`: the same fields'
    // stable codes (message keys) for programs (issue 21; additive).
    const fields =
      error.fields === undefined
        ? {}
        : {
            fields: Object.fromEntries(
              Object.entries(error.fields).map(([f, key]) => [f, messageFor(request.locale, key)]),
            ),
            fieldCodes: error.fields,
          };
    return reply.send({ error: { code: error.code, message, ...fields } });
  }
  const path = pagePathOf(request);
  const sendPublic = request.server.errorPages.public;
  if (sendPublic !== undefined && !path.startsWith('/staff')) return sendPublic(request, reply, error);
  return reply
    .type('text/html; charset=utf-8')
    .send(
      renderDocument(
        <ErrorPage locale={request.locale} path={path} status={error.status} message={message} />,
      ),
    );
}

/**
 * Renders an error on a public (non-staff, non-JSON) page. The applicant site registers
 * one, so that errors answered before its routes run (the seal check, unknown paths) come
 * in its own layout; the platform knows nothing of that layout.
 */
export type PublicErrorSender = (
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
) => FastifyReply;

/** Registers locale negotiation, security headers, the error and not-found handlers, and assets. */
export function registerHttpPlatform(
  app: FastifyInstance,
  options: { secure: boolean; metrics?: AppMetrics },
): void {
  const routeTable: Array<{ method: string; url: string }> = [];
  app.decorate('routeTable', routeTable);
  // One object shared by every plugin scope, so that a module can set it from its own scope.
  app.decorate('errorPages', {} as { public?: PublicErrorSender });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
    }
  });
  app.decorateRequest('locale', 'ru');
  app.addHook('onRequest', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    // Machine clients (/api/) get English unless they ask for a language (issue 21); people, Russian.
    const api = request.url.startsWith('/api/');
    request.locale = negotiateLocale(query?.lang, request.headers['accept-language'], api ? 'en' : undefined);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0] ?? '/';
    reply.header('Content-Security-Policy', contentSecurityPolicy(path));
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    // Personal pages must never be cached by a browser or a proxy. Everything is no-store:
    // the one stylesheet is small, and a uniform rule cannot be forgotten on a new route.
    reply.header('Cache-Control', 'no-store');
    reply.header('Pragma', 'no-cache');
    if (options.secure) reply.header('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    // A refusal for load (503, 429) closes its connection (ADR 0081). Under a flood the process
    // accepts one new connection per event-loop iteration (libuv), and an iteration serves every
    // open connection first: flooders holding keep-alive connections would keep new visitors
    // waiting seconds. Made to reconnect, they queue with everyone else. Only once the request
    // has been read whole: closing while a client is still sending (an upload refused because
    // the server is sealed) resets the connection, and the client would never see the answer.
    const readWhole = request.raw.complete || request.raw.readableEnded;
    if ((reply.statusCode === 503 || reply.statusCode === 429) && readWhole) {
      reply.header('Connection', 'close');
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    // One line per request: method, route pattern, status, duration. Never the URL, IP or agent.
    // The same four facts, and nothing else, are what the metrics count (ADR 0111).
    const route = request.routeOptions.url;
    options.metrics?.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route: route ?? '(unmatched)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError | AppError | ZodError, request, reply) => {
    if (isAppError(error)) {
      if (error.status >= 500 && error.code !== 'sealed' && error.code !== 'overloaded') {
        request.log.error({ err: error }, 'request failed');
      }
      return sendAppError(request, reply, error);
    }
    if (error instanceof ZodError) {
      return sendAppError(request, reply, new AppError('validation_failed', 'invalid input'));
    }
    // The database went away or is not the primary yet (a failover, ADR 0118): busy, not broken.
    if (isTransientDbError(error)) {
      request.log.warn({ code: (error as { code?: unknown }).code }, 'database unavailable');
      return sendAppError(
        request,
        reply,
        new AppError('unavailable', 'database unavailable', { retryAfter: 5 }),
      );
    }
    const mapped = mapFrameworkError(error as FastifyError);
    if (mapped.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    return sendAppError(request, reply, new AppError(mapped.code, mapped.detail));
  });

  app.setNotFoundHandler((request, reply) =>
    sendAppError(request, reply, new AppError('not_found', 'no route')),
  );

  app.get('/assets/staff.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(STAFF_CSS),
  );
}

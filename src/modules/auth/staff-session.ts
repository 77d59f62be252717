import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { checkCsrfToken, csrfToken, randomToken } from '../../crypto/index.ts';
import { AppError } from '../../platform/errors.ts';
import { tokenSchema } from './staff.schemas.ts';
import { authenticateSession } from './staff.service.ts';

/**
 * Cookies and CSRF for the staff workspace. The session cookie is HttpOnly,
 * SameSite=Strict, Secure behind TLS (then also `__Host-` prefixed), and has no
 * Max-Age: it ends with the browser session, and the server ends it sooner.
 */
export function cookieNames(ctx: AppContext): { session: string; pre: string } {
  return ctx.config.trustProxy
    ? { session: '__Host-sanctuary_staff', pre: '__Host-sanctuary_pre' }
    : { session: 'sanctuary_staff', pre: 'sanctuary_pre' };
}

function cookieOptions(ctx: AppContext) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: ctx.config.trustProxy };
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  reply.setCookie(cookieNames(ctx).session, token, cookieOptions(ctx));
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(cookieNames(ctx).session, cookieOptions(ctx));
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffActor | null;
    /** The session may reach only the key page and sign-out until a key is enrolled (ADR 0173). */
    staffKeyEnrolmentOnly: boolean;
  }
}

/** What a session that must enrol a key first may reach: the key page and sign-out. */
export const KEY_ENROLMENT_ROUTES = /^\/staff\/(account\/keys(\/[^/]+){0,2}|logout)$/;

/** Loads the session (if any) into `request.staff`. */
export async function loadStaffSession(ctx: AppContext, request: FastifyRequest): Promise<StaffActor | null> {
  const raw = request.cookies[cookieNames(ctx).session];
  const parsed = tokenSchema.safeParse(raw);
  const session = parsed.success ? await authenticateSession(ctx, parsed.data) : null;
  request.staffKeyEnrolmentOnly = session?.keyEnrolmentOnly ?? false;
  // A session that must enrol a key first (ADR 0173) is a session only on the key page and for
  // signing out; everywhere else (every scope that loads the session) it is no session at all.
  const blocked =
    request.staffKeyEnrolmentOnly && !KEY_ENROLMENT_ROUTES.test(request.url.split('?')[0] ?? '');
  request.staff =
    session === null || blocked
      ? null
      : { kind: 'staff', id: session.id, role: session.role, sessionHash: session.sessionHash };
  return request.staff;
}

export function requireStaff(request: FastifyRequest): StaffActor {
  if (request.staff === null) throw new AppError('unauthenticated', 'no session');
  return request.staff;
}

/**
 * The CSRF token for the page being rendered. Signed-in pages bind it to the session;
 * the sign-in and enrolment forms bind it to a random pre-session cookie set here.
 */
export function csrfFor(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  const keyring = ctx.vault.requireKeyring();
  if (request.staff !== null)
    return csrfToken(keyring, `session|${request.staff.sessionHash.toString('hex')}`);
  const names = cookieNames(ctx);
  let pre = request.cookies[names.pre];
  if (pre === undefined || !tokenSchema.safeParse(pre).success) {
    pre = randomToken();
    reply.setCookie(names.pre, pre, cookieOptions(ctx));
    request.cookies[names.pre] = pre;
  }
  return csrfToken(keyring, `pre|${pre}`);
}

/** The pre-session cookie of this browser (set by `csrfFor` on the sign-in page), if valid. */
export function preSessionOf(ctx: AppContext, request: FastifyRequest): string | undefined {
  const pre = request.cookies[cookieNames(ctx).pre];
  return pre !== undefined && tokenSchema.safeParse(pre).success ? pre : undefined;
}

/** Refuses a state-changing request whose `_csrf` field does not match. */
export function verifyCsrf(ctx: AppContext, request: FastifyRequest): void {
  const keyring = ctx.vault.requireKeyring();
  const body = request.body as Record<string, unknown> | undefined;
  const token = body?._csrf;
  const binding =
    request.staff !== null
      ? `session|${request.staff.sessionHash.toString('hex')}`
      : `pre|${request.cookies[cookieNames(ctx).pre] ?? ''}`;
  if (!checkCsrfToken(keyring, binding, token)) throw new AppError('csrf_failed', 'csrf token mismatch');
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { clientKey } from '../../platform/client-key.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import {
  addStaffNav,
  redirectWithQuery,
  type StaffFrame,
  type FieldErrors,
  sendHtml,
  staffFrame,
} from '../../platform/ui/index.ts';
import { authMessages } from './auth.messages.ts';
import { canListStaff } from './auth.policy.ts';
import { DuressPage, openDecoy, sealUnderDuress } from './duress.tsx';
import { provideHomeSections } from './home-sections.ts';
import {
  EnrolDonePage,
  EnrolPage,
  EnrolStartPage,
  LoginPage,
  PasswordDonePage,
  PasswordResetPage,
  StaffHomePage,
} from './auth.views.tsx';
import { tokenSchema } from './staff.schemas.ts';
import { webauthnRoutes } from './webauthn.routes.tsx';
import { keysAvailable } from './webauthn.service.ts';
import {
  checkEnrolment,
  checkPasswordReset,
  completeEnrolment,
  completePasswordReset,
  getEnrolment,
  getOwnEmail,
  listSignInAlerts,
  setDuressPassword,
  signIn,
  signOut,
  startEnrolment,
} from './staff.service.ts';
import {
  clearSessionCookie,
  csrfFor,
  loadStaffSession,
  requireStaff,
  setSessionCookie,
  verifyCsrf,
} from './staff-session.ts';

/** The sign-in and enrolment pages are outside a session: no navigation, whoever asks. */
const signedOutFrame = (request: FastifyRequest, error?: string): StaffFrame => ({
  locale: request.locale,
  error,
});

/**
 * The auth module's part of the staff navigation (docs/ARCHITECTURE.md, "Staff pages"): the
 * Home entry, and who is signed in, with the sign-out form. The feature modules add their own
 * entries when they are mounted; auth knows none of them.
 */
function registerAuthNav(app: FastifyInstance, ctx: AppContext): void {
  addStaffNav(app, { href: '/staff', label: 'staff.home', visible: () => true, order: 10 });
  app.staffNav.setSession({
    actor: (request) => request.staff,
    describe: async (request, reply, actor) => {
      const l = request.locale;
      const email = await getOwnEmail(ctx, actor);
      return {
        signedInAs: t(l, 'staff.signed_in_as', { email, role: t(l, `role.${actor.role}` as MessageKey) }),
        csrf: csrfFor(ctx, request, reply),
      };
    },
    signOutAction: '/staff/logout',
  });
}

/**
 * Hooks shared by every /staff route: the session is loaded and every POST must carry
 * its CSRF token.
 */
export function registerStaffGuards(ctx: AppContext, app: FastifyInstance): void {
  app.decorateRequest('staff', null);
  app.decorateRequest('staffKeyEnrolmentOnly', false);
  // (While sealed, the app-wide hook in app.ts has already answered 503.)
  app.addHook('preHandler', async (request, reply) => {
    await loadStaffSession(ctx, request);
    // A session opened with TOTP by someone who must enrol a key first (ADR 0173) reaches only
    // the key page and sign-out: every other staff page leads there, every other POST is refused.
    const path = request.url.split('?')[0] ?? '';
    const signedOutPage = /^\/staff\/(login|enrol|password)(\/|$)/.test(path);
    if (
      request.staffKeyEnrolmentOnly &&
      request.staff === null &&
      path.startsWith('/staff') &&
      !signedOutPage
    ) {
      if (request.method === 'GET') return redirectWithQuery(request, reply, '/staff/account/keys');
      throw new AppError('not_found', 'a security key must be enrolled first');
    }
    if (request.method === 'POST') verifyCsrf(ctx, request);
  });
}

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  registerAuthNav(app, ctx);
  webauthnRoutes(app, ctx);
  const homeSections = provideHomeSections(app);
  const showLogin = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: string,
    email?: string,
  ) =>
    sendHtml(
      reply,
      status,
      <LoginPage
        frame={signedOutFrame(request, error)}
        csrf={csrfFor(ctx, request, reply)}
        email={email ?? ''}
        keys={keysAvailable(ctx.config)}
      />,
    );

  app.get('/staff', async (request, reply) => {
    if (request.staff === null) return showLogin(request, reply, 401);
    const actor = requireStaff(request);
    // Other modules' sections (issue 21 item 3: tasks, new cases, notifications…), in mount order.
    const sections = [];
    for (const section of homeSections) sections.push(await section(request, reply, actor));
    return sendHtml(
      reply,
      200,
      <StaffHomePage
        frame={await staffFrame(request, reply)}
        signInAlerts={canListStaff(actor) ? (await listSignInAlerts(ctx, actor)).length : 0}
        csrf={csrfFor(ctx, request, reply)}
        sections={sections}
      />,
    );
  });

  app.get('/staff/login', async (request, reply) => showLogin(request, reply, 200));

  app.post('/staff/login', async (request, reply) => {
    try {
      const { token, staffId, duress } = await signIn(ctx, request.body, clientKey(request));
      setSessionCookie(ctx, reply, token);
      if (duress !== undefined) {
        // The duress password (ADR 0176): an empty workspace for this cookie, then the seal.
        openDecoy(token, { staffId, role: duress.role, email: duress.email });
        await sealUnderDuress(ctx, staffId);
      }
      return redirectWithQuery(request, reply, '/staff');
    } catch (error) {
      if (isAppError(error) && (error.code === 'invalid_credentials' || error.code === 'rate_limited')) {
        if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
        const email = (request.body as Record<string, unknown> | undefined)?.email;
        // "Try again in N seconds": the wait is this source's own (ADR 0090), so saying it helps
        // a person who mistyped and tells a guesser nothing it does not see in Retry-After.
        const message =
          error.code === 'rate_limited' && error.retryAfter !== undefined
            ? authMessages(request.locale, 'auth.retry_in', { count: error.retryAfter })
            : t(request.locale, error.messageKey as MessageKey);
        return showLogin(
          request,
          reply,
          error.status,
          message,
          typeof email === 'string' ? email.slice(0, 254) : '',
        );
      }
      throw error;
    }
  });

  // The person's own duress password (ADR 0176), set with their real password.
  const duressPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { flash?: string; errors?: FieldErrors } = {},
  ) => {
    requireStaff(request);
    return sendHtml(
      reply,
      status,
      <DuressPage
        frame={await staffFrame(request, reply, { flash: extra.flash })}
        csrf={csrfFor(ctx, request, reply)}
        errors={extra.errors}
      />,
    );
  };
  app.get('/staff/account/duress', async (request, reply) => duressPage(request, reply, 200));
  app.post('/staff/account/duress', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      await setDuressPassword(ctx, actor, request.body);
      return duressPage(request, reply, 200, { flash: authMessages(request.locale, 'auth.duress_saved') });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return duressPage(request, reply, 400, { errors: error.fields as FieldErrors });
      }
      throw error;
    }
  });

  app.post('/staff/logout', async (request, reply) => {
    await signOut(ctx, requireStaff(request));
    clearSessionCookie(ctx, reply);
    return redirectWithQuery(request, reply, '/staff/login');
  });

  const enrolToken = (request: FastifyRequest): string => {
    const parsed = tokenSchema.safeParse((request.params as { token?: unknown }).token);
    if (!parsed.success) throw new AppError('enrolment_invalid', 'malformed enrolment token');
    return parsed.data;
  };

  // A GET of the link shows no secret and no email: only a button that POSTs (finding 12).
  app.get('/staff/enrol/:token', async (request, reply) => {
    const token = enrolToken(request);
    await checkEnrolment(ctx, token);
    return sendHtml(
      reply,
      200,
      <EnrolStartPage frame={signedOutFrame(request)} csrf={csrfFor(ctx, request, reply)} token={token} />,
    );
  });

  app.post('/staff/enrol/:token/start', async (request, reply) => {
    const token = enrolToken(request);
    const view = await startEnrolment(ctx, token);
    return sendHtml(
      reply,
      200,
      <EnrolPage
        frame={signedOutFrame(request)}
        csrf={csrfFor(ctx, request, reply)}
        token={token}
        email={view.email}
        secret={view.totpSecret}
        uri={view.totpUri}
      />,
    );
  });

  app.post('/staff/enrol/:token', async (request, reply) => {
    const token = enrolToken(request);
    try {
      await completeEnrolment(ctx, token, request.body, clientKey(request));
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        const view = await getEnrolment(ctx, token);
        return sendHtml(
          reply,
          400,
          <EnrolPage
            frame={signedOutFrame(request)}
            csrf={csrfFor(ctx, request, reply)}
            token={token}
            email={view.email}
            secret={view.totpSecret}
            uri={view.totpUri}
            errors={error.fields}
          />,
        );
      }
      throw error;
    }
    return sendHtml(reply, 200, <EnrolDonePage frame={signedOutFrame(request)} />);
  });

  // A password-reset link (ADR 0190): outside a session, like enrolment; works once.
  const resetToken = (request: FastifyRequest): unknown => (request.params as { token?: unknown }).token;
  const resetPage = (request: FastifyRequest, reply: FastifyReply, status: number, errors?: FieldErrors) =>
    sendHtml(
      reply,
      status,
      <PasswordResetPage
        frame={signedOutFrame(request)}
        csrf={csrfFor(ctx, request, reply)}
        token={resetToken(request) as string}
        errors={errors}
      />,
    );
  app.get('/staff/password/:token', async (request, reply) => {
    await checkPasswordReset(ctx, resetToken(request));
    return resetPage(request, reply, 200);
  });
  app.post('/staff/password/:token', async (request, reply) => {
    try {
      await completePasswordReset(ctx, resetToken(request), request.body, clientKey(request));
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        await checkPasswordReset(ctx, resetToken(request));
        return resetPage(request, reply, 400, error.fields);
      }
      throw error;
    }
    return sendHtml(reply, 200, <PasswordDonePage frame={signedOutFrame(request)} />);
  });
}

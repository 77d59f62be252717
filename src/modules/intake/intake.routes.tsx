import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { checkCsrfToken, csrfToken, formatCodename, randomToken } from '../../crypto/index.ts';
import { clientKey } from '../../platform/client-key.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { renderDocument } from '../../platform/html.tsx';
import { pagePathOf, sendAppError, wantsJson } from '../../platform/http.tsx';
import { t as platformT } from '../../platform/i18n/index.ts';
import { addApplicantMessage } from '../cases/index.ts';
import { APPLICANT_COOKIE, APPLICANT_PRE_COOKIE } from './applicant-session.ts';
import {
  addAttachment,
  applicantUploadsAllowed,
  listOwnAttachments,
  MAX_ATTACHMENTS_PER_CASE,
} from './attachments.ts';
import { applicantCustomisation, brandingFor, withBranding } from './customisation.ts';
import { renderInboxSections } from './inbox-sections.ts';
import { im } from './intake.messages.ts';
import { codenameFormSchema, messageFormSchema, type WebForm, webFormSchema } from './intake.schemas.ts';
import {
  type FreshForm,
  type IntakeRuntime,
  newFormChallenge,
  readInbox,
  sendApplicantMessage,
  signInWithCodename,
  submitWebForm,
} from './intake.service.ts';
import {
  ApplicantErrorPage,
  CodenamePage,
  type FormValues,
  InboxPage,
  IntakeFormPage,
  PrivacyPage,
  SignInPage,
} from './intake.views.tsx';

const assets = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const CSS = readFileSync(join(assets, 'intake.css'));
const POW_JS = readFileSync(join(assets, 'pow.js'));
const POW_WORKER_JS = readFileSync(join(assets, 'pow-worker.js'));

/** Replies that carry the intake form, whose page may run pow.js (see the intake plugin). */
const formPages = new WeakSet<FastifyReply>();
export const isFormPage = (reply: FastifyReply): boolean => formPages.has(reply);

/** An applicant page, with the organisation's published name, logo and texts (ADR 0193). */
export function html(reply: FastifyReply, status: number, page: VNode): FastifyReply {
  const branding = brandingFor(reply.server.sanctuary, reply.request.locale);
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(withBranding(branding, () => renderDocument(page)));
}

export function sessionToken(request: FastifyRequest): string | undefined {
  const v = request.cookies[APPLICANT_COOKIE];
  return typeof v === 'string' ? v : undefined;
}

/** The signed-in applicant's case, or undefined. */
export function applicantCase(rt: IntakeRuntime, request: FastifyRequest): Promise<string | undefined> {
  return rt.sessions.touch(sessionToken(request));
}

export function applicantCsrf(ctx: AppContext, request: FastifyRequest): string | undefined {
  const token = sessionToken(request);
  return token === undefined ? undefined : csrfToken(ctx.vault.requireKeyring(), `applicant|${token}`);
}

export function requireApplicantCsrf(ctx: AppContext, request: FastifyRequest, value: unknown): void {
  const token = sessionToken(request);
  if (token === undefined || !checkCsrfToken(ctx.vault.requireKeyring(), `applicant|${token}`, value)) {
    throw new AppError('csrf_failed', 'applicant csrf');
  }
}

/**
 * The sign-in form's CSRF token, bound to a random pre-session cookie set here (ADR 0092).
 * A session cookie (no Max-Age), like the applicant's session itself.
 */
function signInCsrf(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  let pre = request.cookies[APPLICANT_PRE_COOKIE];
  if (typeof pre !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
    pre = randomToken();
    reply.setCookie(APPLICANT_PRE_COOKIE, pre, {
      path: '/inbox',
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.config.trustProxy,
    });
    request.cookies[APPLICANT_PRE_COOKIE] = pre;
  }
  return csrfToken(ctx.vault.requireKeyring(), `applicant-pre|${pre}`);
}

function checkSignInCsrf(ctx: AppContext, request: FastifyRequest, value: unknown): boolean {
  const pre = request.cookies[APPLICANT_PRE_COOKIE];
  return typeof pre === 'string' && checkCsrfToken(ctx.vault.requireKeyring(), `applicant-pre|${pre}`, value);
}

function clearApplicantCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(APPLICANT_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.trustProxy,
  });
}

function valuesOf(form: Partial<WebForm>): FormValues {
  return {
    type: form.type,
    country: form.country,
    region: form.region ?? '',
    urgency: form.urgency,
    deadline: form.deadline ?? '',
    documents: form.documents ?? [],
    needs: form.needs ?? [],
    story: form.story ?? '',
    contact: form.contact,
  };
}

/** Reads the raw form fields leniently, to put them back into the form after an error. */
function lenientForm(body: unknown): Partial<WebForm> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).slice(0, 10_000) : undefined);
  const arr = (k: string) =>
    (Array.isArray(b[k]) ? (b[k] as unknown[]) : b[k] === undefined ? [] : [b[k]]).filter(
      (x): x is string => typeof x === 'string',
    );
  return {
    type: str('type'),
    country: str('country'),
    region: str('region') ?? '',
    urgency: str('urgency'),
    deadline: str('deadline') ?? '',
    documents: arr('documents'),
    needs: arr('needs'),
    story: str('story') ?? '',
    contact: str('contact'),
  };
}

/** The applicant web surface: form, codename, inbox, attachments, quick exit. */
export async function intakeWebRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  const cfg = ctx.config.intake;

  app.get('/intake.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(CSS));
  app.get('/intake/pow.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(POW_JS),
  );
  // The proof of work's worker (ADR 0196): same origin, so the form page's script-src 'self'
  // (which worker-src falls back to) admits it with no change to the policy.
  app.get('/intake/pow-worker.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(POW_WORKER_JS),
  );

  const showForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: FormValues,
    errors: Record<string, string>,
    fresh: FreshForm = newFormChallenge(ctx, rt),
  ) => {
    formPages.add(reply);
    return html(
      reply,
      status,
      <IntakeFormPage
        locale={request.locale}
        formToken={fresh.formToken}
        challenge={fresh.challenge}
        powBase={cfg.powDifficulty}
        values={values}
        errors={errors}
        questions={
          applicantCustomisation()?.questionsBlock(ctx, request.locale, request.body ?? {}, errors) ?? null
        }
      />,
    );
  };

  app.get('/', async (request, reply) => showForm(request, reply, 200, {}, {}));

  app.get('/privacy', async (request, reply) => html(reply, 200, <PrivacyPage locale={request.locale} />));

  app.post('/submit', async (request, reply) => {
    const parsed = webFormSchema.safeParse(request.body ?? {});
    // The organisation's own questions (ADR 0195): checked here, before anything is written.
    const custom = applicantCustomisation()?.readAnswers(ctx, request.body ?? {});
    if (!parsed.success || custom?.ok === false) {
      const errors: Record<string, string> = custom?.ok === false ? { ...custom.errors } : {};
      for (const issue of parsed.success ? [] : parsed.error.issues) {
        const field = String(issue.path[0] ?? 'form');
        errors[field === 'form_token' ? 'form' : field] =
          issue.message === 'expired'
            ? 'form.error.expired'
            : issue.message === 'too_long'
              ? 'form.error.too_long'
              : 'form.error.invalid';
      }
      return showForm(request, reply, 400, valuesOf(lenientForm(request.body)), errors);
    }
    const form = parsed.data;
    try {
      const result = await submitWebForm(
        ctx,
        rt,
        custom === undefined ? form : { ...form, custom: custom.record },
        clientKey(request),
      );
      const codename = formatCodename(result.codename, im(request.locale, 'codename.ext'));
      return html(
        reply,
        200,
        <CodenamePage locale={request.locale} codename={codename} replay={result.replay} />,
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      const values = valuesOf(form);
      // The same form (token and the challenge it is bound to): whatever the person sends next
      // is still this one submission.
      const sameForm = { formToken: form.form_token, challenge: form.pow_challenge };
      if (error.code === 'validation_failed' && error.fields !== undefined) {
        const keepToken = error.fields.form === undefined;
        return showForm(request, reply, 400, values, error.fields, keepToken ? sameForm : undefined);
      }
      // The form was already sent with other answers (ADR 0091): a fresh form, with the text.
      if (error.code === 'conflict' && error.fields !== undefined) {
        return showForm(request, reply, error.status, values, error.fields);
      }
      // Overload answers a small page (cheap under a flood); a person over their own limit gets
      // the form back with their text.
      if (error.code === 'rate_limited') {
        if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
        return showForm(request, reply, error.status, values, { form: 'busy.text' }, sameForm);
      }
      throw error;
    }
  });

  app.get('/exit', async (request, reply) => {
    await rt.sessions.destroy(sessionToken(request));
    clearApplicantCookie(ctx, reply);
    reply.header('Clear-Site-Data', '"cache", "cookies", "storage"');
    return reply.redirect(cfg.quickExitUrl, 303);
  });

  const showInbox = async (
    request: FastifyRequest,
    reply: FastifyReply,
    caseId: string,
    status: number,
    extra: { notice?: string; errors?: Record<string, string> } = {},
  ) =>
    html(
      reply,
      status,
      <InboxPage
        locale={request.locale}
        csrf={applicantCsrf(ctx, request) ?? ''}
        sections={
          await renderInboxSections(ctx, {
            caseId,
            locale: request.locale,
            csrf: applicantCsrf(ctx, request) ?? '',
          })
        }
        messages={await readInbox(ctx, caseId)}
        attachments={await listOwnAttachments(ctx, caseId)}
        idleMinutes={rt.sessions.idleMinutes}
        maxUploadMb={Math.round(cfg.maxUploadBytes / 1024 / 1024)}
        maxFiles={MAX_ATTACHMENTS_PER_CASE}
        uploads={await applicantUploadsAllowed(ctx, caseId)}
        notice={extra.notice}
        errors={extra.errors ?? {}}
      />,
    );

  const NOTICES = { message: 'inbox.sent', file: 'attach.done', pathways: 'pathways.attached' } as const;

  app.get('/inbox', async (request, reply) => {
    const caseId = await applicantCase(rt, request);
    if (caseId === undefined) {
      clearApplicantCookie(ctx, reply);
      return html(reply, 200, <SignInPage locale={request.locale} csrf={signInCsrf(ctx, request, reply)} />);
    }
    const done = (request.query as Record<string, unknown>).done;
    const notice =
      typeof done === 'string' && done in NOTICES
        ? im(request.locale, NOTICES[done as keyof typeof NOTICES])
        : undefined;
    return showInbox(request, reply, caseId, 200, notice === undefined ? {} : { notice });
  });

  app.post('/inbox/sign-in', async (request, reply) => {
    const parsed = codenameFormSchema.safeParse(request.body ?? {});
    const again = (status: number, error: 'signin.wrong' | 'signin.expired') =>
      html(
        reply,
        status,
        <SignInPage
          locale={request.locale}
          csrf={signInCsrf(ctx, request, reply)}
          error={im(request.locale, error)}
        />,
      );
    const wrong = (status: number) => again(status, 'signin.wrong');
    // Login CSRF (ADR 0092): only this site's own sign-in form, in this browser, signs in.
    if (!checkSignInCsrf(ctx, request, parsed.success ? parsed.data._csrf : undefined)) {
      return again(403, 'signin.expired');
    }
    if (!parsed.success) return wrong(400);
    try {
      const caseId = await signInWithCodename(ctx, rt, parsed.data.codename, clientKey(request));
      await rt.sessions.destroy(sessionToken(request));
      const token = await rt.sessions.create(caseId);
      // A session cookie: no Max-Age or Expires, so it is not persisted by the browser.
      reply.setCookie(APPLICANT_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.trustProxy,
      });
      return reply.redirect(`/inbox?lang=${request.locale}`, 303);
    } catch (error) {
      if (isAppError(error) && error.code === 'invalid_credentials') return wrong(401);
      throw error;
    }
  });

  const requireApplicant = async (request: FastifyRequest): Promise<string> => {
    const caseId = await applicantCase(rt, request);
    if (caseId === undefined) throw new AppError('unauthenticated', 'no applicant session');
    return caseId;
  };

  app.post('/inbox/messages', async (request, reply) => {
    const caseId = await requireApplicant(request);
    const form = messageFormSchema.safeParse(request.body ?? {});
    requireApplicantCsrf(ctx, request, form.success ? form.data._csrf : undefined);
    if (!form.success)
      return showInbox(request, reply, caseId, 400, { errors: { body: 'form.error.too_long' } });
    try {
      await sendApplicantMessage(ctx, rt, caseId, form.data.body);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed' && error.fields !== undefined) {
        return showInbox(request, reply, caseId, 400, { errors: error.fields });
      }
      throw error;
    }
    return reply.redirect(`/inbox?lang=${request.locale}&done=message`, 303);
  });

  app.post('/inbox/attachments', async (request, reply) => {
    const caseId = await requireApplicant(request);
    if (!request.isMultipart()) {
      throw new AppError('unsupported_media_type', 'not multipart', {
        fields: { file: 'attach.error.type' },
      });
    }
    let csrf: string | undefined;
    let keepOriginal = false;
    let upload: { data: Buffer; fileName: string | undefined } | undefined;
    for await (const part of request.parts({
      limits: {
        fileSize: cfg.maxUploadBytes,
        files: 1,
        fields: 4,
        fieldSize: 200,
        parts: 6,
        headerPairs: 20,
      },
    })) {
      if (part.type === 'field') {
        if (part.fieldname === '_csrf' && typeof part.value === 'string') csrf = part.value;
        if (part.fieldname === 'keep_original') keepOriginal = part.value === '1';
        continue;
      }
      // The CSRF field comes first in the form; refuse to read a file from a forged request.
      requireApplicantCsrf(ctx, request, csrf);
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      if (part.file.truncated) {
        throw new AppError('payload_too_large', 'upload too large', {
          fields: { file: 'attach.error.size' },
        });
      }
      upload = { data: Buffer.concat(chunks), fileName: part.filename };
    }
    requireApplicantCsrf(ctx, request, csrf);
    if (upload === undefined || upload.data.length === 0) {
      return showInbox(request, reply, caseId, 400, { errors: { file: 'attach.error.missing' } });
    }
    try {
      await addAttachment(ctx, rt, caseId, { ...upload, keepOriginal });
    } catch (error) {
      if (isAppError(error) && error.fields !== undefined && error.status < 500 && error.status !== 429) {
        return showInbox(request, reply, caseId, error.status, { errors: error.fields });
      }
      throw error;
    }
    return reply.redirect(`/inbox?lang=${request.locale}&done=file`, 303);
  });

  app.post('/inbox/sign-out', async (request, reply) => {
    const body = z.object({ _csrf: z.string().max(100).optional() }).safeParse(request.body ?? {});
    if ((await applicantCase(rt, request)) !== undefined) {
      requireApplicantCsrf(ctx, request, body.success ? body.data._csrf : undefined);
    }
    await rt.sessions.destroy(sessionToken(request));
    clearApplicantCookie(ctx, reply);
    reply.header('Clear-Site-Data', '"cache", "cookies", "storage"');
    return html(
      reply,
      200,
      <SignInPage locale={request.locale} notice={im(request.locale, 'inbox.signed_out')} />,
    );
  });

  void addApplicantMessage;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A strict application/x-www-form-urlencoded parser for the applicant scope: invalid UTF-8
 * (raw or percent-encoded) is a 400, not silently replaced or passed through; at most 200
 * fields; no prototype keys.
 */
export function parseStrictForm(body: Buffer): Record<string, string | string[]> {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new AppError('bad_request', 'form body is not UTF-8');
  }
  const out: Record<string, string | string[]> = Object.create(null);
  if (text === '') return out;
  const pairs = text.split('&');
  if (pairs.length > 200) throw new AppError('bad_request', 'too many form fields');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw new AppError('bad_request', 'form field is not valid UTF-8');
    }
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

export function registerStrictFormParser(app: FastifyInstance, bodyLimit: number): void {
  // The applicant site takes forms only (and multipart uploads): anything else is a 415.
  app.removeContentTypeParser(['application/x-www-form-urlencoded', 'application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit },
    (_request, body, done) => {
      try {
        done(null, parseStrictForm(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/**
 * An error in the applicant layout and the applicant's language. Being busy or sealed is
 * said plainly, with what it means for what they sent (nothing was received; send again).
 */
function sendApplicantError(request: FastifyRequest, reply: FastifyReply, appError: AppError) {
  if (appError.retryAfter !== undefined) reply.header('Retry-After', String(appError.retryAfter));
  const locale = request.locale;
  const plain = appError.code === 'overloaded' ? 'busy' : appError.code === 'sealed' ? 'closed' : undefined;
  const fieldKey = appError.fields === undefined ? undefined : Object.values(appError.fields)[0];
  const message =
    plain !== undefined
      ? im(locale, `${plain}.text`)
      : fieldKey?.includes('.') && !fieldKey.startsWith('field.')
        ? im(locale, fieldKey as Parameters<typeof im>[1])
        : platformT(locale, appError.messageKey as Parameters<typeof platformT>[1]);
  const path = pagePathOf(request);
  const page = () => (
    <ApplicantErrorPage
      locale={locale}
      path={path}
      title={plain !== undefined ? im(locale, `${plain}.title`) : platformT(locale, 'error.title')}
      message={message}
    />
  );
  if (plain === undefined) return html(reply, appError.status, page());
  // "Busy" and "closed" pages are what a flood gets back, thousands of times a second: they
  // depend only on the language, the path and the organisation's published version, so each
  // is rendered once (a bounded cache).
  const branding = brandingFor(reply.server.sanctuary, locale);
  const key = `${plain}|${locale}|${path}|${branding?.version ?? 0}`;
  let body = PLAIN_PAGES.get(key);
  if (body === undefined) {
    body = withBranding(branding, () => renderDocument(page()));
    if (PLAIN_PAGES.size < 64) PLAIN_PAGES.set(key, body);
  }
  return reply.status(appError.status).type('text/html; charset=utf-8').send(body);
}

const PLAIN_PAGES = new Map<string, string>();

/** Applicant pages answer errors in the applicant layout (JSON surfaces keep the platform's). */
export function registerApplicantErrors(app: FastifyInstance): void {
  // Errors answered before any applicant route runs (the seal check, unknown paths) use
  // the same page: an applicant never sees the staff layout.
  app.errorPages.public = sendApplicantError;
  app.setErrorHandler((error, request, reply) => {
    if (wantsJson(request)) {
      if (isAppError(error)) return sendAppError(request, reply, error);
      throw error;
    }
    let appError: AppError;
    if (isAppError(error)) appError = error;
    else {
      const e = error as { statusCode?: number; code?: string };
      const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
      appError =
        e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.code === 'FST_REQ_FILE_TOO_LARGE'
          ? new AppError('payload_too_large', String(e.code))
          : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE'
            ? new AppError('unsupported_media_type', String(e.code))
            : status >= 400 && status < 500
              ? new AppError('bad_request', String(e.code ?? 'client error'))
              : new AppError('internal', String(e.code ?? 'error'), { cause: error });
      if (appError.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    }
    return sendApplicantError(request, reply, appError);
  });
}

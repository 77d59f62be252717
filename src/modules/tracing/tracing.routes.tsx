import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import {
  applicantCase,
  applicantCsrf,
  intakeRuntimeOf,
  requireApplicantCsrf,
  sendApplicantPage,
} from '../intake/index.ts';
import { getKnowledgeBase } from '../pathways/index.ts';
import { type TracingMessageKey, tm } from './tracing.messages.ts';
import { canUseTracing } from './tracing.policy.ts';
import {
  closeTracingRequest,
  decideProposal,
  fileApplicantRequest,
  fileStaffRequest,
  isFamilyCase,
  listOwnRequests,
  listProposals,
  recordConsent,
  relayMessage,
  rematchRequest,
  TRACING_TEXT_FIELDS,
  withdrawTracingConsent,
} from './tracing.service.ts';
import {
  type CtaFact,
  type RequestFormValues,
  TracingRequestPage,
  TracingStaffPage,
} from './tracing.views.tsx';

/**
 * Family tracing's routes. Staff (inside the /staff scope: session and CSRF checked by its
 * guard): /staff/tracing, every route in tracing.routes.matrix.test.ts. Applicant: /tracing,
 * in an applicant scope (intake's error pages, strict form parser, cross-site refusal), for
 * a signed-in applicant only, on their own case.
 */
const flashes = defineFlashes(
  [
    'staff.flash.filed',
    'staff.flash.decided',
    'staff.flash.consent',
    'staff.flash.withdrawn',
    'staff.flash.relayed',
    'staff.flash.closed',
    'staff.flash.rematched',
  ],
  tm,
);
const errorFlashes = defineFlashes(['staff.flash.conflict'], tm, 'error');

function param(request: FastifyRequest, name: string): unknown {
  return (request.params as Record<string, unknown>)[name];
}

/** The raw form fields, bounded, to put back into a form after an error. */
function valuesOf(body: unknown): RequestFormValues {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const out: RequestFormValues = {};
  for (const k of ['case', 'relationship', ...TRACING_TEXT_FIELDS]) {
    if (typeof b[k] === 'string') out[k] = (b[k] as string).slice(0, 1000);
  }
  return out;
}

function errorSummary(l: Locale, fields: Record<string, string> | undefined): string {
  const keys = Object.values(fields ?? {});
  return [tm(l, 'error.summary'), ...keys.map((k) => tm(l, k as TracingMessageKey))].join(' ');
}

/** The CTA fact of the knowledge base in a language, with its sources. */
export async function ctaFact(locale: Locale): Promise<CtaFact | undefined> {
  const kb = await getKnowledgeBase();
  const fact = kb.facts.get('icrc.cta-bureau');
  if (fact === undefined) return undefined;
  return {
    text: fact.text[locale] ?? fact.text.en,
    sources: fact.sources
      .map((id) => kb.sources.get(id))
      .filter((s) => s !== undefined)
      .map((s) => ({ title: s.title, publisher: s.publisher, url: s.url })),
  };
}

export async function tracingStaffRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/tracing',
    label: (l) => tm(l, 'staff.nav'),
    visible: canUseTracing,
    order: 28,
  });

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { values?: RequestFormValues; errors?: Record<string, string>; error?: string } = {},
  ) => {
    const actor = requireStaff(request);
    const proposals = await listProposals(ctx, actor);
    return sendHtml(
      reply,
      status,
      <TracingStaffPage
        frame={
          await staffFrame(request, reply, { flashes, error: extra.error ?? errorFlashes.read(request) })
        }
        csrf={csrfFor(ctx, request, reply)}
        proposals={proposals}
        values={extra.values ?? {}}
        errors={extra.errors ?? {}}
      />,
    );
  };

  app.get('/staff/tracing', async (request, reply) => page(request, reply, 200));

  /** Runs an action; a form error re-renders the page (400), a stale state redirects with a notice. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    work: () => Promise<unknown>,
    done: Parameters<typeof flashes.redirect>[3],
  ) => {
    try {
      await work();
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return page(request, reply, 400, {
          values: valuesOf(request.body),
          errors: error.fields ?? {},
          error: errorSummary(request.locale, error.fields),
        });
      }
      if (isAppError(error) && error.code === 'conflict') {
        return errorFlashes.redirect(request, reply, '/staff/tracing', 'staff.flash.conflict');
      }
      throw error;
    }
    return flashes.redirect(request, reply, '/staff/tracing', done);
  };

  app.post('/staff/tracing/requests', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => fileStaffRequest(ctx, actor, request.body, request.locale),
      'staff.flash.filed',
    );
  });
  app.post('/staff/tracing/requests/:requestId/rematch', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => rematchRequest(ctx, actor, param(request, 'requestId')),
      'staff.flash.rematched',
    );
  });
  app.post('/staff/tracing/requests/:requestId/close', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => closeTracingRequest(ctx, actor, param(request, 'requestId')),
      'staff.flash.closed',
    );
  });
  for (const decision of ['confirm', 'reject'] as const) {
    app.post(`/staff/tracing/proposals/:proposalId/${decision}`, async (request, reply) => {
      const actor = requireStaff(request);
      return act(
        request,
        reply,
        () =>
          decideProposal(
            ctx,
            actor,
            param(request, 'proposalId'),
            decision === 'confirm' ? 'confirmed' : 'rejected',
          ),
        'staff.flash.decided',
      );
    });
  }
  app.post('/staff/tracing/proposals/:proposalId/consent', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => recordConsent(ctx, actor, param(request, 'proposalId'), request.body),
      'staff.flash.consent',
    );
  });
  app.post('/staff/tracing/proposals/:proposalId/withdraw', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => withdrawTracingConsent(ctx, actor, param(request, 'proposalId')),
      'staff.flash.withdrawn',
    );
  });
  app.post('/staff/tracing/proposals/:proposalId/relay', async (request, reply) => {
    const actor = requireStaff(request);
    return act(
      request,
      reply,
      () => relayMessage(ctx, actor, param(request, 'proposalId'), request.body),
      'staff.flash.relayed',
    );
  });
}

/** The applicant's tracing page, in a scope prepared by intake's `prepareApplicantScope`. */
export async function tracingApplicantRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const signedIn = async (request: FastifyRequest): Promise<string> => {
    const caseId = await applicantCase(intakeRuntimeOf(ctx), request);
    if (caseId === undefined) throw new AppError('unauthenticated', 'no applicant session');
    return caseId;
  };
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    caseId: string,
    status: number,
    extra: { values?: RequestFormValues; errors?: Record<string, string>; notice?: string } = {},
  ) => {
    const family = await isFamilyCase(ctx, caseId);
    return sendApplicantPage(
      reply,
      status,
      <TracingRequestPage
        locale={request.locale}
        csrf={applicantCsrf(ctx, request) ?? ''}
        family={family}
        values={extra.values ?? {}}
        errors={extra.errors ?? {}}
        notice={extra.notice}
        mine={family ? await listOwnRequests(ctx, caseId) : []}
        fact={await ctaFact(request.locale)}
      />,
    );
  };

  app.get('/tracing', async (request, reply) => {
    const caseId = await applicantCase(intakeRuntimeOf(ctx), request);
    // Not signed in: the sign-in page (the inbox), as for every applicant page of a case.
    if (caseId === undefined) return reply.redirect(`/inbox?lang=${request.locale}`, 303);
    const done = (request.query as Record<string, unknown>).done === '1';
    return show(request, reply, caseId, 200, done ? { notice: tm(request.locale, 'done') } : {});
  });

  app.post('/tracing', async (request, reply) => {
    const caseId = await signedIn(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    requireApplicantCsrf(ctx, request, body._csrf);
    try {
      await fileApplicantRequest(ctx, caseId, body, request.locale);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return show(request, reply, caseId, 400, { values: valuesOf(body), errors: error.fields ?? {} });
      }
      throw error;
    }
    return reply.redirect(`/tracing?lang=${request.locale}&done=1`, 303);
  });
}

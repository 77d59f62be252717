import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { formatCodename } from '../../crypto/index.ts';
import { clientKey } from '../../platform/client-key.ts';
import { isAppError } from '../../platform/errors.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { canRequestRestrictedBreakGlass, requireAllowed } from '../case-access/index.ts';
import { registerCasePageNotice } from '../cases/index.ts';
import { sendApplicantPage } from '../intake/index.ts';
import { registerCaseEraser, registerRetentionRule } from '../retention/index.ts';
import { ham } from './high-assurance.messages.ts';
import { canIssueContactCodes, canSeeContactCodesPage } from './high-assurance.policy.ts';
import {
  eraseCodesOfCase,
  issueContactCode,
  listContactCodes,
  newContactForm,
  openConversation,
  requestRestrictedBreakGlass,
  revokeContactCode,
} from './high-assurance.service.ts';
import {
  CONTACT_PATH,
  ContactCodesPage,
  ContactPage,
  ContactReceiptPage,
  RestrictedCaseReminder,
} from './high-assurance.views.tsx';

/**
 * Minimum retention of restricted cases by default (ADR 0160): a closed one is erased 7 days
 * after its last activity, any other after 90 days without activity, unless an administrator's
 * rule is shorter or a legal hold keeps it.
 */
export const RESTRICTED_RETENTION = { closedDays: 7, idleDays: 90 } as const;

// The reminder on every restricted case's page (ADR 0160).
registerCasePageNotice((locale, c) => (c.restricted ? <RestrictedCaseReminder locale={locale} /> : null));

const flashes = defineFlashes(['staff.flash.revoked', 'staff.flash.requested'], ham);

function bounded(body: unknown, keys: readonly string[]): Record<string, string> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof b[k] === 'string') out[k] = (b[k] as string).slice(0, 200);
  return out;
}

/** The staff page under /staff/high-assurance (every route in high-assurance.routes.matrix.test.ts). */
export async function highAssuranceStaffRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  registerRetentionRule(ctx, {
    module: 'high-assurance',
    applies: 'restricted',
    status: 'closed',
    afterDays: RESTRICTED_RETENTION.closedDays,
  });
  registerRetentionRule(ctx, {
    module: 'high-assurance',
    applies: 'restricted',
    status: null,
    afterDays: RESTRICTED_RETENTION.idleDays,
  });
  registerCaseEraser(ctx, {
    module: 'high-assurance',
    async erase(trx, caseId) {
      await eraseCodesOfCase(trx, caseId);
      return undefined;
    },
  });
  addStaffNav(app, {
    href: '/staff/high-assurance',
    label: (l) => ham(l, 'staff.nav'),
    visible: canSeeContactCodesPage,
    order: 29,
  });

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: {
      issued?: { code: string; expiresAt: Date };
      errors?: Record<string, string>;
      values?: Record<string, string>;
    } = {},
  ) => {
    const actor = requireStaff(request);
    requireAllowed(canSeeContactCodesPage(actor), 'contact codes');
    const { teams, codes } = await listContactCodes(ctx, actor);
    // The code is shown in this response only: never cached, never in a redirect.
    reply.header('Cache-Control', 'no-store');
    return sendHtml(
      reply,
      status,
      <ContactCodesPage
        frame={await staffFrame(request, reply, { flashes })}
        csrf={csrfFor(ctx, request, reply)}
        teams={teams}
        codes={codes}
        canIssue={canIssueContactCodes(
          actor,
          teams.map((t) => t.id),
        )}
        canRequestBreakGlass={canRequestRestrictedBreakGlass(actor)}
        issued={
          extra.issued === undefined
            ? undefined
            : { ...extra.issued, address: `${ctx.config.publicUrl}${CONTACT_PATH}` }
        }
        errors={extra.errors ?? {}}
        values={extra.values ?? {}}
      />,
    );
  };

  app.get('/staff/high-assurance', async (request, reply) => page(request, reply, 200));

  app.post('/staff/high-assurance/codes', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      const issued = await issueContactCode(ctx, actor, request.body);
      return page(request, reply, 200, { issued });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return page(request, reply, 400, {
          errors: error.fields ?? {},
          values: bounded(request.body, ['teamId', 'label', 'days']),
        });
      }
      throw error;
    }
  });

  app.post('/staff/high-assurance/codes/:codeId/revoke', async (request, reply) => {
    const actor = requireStaff(request);
    await revokeContactCode(ctx, actor, (request.params as { codeId?: unknown }).codeId);
    return flashes.redirect(request, reply, '/staff/high-assurance', 'staff.flash.revoked');
  });

  app.post('/staff/high-assurance/break-glass', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      await requestRestrictedBreakGlass(ctx, actor, request.body);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return page(request, reply, 400, {
          errors: error.fields ?? {},
          values: bounded(request.body, ['ref']),
        });
      }
      throw error;
    }
    return flashes.redirect(request, reply, '/staff/high-assurance', 'staff.flash.requested');
  });
}

/**
 * The contact page (/contact), in a scope prepared by intake's `prepareApplicantScope`
 * (its error pages, strict form parser, cross-site refusal, no-store). Linked from nowhere:
 * its address travels with the code (ADR 0158).
 */
export async function highAssuranceApplicantRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const show = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: {
      errors?: Record<string, string>;
      message?: string;
      form?: { challenge: string; formToken: string };
    } = {},
  ) => {
    const form = extra.form ?? newContactForm(ctx);
    return sendApplicantPage(
      reply,
      status,
      <ContactPage
        locale={request.locale}
        challenge={form.challenge}
        formToken={form.formToken}
        message={extra.message ?? ''}
        errors={extra.errors ?? {}}
      />,
    );
  };

  app.get(CONTACT_PATH, async (request, reply) => show(request, reply, 200));

  app.post(CONTACT_PATH, async (request, reply) => {
    const body = bounded(request.body, ['challenge', 'form_token']);
    const message = (() => {
      const m = (request.body as Record<string, unknown> | null)?.message;
      return typeof m === 'string' ? m.slice(0, 5000) : '';
    })();
    try {
      const result = await openConversation(ctx, request.body, clientKey(request));
      const codename = formatCodename(result.codename, ham(request.locale, 'codename.ext'));
      return sendApplicantPage(
        reply,
        200,
        <ContactReceiptPage locale={request.locale} codename={codename} replay={result.replay} />,
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed' && error.fields !== undefined) {
        // The same form while only the code or message was wrong; a fresh one when it expired.
        const keep =
          error.fields.form === undefined && body.challenge !== undefined && body.form_token !== undefined
            ? { challenge: body.challenge, formToken: body.form_token }
            : undefined;
        return show(request, reply, 400, {
          errors: error.fields,
          message,
          ...(keep === undefined ? {} : { form: keep }),
        });
      }
      throw error;
    }
  });
}

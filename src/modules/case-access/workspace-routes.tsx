import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { type AppError, isAppError } from '../../platform/errors.ts';
import { type Locale, t } from '../../platform/i18n/index.ts';
import { redirectWithQuery, resolveStaffNav, sendHtml } from '../../platform/ui/index.ts';
import { requireStaff } from '../auth/index.ts';
import { countBreakGlassToReview } from './break-glass.service.ts';
import { type CaseAccessMessageKey, caseAccessMessages as m } from './case-access.messages.ts';
import {
  canManageTeams,
  canReviewAccess,
  canBreakGlass as policyCanBreakGlass,
} from './case-access.policy.ts';
import type { PageFrame } from './workspace-frame.tsx';

/**
 * What the workspace's routes under /staff/cases share (the case core's, case access's and
 * case pathways'): the page frame with navigation, flash and error lines; the HTML reply;
 * the redirect with a flash; and the text of a form error.
 */

/** Flash messages a redirect may name: an allow-list, so the query cannot inject text. */
const FLASHES = new Set<CaseAccessMessageKey>([
  'cases.flash.saved',
  'cases.flash.note_added',
  'cases.flash.reply_sent',
  'cases.flash.task_added',
  'cases.flash.task_done',
  'cases.flash.assigned',
  'cases.flash.status_changed',
  'cases.flash.approval_requested',
  'cases.flash.self_assign_requested',
  'cases.flash.pdf_requested',
  'cases.flash.pdf_quota',
  'cases.flash.reviewed',
  'cases.flash.team_created',
  'cases.flash.member_added',
  'cases.flash.approved',
  'cases.flash.rejected',
  'cases.flash.settings_saved',
  'cases.flash.export_requested',
  'cases.flash.pathways_saved',
  'cases.flash.document_added',
]);

/** The HTML reply (the kit's). */
export const html = sendHtml;

export function redirect(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  flash: string,
): FastifyReply {
  return redirectWithQuery(request, reply, path, `flash=${flash}`);
}

export function query(request: FastifyRequest): Record<string, unknown> {
  return (request.query as Record<string, unknown> | undefined) ?? {};
}

export function param(request: FastifyRequest, name: string): unknown {
  return (request.params as Record<string, unknown>)[name];
}

export function isFormError(error: unknown): error is AppError {
  return isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict');
}

/** A catalogue the frame may name texts from (the case core adds its own on top of this one's). */
export interface WorkspaceMessages {
  has(key: string): boolean;
  text(locale: Locale, key: string, params?: Record<string, string | number>): string;
}

export interface WorkspacePages {
  frame(
    request: FastifyRequest,
    reply: FastifyReply,
    extra?: { error?: string | undefined },
  ): Promise<PageFrame>;
  errorText(locale: Locale, error: AppError): string;
}

/**
 * The page frame and error texts of the workspace. `messages` resolves the keys of form errors;
 * `errors` lists the error keys a redirect may name (the intake module's upload route sends
 * those back to the case page).
 */
export function workspacePages(
  ctx: AppContext,
  messages: WorkspaceMessages,
  errors: ReadonlySet<string>,
): WorkspacePages {
  const frame = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: string | undefined } = {},
  ): Promise<PageFrame> => {
    const actor = requireStaff(request);
    const { flash, error } = query(request);
    const named =
      typeof error === 'string' && errors.has(error) ? messages.text(request.locale, error) : undefined;
    return {
      locale: request.locale,
      // The staff navigation of the kit's registry: every module's entries this member may see.
      nav: await resolveStaffNav(request, reply),
      workspace: {
        locale: request.locale,
        canAssign: canManageTeams(actor),
        canReview: canReviewAccess(actor),
        canBreakGlass: policyCanBreakGlass(
          actor,
          { teamId: null, assigneeId: null },
          { teamIds: [], triage: false, breakGlass: false },
        ),
        reviewCount: await countBreakGlassToReview(ctx, actor),
      },
      flash:
        typeof flash === 'string' && FLASHES.has(flash as CaseAccessMessageKey)
          ? m(request.locale, flash as CaseAccessMessageKey)
          : undefined,
      error: extra.error ?? named,
    };
  };

  const errorText = (locale: Locale, error: AppError): string => {
    if (error.code === 'conflict') return m(locale, 'cases.flash.conflict');
    // A field error with a message of the workspace's own says more than the generic one.
    const own = Object.values(error.fields ?? {}).find((k) => k.includes('.error_') && messages.has(k));
    return own === undefined ? t(locale, error.messageKey as never) : messages.text(locale, own);
  };
  return { frame, errorText };
}

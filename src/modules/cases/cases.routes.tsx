import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { renderDocument } from '../../platform/html.tsx';
import { isLocale, type Locale, type MessageKey, t } from '../../platform/i18n/index.ts';
import { canSeeAdminPage } from '../auth/auth.policy.ts';
import { StaffNav } from '../auth/auth.views.tsx';
import { csrfFor, requireStaff } from '../auth/staff-session.ts';
import { canSeeContentStaleness } from '../pathways/pathways.policy.ts';
import {
  ANOMALY_THRESHOLDS,
  addTeamMember,
  breakGlass,
  countBreakGlassToReview,
  createTeam,
  decideApproval,
  getAccessAnomalies,
  getAccessLog,
  getSettings,
  getWorkload,
  listApprovalItems,
  listBreakGlassReview,
  listTeamsWithMembers,
  reviewBreakGlass,
  updateSettings,
} from './case-access.service.ts';
import {
  downloadBulkExport,
  exportCaseSummary,
  pdfQuotaReached,
  requestBulkExport,
  requestCaseSummary,
} from './case-export.service.ts';
import { casePathwaysRoutes } from './case-pathways.routes.tsx';
import { SEARCH_RESULT_LIMIT, searchCases } from './case-search.service.ts';
import { type CasesMessageKey, casesMessages as m, isCasesMessageKey } from './cases.messages.ts';
import {
  canManageTeams,
  canRequestBulkExport,
  canReviewAccess,
  canUseQueue,
  canBreakGlass as policyCanBreakGlass,
  requireAllowed,
} from './cases.policy.ts';
import { findAssignableLabels, listActiveGrantExpiry } from './cases.presenters.ts';
import { queueQuerySchema } from './cases.schemas.ts';
import {
  addNote,
  addReply,
  addTask,
  assignCase,
  changeStatus,
  completeTask,
  getCaseFile,
  listDueSoon,
  listQueue,
  today,
  updateIntakeAnswers,
  updatePerson,
} from './cases.service.ts';
import { fillTemplate, findTemplate, REPLY_TEMPLATES } from './cases.templates.ts';
import {
  AccessLogPageView,
  AnomaliesPageView,
  ApprovalsPageView,
  BreakGlassPageView,
  CasePageView,
  DuePageView,
  type PageFrame,
  QueuePageView,
  ReviewPageView,
  SearchPageView,
  SettingsPageView,
  TeamsPageView,
  WorkloadPageView,
} from './cases.views.tsx';

/**
 * The caseworker workspace under /staff/cases. Each route parses its input, calls one
 * service function (which authorises first) and renders a view or redirects (POST, then
 * 303 to a GET). The staff guard of the /staff scope has already answered 503 while sealed,
 * loaded the session and checked the CSRF token of every POST.
 *
 * Every route here must have an entry in cases.routes.matrix.test.ts.
 */

/** Flash messages a redirect may name: an allow-list, so the query cannot inject text. */
const FLASHES = new Set<CasesMessageKey>([
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

/** Errors a redirect may name (the intake module's upload route sends these back). */
const ERRORS = new Set<CasesMessageKey>([
  'cases.document.error_type',
  'cases.document.error_damaged',
  'cases.document.error_encrypted',
  'cases.document.error_size',
  'cases.document.error_missing',
  'cases.document.error_count',
]);

function html(reply: FastifyReply, status: number, page: VNode): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(renderDocument(page));
}

function redirect(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  flash: CasesMessageKey,
): FastifyReply {
  const sep = path.includes('?') ? '&' : '?';
  return reply.redirect(`${path}${sep}lang=${request.locale}&flash=${flash}`, 303);
}

function query(request: FastifyRequest): Record<string, unknown> {
  return (request.query as Record<string, unknown> | undefined) ?? {};
}

function param(request: FastifyRequest, name: string): unknown {
  return (request.params as Record<string, unknown>)[name];
}

function isFormError(error: unknown): error is AppError {
  return isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict');
}

export async function casesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const frame = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: string | undefined } = {},
  ): Promise<PageFrame> => {
    const actor = requireStaff(request);
    const { flash, error } = query(request);
    const named =
      typeof error === 'string' && ERRORS.has(error as CasesMessageKey)
        ? m(request.locale, error as CasesMessageKey)
        : undefined;
    return {
      locale: request.locale,
      // The auth module's navigation bar, with the member's email from the label cache
      // (staffNav would decrypt it again on every page).
      nav: (
        <StaffNav
          locale={request.locale}
          csrf={csrfFor(ctx, request, reply)}
          email={(await findAssignableLabels(ctx, [actor.id])).get(actor.id) ?? ''}
          roleKey={`role.${actor.role}` as MessageKey}
          showAdmin={canSeeAdminPage(actor)}
          showCases={canUseQueue(actor)}
          showPathwaysReview={canSeeContentStaleness(actor)}
        />
      ),
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
        typeof flash === 'string' && FLASHES.has(flash as CasesMessageKey)
          ? m(request.locale, flash as CasesMessageKey)
          : undefined,
      error: extra.error ?? named,
    };
  };

  const errorText = (locale: Locale, error: AppError): string => {
    if (error.code === 'conflict') return m(locale, 'cases.flash.conflict');
    // A field error with a message of the workspace's own says more than the generic one.
    const own = Object.values(error.fields ?? {}).find(
      (k): k is CasesMessageKey => k.includes('.error_') && isCasesMessageKey(k),
    );
    return own === undefined ? t(locale, error.messageKey as never) : m(locale, own);
  };

  // -------------------------------------------------------------------------------------------
  // Queue, due soon, search

  app.get('/staff/cases', async (request, reply) => {
    const actor = requireStaff(request);
    const q = queueQuerySchema.parse(query(request));
    const page = await listQueue(ctx, actor, q);
    return html(
      reply,
      200,
      <QueuePageView {...(await frame(request, reply))} page={page} query={q} today={today()} />,
    );
  });

  app.get('/staff/cases/due', async (request, reply) => {
    const tasks = await listDueSoon(ctx, requireStaff(request));
    return html(reply, 200, <DuePageView {...(await frame(request, reply))} tasks={tasks} />);
  });

  /**
   * Search travels in a POST body (with the CSRF field like every staff form), and the results
   * are rendered in the answer to that POST: a phone or document number never appears in a
   * URL, so not in history, bookmarks, proxy logs or a Referer (issue 12, finding 14). A GET
   * shows the empty form and ignores any query parameter.
   */
  const renderSearch = async (request: FastifyRequest, reply: FastifyReply, text: string) => {
    const actor = requireStaff(request);
    requireAllowed(canUseQueue(actor), 'search');
    const results = text.trim() === '' ? null : await searchCases(ctx, actor, { q: text });
    return html(
      reply,
      200,
      <SearchPageView
        {...(await frame(request, reply))}
        csrf={csrfFor(ctx, request, reply)}
        query={text}
        results={results}
        today={today()}
        limit={SEARCH_RESULT_LIMIT}
      />,
    );
  };

  app.get('/staff/cases/search', async (request, reply) => renderSearch(request, reply, ''));

  app.post('/staff/cases/search', async (request, reply) => {
    const q = (request.body as Record<string, unknown> | undefined)?.q;
    return renderSearch(request, reply, typeof q === 'string' ? q.slice(0, 200) : '');
  });

  // -------------------------------------------------------------------------------------------
  // Teams and workload (coordinators)

  const renderTeams = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: string,
  ) => {
    const actor = requireStaff(request);
    const data = await listTeamsWithMembers(ctx, actor);
    return html(
      reply,
      status,
      <TeamsPageView
        {...(await frame(request, reply, { error }))}
        csrf={csrfFor(ctx, request, reply)}
        teams={data.teams}
        staff={data.staff}
      />,
    );
  };

  app.get('/staff/cases/teams', async (request, reply) => renderTeams(request, reply, 200));

  app.post('/staff/cases/teams', async (request, reply) => {
    try {
      await createTeam(ctx, requireStaff(request), request.body);
    } catch (error) {
      if (isFormError(error))
        return renderTeams(request, reply, error.status, errorText(request.locale, error));
      throw error;
    }
    return redirect(request, reply, '/staff/cases/teams', 'cases.flash.team_created');
  });

  app.post('/staff/cases/teams/:teamId/members', async (request, reply) => {
    try {
      await addTeamMember(ctx, requireStaff(request), param(request, 'teamId'), request.body);
    } catch (error) {
      if (isFormError(error))
        return renderTeams(request, reply, error.status, errorText(request.locale, error));
      throw error;
    }
    return redirect(request, reply, '/staff/cases/teams', 'cases.flash.member_added');
  });

  app.get('/staff/cases/workload', async (request, reply) => {
    const rows = await getWorkload(ctx, requireStaff(request));
    return html(reply, 200, <WorkloadPageView {...(await frame(request, reply))} rows={rows} />);
  });

  // -------------------------------------------------------------------------------------------
  // Break-glass, review, anomalies

  app.get('/staff/cases/break-glass', async (request, reply) => {
    const actor = requireStaff(request);
    requireAllowed(
      policyCanBreakGlass(
        actor,
        { teamId: null, assigneeId: null },
        { teamIds: [], triage: false, breakGlass: false },
      ),
      'break glass',
    );
    const ref = query(request).ref;
    return html(
      reply,
      200,
      <BreakGlassPageView
        {...(await frame(request, reply))}
        csrf={csrfFor(ctx, request, reply)}
        refValue={typeof ref === 'string' ? ref.slice(0, 20) : ''}
      />,
    );
  });

  app.post('/staff/cases/break-glass', async (request, reply) => {
    const actor = requireStaff(request);
    try {
      const granted = await breakGlass(ctx, actor, request.body);
      return reply.redirect(`/staff/cases/${granted.ref}?lang=${request.locale}`, 303);
    } catch (error) {
      if (isFormError(error)) {
        const ref = (request.body as Record<string, unknown> | undefined)?.ref;
        return html(
          reply,
          error.status,
          <BreakGlassPageView
            {...(await frame(request, reply, { error: errorText(request.locale, error) }))}
            csrf={csrfFor(ctx, request, reply)}
            refValue={typeof ref === 'string' ? ref.slice(0, 20) : ''}
            errors={error.fields}
          />,
        );
      }
      throw error;
    }
  });

  app.get('/staff/cases/review', async (request, reply) => {
    const actor = requireStaff(request);
    const items = await listBreakGlassReview(ctx, actor);
    const self = (await findAssignableLabels(ctx, [actor.id])).get(actor.id) ?? '';
    return html(
      reply,
      200,
      <ReviewPageView
        {...(await frame(request, reply))}
        csrf={csrfFor(ctx, request, reply)}
        items={items}
        selfLabel={self}
      />,
    );
  });

  app.post('/staff/cases/review/:grantId', async (request, reply) => {
    await reviewBreakGlass(ctx, requireStaff(request), param(request, 'grantId'), request.body);
    return redirect(request, reply, '/staff/cases/review', 'cases.flash.reviewed');
  });

  app.get('/staff/cases/anomalies', async (request, reply) => {
    const anomalies = await getAccessAnomalies(ctx, requireStaff(request));
    return html(
      reply,
      200,
      <AnomaliesPageView
        {...(await frame(request, reply))}
        anomalies={anomalies}
        thresholds={ANOMALY_THRESHOLDS}
      />,
    );
  });

  // -------------------------------------------------------------------------------------------
  // Four-eyes approvals, bulk export, settings

  const renderApprovals = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: AppError,
  ) => {
    const actor = requireStaff(request);
    requireAllowed(canUseQueue(actor), 'approvals');
    const items = await listApprovalItems(ctx, actor);
    return html(
      reply,
      status,
      <ApprovalsPageView
        {...(await frame(request, reply, {
          error: error === undefined ? undefined : errorText(request.locale, error),
        }))}
        csrf={csrfFor(ctx, request, reply)}
        items={items}
        canRequestBulk={canRequestBulkExport(actor)}
        errors={error?.fields}
      />,
    );
  };

  app.get('/staff/cases/approvals', async (request, reply) => renderApprovals(request, reply, 200));

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/staff/cases/approvals/:approvalId/${decision}`, async (request, reply) => {
      await decideApproval(ctx, requireStaff(request), param(request, 'approvalId'), decision);
      return redirect(
        request,
        reply,
        '/staff/cases/approvals',
        decision === 'approve' ? 'cases.flash.approved' : 'cases.flash.rejected',
      );
    });
  }

  app.post('/staff/cases/exports', async (request, reply) => {
    try {
      await requestBulkExport(ctx, requireStaff(request), request.body);
    } catch (error) {
      if (isFormError(error)) return renderApprovals(request, reply, error.status, error);
      throw error;
    }
    return redirect(request, reply, '/staff/cases/approvals', 'cases.flash.export_requested');
  });

  app.get('/staff/cases/exports/:approvalId', async (request, reply) => {
    const pdf = await downloadBulkExport(
      ctx,
      requireStaff(request),
      param(request, 'approvalId'),
      request.locale,
    );
    return reply
      .type('application/pdf')
      .header('Content-Disposition', 'attachment; filename="case-summaries.pdf"')
      .send(pdf);
  });

  app.get('/staff/cases/settings', async (request, reply) => {
    const settings = await getSettings(ctx, requireStaff(request));
    return html(
      reply,
      200,
      <SettingsPageView
        {...(await frame(request, reply))}
        csrf={csrfFor(ctx, request, reply)}
        fourEyesNotGenuine={settings.fourEyesNotGenuine}
      />,
    );
  });

  app.post('/staff/cases/settings', async (request, reply) => {
    await updateSettings(ctx, requireStaff(request), request.body);
    return redirect(request, reply, '/staff/cases/settings', 'cases.flash.settings_saved');
  });

  // -------------------------------------------------------------------------------------------
  // One case

  const renderCase = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: AppError,
  ): Promise<FastifyReply> => {
    const actor = requireStaff(request);
    const ref = param(request, 'ref');
    const file = await getCaseFile(ctx, actor, ref);
    const q = query(request);
    const tlang: Locale = isLocale(q.tlang) ? q.tlang : request.locale;
    const template = findTemplate(q.template);
    const draft =
      template === undefined || file.content === null
        ? ''
        : fillTemplate(template, tlang, {
            name: file.content.person.givenName ?? '',
            ref: file.ref,
            date: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10),
          });
    const lists = await findAssignableLabels(ctx, null);
    const accessLog = file.canSeeAccessLog
      ? (await getAccessLog(ctx, actor, file.ref, { embedded: true })).slice(0, 20)
      : null;
    return html(
      reply,
      status,
      <CasePageView
        {...(await frame(request, reply, {
          error: error === undefined ? undefined : errorText(request.locale, error),
        }))}
        file={file}
        pdfQuotaReached={file.content !== null && (await pdfQuotaReached(ctx, actor))}
        today={today()}
        csrf={csrfFor(ctx, request, reply)}
        teams={lists.teams}
        staff={lists.staff}
        selfId={actor.id}
        accessLog={accessLog}
        replyDraft={draft}
        templateId={template?.id ?? REPLY_TEMPLATES[0]!.id}
        templateLocale={tlang}
        breakGlassUntil={file.viaBreakGlass ? await listActiveGrantExpiry(ctx, actor.id, file.id) : null}
        errors={error?.fields}
      />,
    );
  };

  app.get('/staff/cases/:ref', async (request, reply) => renderCase(request, reply, 200));

  app.get('/staff/cases/:ref/access-log', async (request, reply) => {
    const entries = await getAccessLog(ctx, requireStaff(request), param(request, 'ref'));
    const ref = String(param(request, 'ref')).toUpperCase();
    return html(
      reply,
      200,
      <AccessLogPageView {...(await frame(request, reply))} ref={ref} entries={entries} />,
    );
  });

  app.get('/staff/cases/:ref/summary.pdf', async (request, reply) => {
    const out = await exportCaseSummary(ctx, requireStaff(request), param(request, 'ref'), request.locale);
    // Over today's quota: back to the case, which now offers to ask for approval (ADR 0096).
    if (out.needsApproval === true) {
      return redirect(request, reply, `/staff/cases/${out.ref}`, 'cases.flash.pdf_quota');
    }
    return reply
      .type('application/pdf')
      .header('Content-Disposition', `attachment; filename="case-summary-${out.ref}.pdf"`)
      .send(out.pdf);
  });

  app.post('/staff/cases/:ref/summary.pdf/request', async (request, reply) => {
    await requestCaseSummary(ctx, requireStaff(request), param(request, 'ref'));
    return redirect(request, reply, '/staff/cases/approvals', 'cases.flash.pdf_requested');
  });

  /** A case form: run the service, then 303 back to the case; form errors re-render it. */
  const caseAction = (
    suffix: string,
    flash: CasesMessageKey,
    run: (request: FastifyRequest) => Promise<CasesMessageKey | undefined>,
  ) => {
    app.post(`/staff/cases/:ref/${suffix}`, async (request, reply) => {
      let chosen: CasesMessageKey | undefined;
      try {
        chosen = await run(request);
      } catch (error) {
        if (isFormError(error)) return renderCase(request, reply, error.status, error);
        throw error;
      }
      const ref = String(param(request, 'ref')).toUpperCase();
      return redirect(request, reply, `/staff/cases/${ref}`, chosen ?? flash);
    });
  };

  caseAction('person', 'cases.flash.saved', async (r) => {
    await updatePerson(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('intake', 'cases.flash.saved', async (r) => {
    await updateIntakeAnswers(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('status', 'cases.flash.status_changed', async (r) => {
    const result = await changeStatus(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return result.applied ? undefined : 'cases.flash.approval_requested';
  });
  caseAction('assign', 'cases.flash.assigned', async (r) => {
    const result = await assignCase(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return result.applied ? undefined : 'cases.flash.self_assign_requested';
  });
  caseAction('notes', 'cases.flash.note_added', async (r) => {
    await addNote(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('replies', 'cases.flash.reply_sent', async (r) => {
    await addReply(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('tasks', 'cases.flash.task_added', async (r) => {
    await addTask(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('tasks/:taskId/done', 'cases.flash.task_done', async (r) => {
    await completeTask(ctx, requireStaff(r), param(r, 'ref'), param(r, 'taskId'));
    return undefined;
  });

  // "Check pathways" on a case (case-pathways.routes.tsx), with this workspace's page frame.
  await casePathwaysRoutes(app, ctx, frame);
}

export { AppError };

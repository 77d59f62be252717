import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { AppError } from '../../platform/errors.ts';
import { csrfFor, getStaffEmailLabels, requireStaff } from '../auth/index.ts';
import { ANOMALY_THRESHOLDS, getAccessAnomalies, getAccessLog } from './access-log.service.ts';
import { decideApproval, getSettings, listApprovalItems, updateSettings } from './approvals.service.ts';
import {
  breakGlass,
  listBreakGlassReview,
  requestBreakGlassExtension,
  reviewBreakGlass,
} from './break-glass.service.ts';
import {
  canRequestBulkExport,
  canUseQueue,
  canBreakGlass as policyCanBreakGlass,
  requireAllowed,
} from './case-access.policy.ts';
import {
  AccessLogPageView,
  AnomaliesPageView,
  ApprovalsPageView,
  BreakGlassPageView,
  ReviewPageView,
  SettingsPageView,
  TeamsPageView,
  WorkloadPageView,
} from './case-access.views.tsx';
import { addTeamMember, createTeam, getWorkload, listTeamsWithMembers } from './teams.service.ts';
import { html, isFormError, param, query, redirect, type WorkspacePages } from './workspace-routes.tsx';

/**
 * Case access under /staff/cases: teams and workload, break-glass with its review and the
 * anomaly report, four-eyes approvals, settings and a case's access log. Each route parses
 * its input, calls one service function (which authorises first) and renders a view or
 * redirects. Every route here must have an entry in cases.routes.matrix.test.ts.
 *
 * Returns the approvals page renderer, which the case core's bulk-export form re-renders
 * with its errors.
 */
export async function caseAccessRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  pages: WorkspacePages,
): Promise<{
  renderApprovals(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: AppError,
  ): Promise<FastifyReply>;
}> {
  const { frame, errorText } = pages;

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

  // Beyond its first hour a grant needs a second person (ADR 0138): a request, decided on the
  // administration page by a coordinator or an administrator.
  app.post('/staff/cases/break-glass/:grantId/extend', async (request, reply) => {
    await requestBreakGlassExtension(ctx, requireStaff(request), param(request, 'grantId'));
    return reply.redirect(`/staff/cases/break-glass?lang=${request.locale}`, 303);
  });

  app.get('/staff/cases/review', async (request, reply) => {
    const actor = requireStaff(request);
    const items = await listBreakGlassReview(ctx, actor);
    const self = (await getStaffEmailLabels(ctx, ctx.database.db, [actor.id])).get(actor.id) ?? '';
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

  app.get('/staff/cases/:ref/access-log', async (request, reply) => {
    const entries = await getAccessLog(ctx, requireStaff(request), param(request, 'ref'));
    const ref = String(param(request, 'ref')).toUpperCase();
    return html(
      reply,
      200,
      <AccessLogPageView {...(await frame(request, reply))} ref={ref} entries={entries} />,
    );
  });

  return { renderApprovals };
}

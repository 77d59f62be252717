import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { html, lockCaseForUpdate, param, workspacePages } from '../case-access/index.ts';
import { registerCaseEraser } from '../retention/index.ts';
import { currentPathway, movePathway } from './case-pathways.destinations.ts';
import {
  casePathwaysMessages,
  isCasePathwaysMessageKey,
  casePathwaysMessages as p,
} from './case-pathways.messages.ts';
import {
  CheckFormError,
  ContentChangedError,
  getPathwaysCheckForm,
  runPathwaysCheck,
  savePathwaysCheck,
} from './case-pathways.service.ts';
import { CasePathwaysFormPageView, CasePathwaysResultPageView } from './case-pathways.views.tsx';

/**
 * "Check pathways" on a case, under /staff/cases/:ref/pathways (the workspace's staff guard
 * has answered 503 while sealed, loaded the session and checked the CSRF token of every POST):
 *
 * - GET  …/pathways          the form, filled from the case (or `?from=<check id>`)
 * - POST …/pathways          run the engine on the submitted profile; nothing is stored
 * - POST …/pathways/save     save the result to the case timeline, then 303 to the case
 *
 * Every route here has an entry in cases.routes.matrix.test.ts.
 */
export async function casePathwaysRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // An erased case leaves the destination counts (ADR 0170), while its key can still open its check.
  registerCaseEraser(ctx, {
    module: 'case-pathways',
    async erase(trx, caseId) {
      const row = await lockCaseForUpdate(trx, caseId);
      if (row !== undefined)
        await movePathway(
          ctx,
          trx,
          row.created_on,
          row.team_id,
          await currentPathway(ctx, trx, caseId),
          null,
        );
      return undefined;
    },
  });
  // The workspace's page frame (navigation, flash, errors), shared with the case core.
  const { frame } = workspacePages(
    ctx,
    { has: isCasePathwaysMessageKey, text: casePathwaysMessages as never },
    new Set(),
  );
  /** A form that did not parse: shown again, with what was sent and each field's problem. */
  const formError = async (request: FastifyRequest, reply: FastifyReply, error: CheckFormError) => {
    const ref = String(param(request, 'ref')).toUpperCase();
    return html(
      reply,
      error.status,
      <CasePathwaysFormPageView
        {...(await frame(request, reply, { error: p(request.locale, 'case_pathways.field.fix') }))}
        caseRef={ref}
        csrf={csrfFor(ctx, request, reply)}
        values={error.values}
        notes={[]}
        errors={error.fields}
      />,
    );
  };

  app.get('/staff/cases/:ref/pathways', async (request, reply) => {
    const from = (request.query as Record<string, unknown> | undefined)?.from;
    const page = await getPathwaysCheckForm(ctx, requireStaff(request), param(request, 'ref'), {
      from: typeof from === 'string' ? from.slice(0, 100) : undefined,
    });
    return html(
      reply,
      200,
      <CasePathwaysFormPageView
        {...(await frame(request, reply))}
        caseRef={page.ref}
        csrf={csrfFor(ctx, request, reply)}
        values={page.values}
        notes={page.notes}
      />,
    );
  });

  app.post('/staff/cases/:ref/pathways', async (request, reply) => {
    try {
      const page = await runPathwaysCheck(
        ctx,
        requireStaff(request),
        param(request, 'ref'),
        request.body,
        request.locale,
      );
      return html(
        reply,
        200,
        <CasePathwaysResultPageView
          {...(await frame(request, reply))}
          caseRef={page.ref}
          csrf={csrfFor(ctx, request, reply)}
          values={page.values}
          result={page.result}
          canSave={page.canSave}
        />,
      );
    } catch (error) {
      if (error instanceof CheckFormError) return formError(request, reply, error);
      throw error;
    }
  });

  app.post('/staff/cases/:ref/pathways/save', async (request, reply) => {
    try {
      const saved = await savePathwaysCheck(
        ctx,
        requireStaff(request),
        param(request, 'ref'),
        request.body,
        request.locale,
      );
      return reply.redirect(
        `/staff/cases/${saved.ref}?lang=${request.locale}&flash=cases.flash.pathways_saved#check-${saved.id}`,
        303,
      );
    } catch (error) {
      if (error instanceof CheckFormError) return formError(request, reply, error);
      if (error instanceof ContentChangedError) {
        const page = error.page;
        return html(
          reply,
          error.status,
          <CasePathwaysResultPageView
            {...(await frame(request, reply, { error: p(request.locale, 'case_pathways.content_changed') }))}
            caseRef={page.ref}
            csrf={csrfFor(ctx, request, reply)}
            values={page.values}
            result={page.result}
            canSave={page.canSave}
          />,
        );
      }
      throw error;
    }
  });
}

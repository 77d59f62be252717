import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { AppError } from '../../platform/errors.ts';
import { isLocale, type Locale } from '../../platform/i18n/index.ts';
import { addStaffNav } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import {
  canUseQueue,
  caseAccessRoutes,
  html,
  isFormError,
  param,
  query,
  redirect,
  requireAllowed,
  workspacePages,
} from '../case-access/index.ts';
import {
  downloadBulkExport,
  exportCaseSummary,
  requestBulkExport,
  requestCaseSummary,
} from './case-export.service.ts';
import { saveReplyDraft } from './case-drafts.service.ts';
import { getCasePage } from './case-file.service.ts';
import { today } from './case-helpers.ts';
import { addNote, addReply, addTask, completeTask } from './case-messages.service.ts';
import { CASE_DRAFT_SCRIPT, CasePageView } from './case-page.views.tsx';
import {
  SEARCH_RESULT_LIMIT,
  searchCases,
  searchCaseText,
  TEXT_SEARCH_CASES,
} from './case-search.service.ts';
import { type CasesMessageKey, isCasesMessageKey, casesMessages as m } from './cases.messages.ts';
import { queueQuerySchema, type SearchMode, searchModeSchema } from './cases.schemas.ts';
import { assignCase, changeStatus, updateIntakeAnswers, updatePerson } from './cases.service.ts';
import { findTemplate, REPLY_TEMPLATES } from './cases.templates.ts';
import { listDueSoon, listQueue } from './queue.service.ts';
import { DuePageView, QueuePageView, SearchPageView } from './queue.views.tsx';

/**
 * The caseworker workspace under /staff/cases. Each route parses its input, calls one
 * service function (which authorises first) and renders a view or redirects (POST, then
 * 303 to a GET). The staff guard of the /staff scope has already answered 503 while sealed,
 * loaded the session and checked the CSRF token of every POST.
 *
 * Every route here must have an entry in cases.routes.matrix.test.ts.
 */

const DRAFT_SCRIPT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'case-draft.js'));

/** Errors a redirect may name (the intake module's upload route sends these back). */
const ERRORS = new Set<string>([
  'cases.document.error_type',
  'cases.document.error_damaged',
  'cases.document.error_encrypted',
  'cases.document.error_size',
  'cases.document.error_missing',
  'cases.document.error_count',
]);

export async function casesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const pages = workspacePages(ctx, { has: isCasesMessageKey, text: m as never }, ERRORS);
  const { frame, errorText } = pages;
  // Case access (teams, break-glass, approvals, settings, access log) with the same frame.
  const { renderApprovals } = await caseAccessRoutes(app, ctx, pages);
  app.get(CASE_DRAFT_SCRIPT, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(DRAFT_SCRIPT),
  );
  // The workspace's entry in the staff navigation (the kit's registry).
  addStaffNav(app, { href: '/staff/cases', label: 'staff.cases', visible: canUseQueue, order: 20 });

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
  const renderSearch = async (
    request: FastifyRequest,
    reply: FastifyReply,
    text: string,
    mode: SearchMode = 'identity',
  ) => {
    const actor = requireStaff(request);
    requireAllowed(canUseQueue(actor), 'search');
    // Queue lane (issue 21 item 2): free text over the story and messages (ADR 0185).
    const blank = text.trim() === '';
    const found = blank
      ? null
      : mode === 'text'
        ? await searchCaseText(ctx, actor, { q: text })
        : { items: await searchCases(ctx, actor, { q: text }), bounded: false, tooShort: false };
    return html(
      reply,
      200,
      <SearchPageView
        {...(await frame(request, reply))}
        csrf={csrfFor(ctx, request, reply)}
        query={text}
        mode={mode}
        results={found?.items ?? null}
        bounded={found?.bounded === true}
        tooShort={found?.tooShort === true}
        today={today()}
        limit={SEARCH_RESULT_LIMIT}
        scanned={TEXT_SEARCH_CASES}
      />,
    );
  };

  app.get('/staff/cases/search', async (request, reply) => renderSearch(request, reply, ''));

  app.post('/staff/cases/search', async (request, reply) => {
    const body = (request.body as Record<string, unknown> | undefined) ?? {};
    // An unknown mode is a translated 400 (zod), never a silent fallback.
    const mode = searchModeSchema.parse(body.in ?? 'identity');
    const q = body.q;
    return renderSearch(request, reply, typeof q === 'string' ? q.slice(0, 200) : '', mode);
  });

  // -------------------------------------------------------------------------------------------
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
    // One service call: the case key opened once, staff labels looked up once (case-file.service.ts).
    const page = await getCasePage(ctx, actor, ref);
    const file = page.file;
    const q = query(request);
    const tlang: Locale = isLocale(q.tlang) ? q.tlang : request.locale;
    const template = findTemplate(q.template);
    // A failed send or draft keeps what was typed (the saved draft otherwise, ADR 0181).
    const body = (request.body as Record<string, unknown> | undefined)?.body;
    const typed = error !== undefined && typeof body === 'string' ? body.slice(0, 20_000) : undefined;
    return html(
      reply,
      status,
      <CasePageView
        {...(await frame(request, reply, {
          error: error === undefined ? undefined : errorText(request.locale, error),
        }))}
        file={file}
        pdfQuotaReached={page.pdfQuotaReached}
        today={today()}
        csrf={csrfFor(ctx, request, reply)}
        teams={page.teams}
        staff={page.staff}
        selfId={actor.id}
        accessLog={page.accessLog}
        replyDraft={typed}
        templateId={template?.id ?? REPLY_TEMPLATES[0]!.id}
        templateLocale={tlang}
        breakGlassUntil={page.breakGlassUntil}
        errors={error?.fields}
      />,
    );
  };

  app.get('/staff/cases/:ref', async (request, reply) => renderCase(request, reply, 200));

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

  /**
   * A case form: run the service, then 303 back to the case, to the section the action came
   * from (`anchor`: the reply box, the tasks…), so the user is where they were; form errors
   * re-render the page.
   */
  const caseAction = (
    suffix: string,
    flash: CasesMessageKey,
    anchor: string,
    run: (request: FastifyRequest) => Promise<CasesMessageKey | undefined>,
    extraQuery: (request: FastifyRequest) => string = () => '',
  ) => {
    app.post(`/staff/cases/:ref/${suffix}`, async (request, reply) => {
      let chosen: CasesMessageKey | undefined;
      try {
        chosen = await run(request);
      } catch (error) {
        if (isFormError(error)) return renderCase(request, reply, error.status, error);
        throw error;
      }
      // The service has found the case, so the reference is a valid one.
      const ref = encodeURIComponent(String(param(request, 'ref')).toUpperCase());
      const target = `/staff/cases/${ref}?lang=${request.locale}&flash=${chosen ?? flash}${extraQuery(request)}#${anchor}`;
      return reply.redirect(target, 303);
    });
  };

  caseAction('person', 'cases.flash.saved', 'person', async (r) => {
    await updatePerson(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('intake', 'cases.flash.saved', 'answers', async (r) => {
    await updateIntakeAnswers(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('status', 'cases.flash.status_changed', 'case-head', async (r) => {
    const result = await changeStatus(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return result.applied ? undefined : 'cases.flash.approval_requested';
  });
  caseAction('assign', 'cases.flash.assigned', 'case-head', async (r) => {
    const result = await assignCase(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return result.applied ? undefined : 'cases.flash.self_assign_requested';
  });
  caseAction('notes', 'cases.flash.note_added', 'note', async (r) => {
    await addNote(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('replies', 'cases.flash.reply_sent', 'reply', async (r) => {
    await addReply(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('tasks', 'cases.flash.task_added', 'tasks', async (r) => {
    await addTask(ctx, requireStaff(r), param(r, 'ref'), r.body);
    return undefined;
  });
  caseAction('tasks/:taskId/done', 'cases.flash.task_done', 'tasks', async (r) => {
    await completeTask(ctx, requireStaff(r), param(r, 'ref'), param(r, 'taskId'));
    return undefined;
  });
  // The reply box kept as an encrypted draft, with a template inserted or not (ADR 0181). The
  // template's choice (never the text) comes back in the query so the selects stay as chosen.
  caseAction(
    'reply-draft',
    'cases.flash.saved',
    'reply',
    async (r) => {
      await saveReplyDraft(ctx, requireStaff(r), param(r, 'ref'), r.body);
      return undefined;
    },
    (r) => {
      const b = (r.body as Record<string, unknown> | undefined) ?? {};
      const template = findTemplate(b.template);
      const tlang = isLocale(b.tlang) ? b.tlang : undefined;
      return `${template === undefined ? '' : `&template=${template.id}`}${tlang === undefined ? '' : `&tlang=${tlang}`}`;
    },
  );
}

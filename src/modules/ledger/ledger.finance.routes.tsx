import multipart from '@fastify/multipart';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import { defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, loadStaffSession, readStaffUpload, requireStaff } from '../auth/index.ts';
import { getDonorReport } from './ledger.donor-report.ts';
import { exportBalancesCsv, exportTransfersCsv } from './ledger.exports.ts';
import { ledgerFinanceMessages as m } from './ledger.finance.messages.ts';
import {
  DonorReportView,
  ExportsView,
  ReconciliationIndexView,
  ReconciliationView,
} from './ledger.finance.views.tsx';
import { canKeepLedger } from './ledger.policy.ts';
import {
  getReconciliation,
  importStatement,
  matchLineByHand,
  saveStatementMapping,
  unmatchLine,
} from './ledger.reconcile.ts';
import { getLedgerOverview } from './ledger.service.ts';
import { MAX_STATEMENT_BYTES } from './ledger.statement-csv.ts';

/**
 * The finance pages of the ledger (issue 15 items 8–9): reconciliation, exports and the donor
 * report, under /staff/ledger (inside the /staff scope: session and CSRF checked by its guard;
 * the statement upload is multipart and checks both itself, below). Each route parses its
 * input, calls one service function (which authorises first: 404 for everyone but finance
 * officers) and renders a view, redirects (POST, then 303) or sends a CSV.
 *
 * Every route here must have an entry in ledger.routes.matrix.test.ts.
 */
const flashes = defineFlashes(
  ['ledger.flash.mapping_saved', 'ledger.flash.imported', 'ledger.flash.matched', 'ledger.flash.unmatched'],
  m,
);

/** The holding named in the path; anything but a uuid names no page. */
function holdingIdOf(request: FastifyRequest): string {
  const parsed = z.object({ holdingId: z.uuid() }).safeParse(request.params);
  if (!parsed.success) throw new AppError('not_found', 'no such holding');
  return parsed.data.holdingId;
}

async function renderReconciliation(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  holdingId: string,
  failed?: AppError,
): Promise<FastifyReply> {
  const actor = requireStaff(request);
  const reconciliation = await getReconciliation(ctx, actor, holdingId);
  const { minorUnits } = await getLedgerOverview(ctx, actor);
  const error = failed === undefined ? undefined : t(request.locale, failed.messageKey as MessageKey);
  return sendHtml(
    reply,
    failed?.status ?? 200,
    <ReconciliationView
      frame={await staffFrame(request, reply, { flashes, error })}
      csrf={csrfFor(ctx, request, reply)}
      reconciliation={reconciliation}
      minorUnits={minorUnits}
      errors={failed?.fields}
    />,
  );
}

/** Runs a form's service call; a validation error re-renders the page with the fields marked (400). */
async function formAction(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  holdingId: string,
  action: () => Promise<unknown>,
  flash: Parameters<typeof flashes.redirect>[3],
): Promise<FastifyReply> {
  try {
    await action();
  } catch (error) {
    if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
      return renderReconciliation(ctx, request, reply, holdingId, error);
    }
    throw error;
  }
  return flashes.redirect(request, reply, `/staff/ledger/reconciliation/${holdingId}`, flash);
}

export async function ledgerFinanceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/staff/ledger/reconciliation', async (request, reply) => {
    const overview = await getLedgerOverview(ctx, requireStaff(request));
    return sendHtml(
      reply,
      200,
      <ReconciliationIndexView
        frame={await staffFrame(request, reply)}
        holdings={overview.accounts.filter((a) => a.kind === 'holding')}
      />,
    );
  });

  app.get('/staff/ledger/reconciliation/:holdingId', async (request, reply) => {
    const holdingId = holdingIdOf(request);
    return renderReconciliation(ctx, request, reply, holdingId);
  });

  // The three forms of the reconciliation page: each calls one service and redirects back.
  const forms = {
    mapping: {
      flash: 'ledger.flash.mapping_saved',
      run: (actor: StaffActor, holdingId: string, body: Record<string, unknown>) =>
        saveStatementMapping(ctx, actor, { ...body, holdingAccountId: holdingId }),
    },
    match: {
      flash: 'ledger.flash.matched',
      run: (actor: StaffActor, _: string, body: Record<string, unknown>) =>
        matchLineByHand(ctx, actor, { lineId: body.lineId, transferId: body.transferId }),
    },
    unmatch: {
      flash: 'ledger.flash.unmatched',
      run: (actor: StaffActor, _: string, body: Record<string, unknown>) =>
        unmatchLine(ctx, actor, { lineId: body.lineId }),
    },
  } as const;
  for (const [name, form] of Object.entries(forms)) {
    app.post(`/staff/ledger/reconciliation/:holdingId/${name}`, async (request, reply) => {
      const actor = requireStaff(request);
      const holdingId = holdingIdOf(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      return formAction(ctx, request, reply, holdingId, () => form.run(actor, holdingId, body), form.flash);
    });
  }

  app.get('/staff/ledger/exports', async (request, reply) => {
    // Only to authorise: the page itself names no data.
    await getLedgerOverview(ctx, requireStaff(request));
    return sendHtml(reply, 200, <ExportsView frame={await staffFrame(request, reply)} />);
  });

  const csvHeaders = (reply: FastifyReply, name: string) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store');

  app.get('/staff/ledger/exports/transfers.csv', async (request, reply) => {
    const chunks = await exportTransfersCsv(ctx, requireStaff(request));
    return csvHeaders(reply, 'ledger-transfers.csv').send(Readable.from(chunks));
  });

  app.get('/staff/ledger/exports/balances.csv', async (request, reply) => {
    const csv = await exportBalancesCsv(ctx, requireStaff(request));
    return csvHeaders(reply, 'ledger-balances.csv').send(csv);
  });

  app.get('/staff/ledger/donor-report', async (request, reply) => {
    const actor = requireStaff(request);
    const overview = await getLedgerOverview(ctx, actor);
    const query = request.query as Record<string, unknown>;
    const report =
      typeof query.funding === 'string' && query.funding !== ''
        ? await getDonorReport(ctx, actor, { fundingAccountId: query.funding })
        : undefined;
    return sendHtml(
      reply,
      200,
      <DonorReportView
        frame={await staffFrame(request, reply)}
        fundingSources={overview.accounts.filter((a) => a.kind === 'funding')}
        report={report}
        threshold={report?.threshold ?? 10}
      />,
    );
  });
}

/**
 * The statement upload (multipart), in its own scope: the /staff guard checks the CSRF field of
 * a parsed form body, but a multipart body is read here as a stream, so this scope loads the
 * session itself and checks the CSRF field, which the form sends first, before reading the
 * file. Not a finance officer: 404 before anything is read.
 */
export async function ledgerStatementUploadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: false });
  app.decorateRequest('staff', null);
  app.addHook('preHandler', async (request) => {
    await loadStaffSession(ctx, request);
  });

  app.post('/staff/ledger/reconciliation/:holdingId/statements', async (request, reply) => {
    const actor = requireStaff(request);
    if (!canKeepLedger(actor)) throw new AppError('not_found', 'reconciliation');
    const holdingId = holdingIdOf(request);
    const { file, truncated } = await readStaffUpload(ctx, request, {
      fileSize: MAX_STATEMENT_BYTES,
      fields: [],
    });
    try {
      await importStatement(ctx, actor, { holdingAccountId: holdingId, file, truncated });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return renderReconciliation(ctx, request, reply, holdingId, error);
      }
      throw error;
    } finally {
      file?.fill(0);
    }
    return flashes.redirect(
      request,
      reply,
      `/staff/ledger/reconciliation/${holdingId}`,
      'ledger.flash.imported',
    );
  });
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { addStaffNav, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { requireStaff } from '../auth/index.ts';
import { ledgerBookkeepingRoutes } from './ledger.bookkeeping.routes.tsx';
import { disbursementRoutes } from './ledger.disbursements.routes.tsx';
import { ledgerFinanceRoutes } from './ledger.finance.routes.tsx';
import { ledgerMessages as m } from './ledger.messages.ts';
import { ledgerPaymentRoutes } from './ledger.payments.routes.tsx';
import { canKeepLedger } from './ledger.policy.ts';
import { getLedgerOverview, getRecentTransfers } from './ledger.service.ts';
import { AccountsPageView, TransfersPageView } from './ledger.views.tsx';

/**
 * The ledger's staff pages (inside the /staff scope: session and CSRF checked by its guard).
 * Finance officers see balances and recent transfers; the approval queue, payments,
 * reconciliation and rewards join as issue 15 goes on. Everyone else gets 404.
 */
export async function ledgerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, {
    href: '/staff/ledger',
    label: (l) => m(l, 'ledger.nav'),
    visible: canKeepLedger,
    order: 35,
  });

  app.get('/staff/ledger', async (request, reply) => {
    const overview = await getLedgerOverview(ctx, requireStaff(request));
    return sendHtml(
      reply,
      200,
      <AccountsPageView frame={await staffFrame(request, reply)} overview={overview} />,
    );
  });

  app.get('/staff/ledger/transfers', async (request, reply) => {
    const actor = requireStaff(request);
    const transfers = await getRecentTransfers(ctx, actor);
    const { minorUnits } = await getLedgerOverview(ctx, actor);
    return sendHtml(
      reply,
      200,
      <TransfersPageView
        frame={await staffFrame(request, reply)}
        transfers={transfers}
        minorUnits={minorUnits}
      />,
    );
  });

  await disbursementRoutes(app, ctx);
  // Reconciliation, exports and the donor report (issue 15 item 8).
  await ledgerFinanceRoutes(app, ctx);
  // The payment out of the bank (ADR 0202).
  await ledgerPaymentRoutes(app, ctx);
  // Accounts, deposits, allocations, rates, conversions and corrections (issue 15 items 1 and 7).
  await ledgerBookkeepingRoutes(app, ctx);
}

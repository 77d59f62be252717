import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../platform/errors.ts';
import { type MessageKey, t } from '../../platform/i18n/index.ts';
import { defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import type { ItemOutcome } from './ledger.multi.ts';
import { getPaymentsOut, MAX_PAYMENT_ROWS, recordPayments } from './ledger.payments.ts';
import { ledgerPaymentsMessages as m } from './ledger.payments.messages.ts';
import { PaymentsOutView } from './ledger.payments.views.tsx';

/**
 * The page for payments out of the bank (`/staff/ledger/payments`, inside the /staff scope:
 * session and CSRF checked by its guard). The services authorise first: 404 for everyone but
 * finance officers. Every route here has an entry in ledger.finance.matrix.test.ts.
 */
const flashes = defineFlashes(['ledger.flash.payments_recorded'], m);

/** The ticked rows of the form (`pay` = row numbers; `id_N`, `recipient_N`, `holding_N`, `amount_N`). */
function tickedPayments(body: Record<string, unknown>): Record<string, unknown>[] {
  const pay = Array.isArray(body.pay) ? body.pay : body.pay === undefined ? [] : [body.pay];
  const rows = [...new Set(pay.filter((p): p is string => typeof p === 'string' && /^[0-9]{1,4}$/.test(p)))];
  return rows.slice(0, MAX_PAYMENT_ROWS + 1).map((i) => ({
    id: body[`id_${i}`],
    recipientAccountId: body[`recipient_${i}`],
    holdingAccountId: body[`holding_${i}`],
    amount: body[`amount_${i}`],
  }));
}

async function render(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  options: {
    refused?: ReadonlyArray<{ recipientAccountId: unknown; outcome: ItemOutcome }>;
    error?: string;
  } = {},
): Promise<FastifyReply> {
  const payments = await getPaymentsOut(ctx, requireStaff(request));
  const labels = new Map(payments.toPay.map(({ recipient: r }) => [r.id, `${r.label} (${r.currency})`]));
  const refused = options.refused?.map((r) => ({
    label: labels.get(String(r.recipientAccountId)) ?? '—',
    outcome: r.outcome,
  }));
  return sendHtml(
    reply,
    status,
    <PaymentsOutView
      frame={await staffFrame(request, reply, { flashes })}
      csrf={csrfFor(ctx, request, reply)}
      payments={payments}
      {...(refused === undefined ? {} : { refused })}
      {...(options.error === undefined ? {} : { error: options.error })}
    />,
  );
}

export async function ledgerPaymentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/staff/ledger/payments', (request, reply) => render(ctx, request, reply, 200));

  app.post('/staff/ledger/payments', async (request, reply) => {
    const actor = requireStaff(request);
    const payments = tickedPayments((request.body ?? {}) as Record<string, unknown>);
    if (payments.length === 0) {
      return render(ctx, request, reply, 400, { error: m(request.locale, 'ledger.payments.choose') });
    }
    let outcomes: ItemOutcome[];
    try {
      outcomes = await recordPayments(ctx, actor, { payments });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return render(ctx, request, reply, 400, { error: t(request.locale, error.messageKey as MessageKey) });
      }
      throw error;
    }
    if (outcomes.every((o) => o.ok)) {
      return flashes.redirect(request, reply, '/staff/ledger/payments', 'ledger.flash.payments_recorded');
    }
    const refused = outcomes.flatMap((outcome, i) =>
      outcome.ok ? [] : [{ recipientAccountId: payments[i]!.recipientAccountId, outcome }],
    );
    // Some were recorded (or none): the refused ones are named; the page shows what is still to pay.
    return render(ctx, request, reply, outcomes.some((o) => o.ok) ? 200 : 409, { refused });
  });
}

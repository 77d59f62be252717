import { z } from 'zod';
import { type Actor, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { findCaseById } from '../case-access/index.ts';
import { decimalAmountSchema, toMinorUnits } from './ledger.disbursements.schemas.ts';
import { MAX_REQUEST_ITEMS } from './ledger.group-commit.ts';
import { createTransfers, type ItemOutcome } from './ledger.multi.ts';
import { canKeepLedger } from './ledger.policy.ts';
import { getLedgerOverview, type LedgerAccount, parse } from './ledger.service.ts';

/**
 * The payment out of the bank (issue 15): what was disbursed for a case sits on the case's
 * recipient account until the finance officer records that it left a holding (a bank account,
 * a card, a wallet): a posted transfer of kind `payment`, recipient → holding, which the bank
 * statement then reconciles. The page lists every recipient account with money still to pay
 * out; the officer records one payment or many at once, as one multi-transfer request
 * (ADR 0202): each payment carries the id its form was given (a repeated submission answers
 * the stored payment and moves nothing twice), and each is refused alone (not enough in the
 * holding, more than the recipient's balance, another currency) while the others are recorded.
 * Finance officers only; everyone else 404.
 */
export interface PaymentsOut {
  /** Recipient accounts with a posted balance still to pay out, each with the holdings of its currency. */
  toPay: Array<{ recipient: LedgerAccount; holdings: LedgerAccount[] }>;
  minorUnits: Record<string, number>;
}

/** The most rows the page shows (and one request records): the oldest codes first. */
export const MAX_PAYMENT_ROWS = 200;

/**
 * What is still to pay out, as this actor may see it: a restricted case's recipient account only
 * for the case's team (getLedgerOverview, ADR 0210); recordPayments refuses the others like
 * unknown accounts.
 */
export async function getPaymentsOut(ctx: AppContext, actor: Actor): Promise<PaymentsOut> {
  requireAllowed(canKeepLedger(actor), 'ledger.payments');
  const { accounts, minorUnits } = await getLedgerOverview(ctx, actor);
  const holdings = accounts.filter((a) => a.kind === 'holding');
  const recipients = accounts
    .filter((a) => a.kind === 'recipient' && a.balance > 0)
    .slice(0, MAX_PAYMENT_ROWS);
  const db = ctx.database.db;
  const toPay = [];
  for (const recipient of recipients) {
    // Named by the case's reference, as on the disbursement's page, so the payer finds the
    // payment they just posted (a restricted case keeps its account's own label, ADR 0158).
    const c = recipient.caseId === null ? undefined : await findCaseById(db, recipient.caseId);
    toPay.push({
      recipient: c === undefined || c.restricted ? recipient : { ...recipient, label: c.ref },
      holdings: holdings.filter((h) => h.currency === recipient.currency),
    });
  }
  return { toPay, minorUnits };
}

const paymentSchema = z.object({
  id: z.uuid(),
  recipientAccountId: z.uuid(),
  holdingAccountId: z.uuid(),
  amount: decimalAmountSchema,
});
const paymentsSchema = z.object({
  payments: z.array(z.unknown()).min(1).max(Math.min(MAX_PAYMENT_ROWS, MAX_REQUEST_ITEMS)),
});

/**
 * Records payments out of holdings: `{ payments: [{ id, recipientAccountId, holdingAccountId,
 * amount: "12.50" }, …] }`. Answers each payment in order (ItemOutcome). A payment larger than
 * what its recipient account holds (less what earlier payments of the request, or of anyone
 * else's at the same moment, take) is refused with `ledger_limit` by the core, under the chain
 * lock: recipient accounts have a floor of zero (ADR 0209), holdings their own limit. Nothing
 * read here, before the lock, decides an amount.
 */
export async function recordPayments(ctx: AppContext, actor: Actor, input: unknown): Promise<ItemOutcome[]> {
  requireAllowed(canKeepLedger(actor), 'ledger.payment_record');
  const { payments } = parse(paymentsSchema, input);
  const { accounts, minorUnits } = await getLedgerOverview(ctx, actor);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const checked = payments.map((raw, index) => {
    try {
      const p = parse(paymentSchema, raw);
      const recipient = byId.get(p.recipientAccountId);
      const holding = byId.get(p.holdingAccountId);
      if (recipient?.kind !== 'recipient') {
        throw new AppError('validation_failed', 'not a recipient', {
          fields: { recipientAccountId: 'field.invalid' },
        });
      }
      if (holding?.kind !== 'holding' || holding.currency !== recipient.currency) {
        throw new AppError('validation_failed', 'not a holding of the currency', {
          fields: { holdingAccountId: 'field.invalid' },
        });
      }
      const amount = toMinorUnits(p.amount, minorUnits[recipient.currency] ?? 2);
      if (amount === undefined) {
        throw new AppError('validation_failed', 'invalid amount', {
          fields: { amount: 'ledger.amount_invalid' },
        });
      }
      return {
        index,
        transfer: {
          id: p.id,
          kind: 'payment',
          debitAccountId: recipient.id,
          creditAccountId: holding.id,
          amount,
          currency: recipient.currency,
        },
      };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const id = (raw as { id?: unknown } | null)?.id;
      const refused: ItemOutcome = {
        id: typeof id === 'string' ? id.slice(0, 100) : '',
        ok: false,
        code: error.code,
        ...(error.fields === undefined ? {} : { fields: error.fields }),
      };
      return { index, refused };
    }
  });
  const accepted = checked.flatMap((c) => ('transfer' in c ? [c.transfer] : []));
  const outcomes = accepted.length === 0 ? [] : await createTransfers(ctx, actor, { transfers: accepted });
  let next = 0;
  return checked.map((c) => ('refused' in c ? c.refused! : outcomes[next++]!));
}

import { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { LedgerAccountKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { registerAct, requestAct, staffOnly } from '../case-access/index.ts';
import { listRecentRates, listReversedIds } from './ledger.bookkeeping.repository.ts';
import { findSettings } from './ledger.disbursements.repository.ts';
import { decimalAmountSchema, toMinorUnits } from './ledger.disbursements.schemas.ts';
import { setBudgetTerms } from './ledger.donor-report.ts';
import { canConfigureAssistance, canKeepLedger } from './ledger.policy.ts';
import { findCurrency } from './ledger.repository.ts';
import { rateSchema } from './ledger.schemas.ts';
import { convertFunds, type LedgerRate, storeRate } from './ledger.rates.ts';
import {
  addCurrency,
  createTransfer,
  getLedgerOverview,
  getRecentTransfers,
  getTransfer,
  inTransaction,
  type LedgerAccount,
  type LedgerTransferLine,
  openAccount,
  parse,
  reverseTransfer,
} from './ledger.service.ts';

/**
 * The finance officer's bookkeeping (issue 15 items 1 and 7, `/staff/ledger/bookkeeping`):
 * opening funding sources, budget lines and holdings, recording a donor's money arriving and
 * its allocation to budget lines, exchange rates typed in with their source and date,
 * conversions at a stored rate, and corrections (a reversing transfer, never an edit). Each
 * form answers one core function, which authorises, audits and checks the limits.
 *
 * None of these forms reaches a recipient account: money reaches a case only through a
 * disbursement request with its approvals (ledger.disbursements.ts). So the accounts these
 * forms accept are funding sources, budget lines and holdings, checked here, not only in the page.
 */

/** The account kinds a bookkeeping form may name. */
const BOOKKEEPING_KINDS: readonly LedgerAccountKind[] = ['funding', 'budget', 'holding'];

/** What a deposit and an allocation move, as (debit kind, credit kind). */
const MOVES = {
  deposit: ['holding', 'funding'],
  allocation: ['funding', 'budget'],
} as const satisfies Record<string, readonly [LedgerAccountKind, LedgerAccountKind]>;

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const accountFormSchema = z.object({
  kind: z.enum(['funding', 'budget', 'holding']),
  code: z.string(),
  label: z.string(),
  currency: z.string().trim().toUpperCase(),
  overdraft: optionalText.pipe(decimalAmountSchema.optional()),
  purpose: optionalText,
  country: optionalText,
  fundingAccountId: optionalText,
});

const moveFormSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['deposit', 'allocation']),
  debitAccountId: z.uuid(),
  creditAccountId: z.uuid(),
  amount: decimalAmountSchema,
});

const conversionFormSchema = z.object({
  id: z.uuid(),
  fromAccountId: z.uuid(),
  toAccountId: z.uuid(),
  amount: decimalAmountSchema,
  rateId: z.uuid(),
});

const correctionFormSchema = z.object({ id: z.uuid(), transferId: z.uuid() });

const currencyFormSchema = z.object({
  code: z.string().trim().toUpperCase(),
  minorUnits: z.coerce.number().int(),
});

export interface Bookkeeping {
  accounts: LedgerAccount[];
  minorUnits: Record<string, number>;
  rates: LedgerRate[];
  /** Recent posted transfers that may still be corrected (not a correction, not yet reversed). */
  correctable: LedgerTransferLine[];
}

export async function getBookkeeping(ctx: AppContext, actor: Actor): Promise<Bookkeeping> {
  requireAllowed(canKeepLedger(actor), 'ledger.bookkeeping');
  const db = ctx.database.db;
  const [overview, transfers, rates] = await Promise.all([
    getLedgerOverview(ctx, actor),
    getRecentTransfers(ctx, actor, 50),
    listRecentRates(db, 20),
  ]);
  const reversed = await listReversedIds(
    db,
    transfers.map((x) => x.id),
  );
  return {
    accounts: overview.accounts.filter((a) => BOOKKEEPING_KINDS.includes(a.kind)),
    minorUnits: overview.minorUnits,
    rates: rates.map((r) => ({
      id: r.id,
      from: r.from_currency,
      to: r.to_currency,
      rate: r.rate,
      source: r.source,
      rateDate: r.rate_date,
    })),
    correctable: transfers.filter(
      (x) =>
        x.status === 'posted' &&
        x.kind !== 'correction' &&
        !reversed.has(x.id) &&
        x.debitCode !== '—' &&
        x.creditCode !== '—',
    ),
  };
}

const invalid = (field: string, detail: string) =>
  new AppError('validation_failed', detail, { fields: { [field]: 'field.invalid' } });

/** A typed amount in the currency's minor units, or a validation error on the amount field. */
function minorAmount(text: string, currency: string, minorUnits: Record<string, number>): number {
  const amount = toMinorUnits(text, minorUnits[currency] ?? 2);
  if (amount === undefined) throw invalid('amount', 'amount not representable');
  return amount;
}

/** The accounts the actor may see, by id (restricted cases' recipients are not among them). */
async function visibleAccounts(ctx: AppContext, actor: Actor) {
  const overview = await getLedgerOverview(ctx, actor);
  return { byId: new Map(overview.accounts.map((a) => [a.id, a])), minorUnits: overview.minorUnits };
}

/**
 * Opens a funding source, budget line or holding; a budget line may name its purpose, country
 * and funding source (for the donor report) in the same step, all or nothing.
 */
export async function openBookkeepingAccount(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.account_open');
  const data = parse(accountFormSchema, input);
  const { minorUnits } = await visibleAccounts(ctx, actor);
  const minor = minorUnits[data.currency];
  if (minor === undefined) throw invalid('currency', 'unknown currency');
  const overdraft = data.overdraft === undefined ? 0 : toMinorUnits(data.overdraft, minor);
  if (overdraft === undefined) throw invalid('overdraft', 'overdraft not representable');
  const terms = [data.purpose, data.country, data.fundingAccountId];
  const withTerms = terms.some((x) => x !== undefined);
  if (withTerms && (data.kind !== 'budget' || terms.some((x) => x === undefined))) {
    const missing =
      data.kind !== 'budget'
        ? 'purpose'
        : (['purpose', 'country', 'fundingAccountId'] as const)[terms.indexOf(undefined)]!;
    throw invalid(missing, 'a budget line names its purpose, country and funding source together');
  }
  await inTransaction(ctx, undefined, async (t) => {
    const account = await openAccount(
      ctx,
      actor,
      {
        kind: data.kind,
        code: data.code,
        label: data.label,
        currency: data.currency,
        limitMinor: overdraft,
      },
      t,
    );
    if (withTerms) {
      await setBudgetTerms(
        ctx,
        actor,
        {
          accountId: account.id,
          purpose: data.purpose,
          country: data.country,
          fundingAccountId: data.fundingAccountId,
        },
        t,
      );
    }
  });
}

/**
 * A deposit (money arrived in a holding for a funding source) or an allocation (from a funding
 * source to a budget line), posted at once. Idempotent by the form's id: the same form again
 * answers the same transfer; changed, it is a 409.
 */
export async function recordBookkeepingMove(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer_create');
  const data = parse(moveFormSchema, input);
  const { byId, minorUnits } = await visibleAccounts(ctx, actor);
  const [debitKind, creditKind] = MOVES[data.kind];
  const debit = byId.get(data.debitAccountId);
  const credit = byId.get(data.creditAccountId);
  if (debit?.kind !== debitKind) throw invalid('debitAccountId', `not a ${debitKind}`);
  if (credit?.kind !== creditKind) throw invalid('creditAccountId', `not a ${creditKind}`);
  if (credit.currency !== debit.currency) throw invalid('creditAccountId', 'another currency');
  const amount = minorAmount(data.amount, debit.currency, minorUnits);
  await createTransfer(ctx, actor, {
    id: data.id,
    kind: data.kind,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
  });
}

/** A conversion between two holdings, funding sources or budget lines at a stored rate. */
export async function recordBookkeepingConversion(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.convert');
  const data = parse(conversionFormSchema, input);
  const { byId, minorUnits } = await visibleAccounts(ctx, actor);
  const from = byId.get(data.fromAccountId);
  const to = byId.get(data.toAccountId);
  if (from === undefined || !BOOKKEEPING_KINDS.includes(from.kind))
    throw invalid('fromAccountId', 'not allowed');
  if (to === undefined || !BOOKKEEPING_KINDS.includes(to.kind)) throw invalid('toAccountId', 'not allowed');
  const amount = minorAmount(data.amount, from.currency, minorUnits);
  await convertFunds(ctx, actor, {
    id: data.id,
    fromAccountId: from.id,
    toAccountId: to.id,
    amount,
    rateId: data.rateId,
  });
}

/**
 * A correction: the reversing transfer of a posted one (never an edit). A transfer that names
 * an account the actor may not see does not exist for them.
 */
export async function correctTransfer(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer_reverse');
  const data = parse(correctionFormSchema, input);
  const { byId } = await visibleAccounts(ctx, actor);
  const original = await getTransfer(ctx, actor, data.transferId);
  if (!byId.has(original.debitAccountId) || !byId.has(original.creditAccountId)) {
    throw new AppError('not_found', 'no such transfer');
  }
  await reverseTransfer(ctx, actor, { id: data.id, reversesId: original.id });
}

/** Adds an ISO 4217 currency with its minor units (the nine of the programme are there from the start). */
export async function addBookkeepingCurrency(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.currency');
  await addCurrency(ctx, actor, parse(currencyFormSchema, input));
}

/**
 * An exchange rate typed in on the page. A rate between two other currencies is stored at once.
 * A rate into or out of the base currency prices disbursement requests for their approval tier
 * (ledger.disbursements.ts): a false low rate would let a large request through with one
 * approver, so it is a two-person act (kind `ledger_rate`, ADR 0216), stored when an
 * administrator other than the one who typed it approves it on /staff/admin/requests.
 */
export async function recordBookkeepingRate(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<'stored' | 'requested'> {
  requireAllowed(canKeepLedger(actor), 'ledger.rate');
  const data = parse(rateSchema, input);
  return inTransaction(ctx, undefined, async (t) => {
    const { base_currency: baseCurrency } = await findSettings(t);
    if (data.from !== baseCurrency && data.to !== baseCurrency) {
      await storeRate(t, data, actorLabel(actor));
      return 'stored' as const;
    }
    for (const code of [data.from, data.to]) {
      if ((await findCurrency(t, code)) === undefined)
        throw invalid(code === data.from ? 'from' : 'to', 'unknown currency');
    }
    await requestAct(ctx, t, {
      kind: 'ledger_rate',
      requestedBy: staffOnly(actor).id,
      payload: {
        from: data.from,
        to: data.to,
        rate: data.rate,
        source: data.source,
        rateDate: data.rateDate,
      },
    });
    return 'requested' as const;
  });
}

registerAct('ledger_rate', {
  canDecide: canConfigureAssistance,
  describe: (p) => [
    `record the exchange rate ${p.from ?? ''} → ${p.to ?? ''}: ${p.rate ?? ''} of ${p.rateDate ?? ''} (source: ${p.source ?? ''})`,
    'disbursement requests in this currency are then priced at it for their approval tier',
  ],
  async execute(_ctx, trx, p, by) {
    const parsed = rateSchema.safeParse(p);
    if (!parsed.success) throw new AppError('conflict', 'the filed rate is not a rate');
    await storeRate(trx, parsed.data, by.requester, by.reason);
    return { target: `ledger:rate:${parsed.data.from}/${parsed.data.to}` };
  },
});

import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { CaseRow, DisbursementPurpose, PaymentChannel, PaymentDetailsKind } from '../../db/types.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import {
  authoriseCase,
  findCaseById,
  findCaseByRef,
  registerAct,
  requestAct,
  staffOnly,
} from '../case-access/index.ts';
import { subjectOf, today } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { caseHasOpenSignal } from '../vetting/index.ts';
import {
  type ApprovalFacts,
  countedApprovals,
  loadApprovalFacts,
  type Missing,
  missingForPost,
  tierFor,
} from './ledger.approval-rules.ts';
import {
  CHANNELS,
  disbursementIdSchema,
  disbursementRequestSchema,
  PURPOSES,
  revealSchema,
  thresholdsSchema,
  toMinorUnits,
} from './ledger.disbursements.schemas.ts';
import {
  caseHasSignoff,
  type DisbursementRow,
  findDisbursement,
  findSettings,
  insertApproval,
  insertDisbursement,
  insertSignoff,
  listApprovals,
  listDisbursements,
  listSignoffs,
  countReveal,
  setDenied,
  updateSettings,
} from './ledger.disbursements.repository.ts';
import { openPaymentDetails, type PaymentDetails, sealPaymentDetails } from './ledger.payment-details.ts';
import {
  canApproveDisbursement,
  canConfigureAssistance,
  canKeepLedger,
  canPayDisbursement,
  canRequestDisbursement,
  canSeeDisbursements,
  canSignOffDisbursement,
  canVerifyReward,
  onBehalfOfRequest,
  TOP_TIER_ROLES,
} from './ledger.policy.ts';
import { convertAmount, rateOn } from './ledger.rates.ts';
import {
  findAccountById,
  findCurrency,
  findTransfer,
  listAccounts,
  listCurrencies,
} from './ledger.repository.ts';
import {
  createTransfer,
  inTransaction,
  openAccount,
  parse,
  postTransfer,
  voidTransfer,
} from './ledger.service.ts';

/**
 * Disbursement requests with approval tiers (issue 15 item 3, ADR 0120). A request reserves the
 * amount on a budget line as a pending transfer to the case's pseudonymous recipient account;
 * approvals, the vetting officer's sign-off (item 5) and, for rewards, verification steps (item
 * 6) are recorded beside it; the finance officer reveals the payment details once (item 4) and
 * posts. The core refuses to post a request that lacks anything (ledger.approval-rules.ts),
 * whoever asks, and `ledger verify` checks it again. Every decision is audited.
 */

const DAY_MS = 86_400_000;
/** A request's reservation lasts until two weeks after its due date (at most the core's 90 days). */
const GRACE_DAYS = 14;

const fieldError = (field: string, detail: string) =>
  new AppError('validation_failed', detail, { fields: { [field]: 'field.invalid' } });

const target = (id: string) => `ledger:disbursement:${id}`;

export interface RequestCommon {
  id: string;
  caseRef: string;
  budgetAccountId: string;
  amountText?: string;
  /** A fixed amount (a reward from the schedule) instead of a typed one. */
  fixed?: { amount: number; currency: string };
  purpose: DisbursementPurpose;
  channel: PaymentChannel;
  dueOn: string;
  kind: 'disbursement' | 'reward';
  payment?: PaymentDetails;
}

/**
 * Whether a request sent again with an id already used is the same request (issue 15 item 2):
 * the same requester, case, kind, budget line, amount, purpose, channel, due date and payment
 * details. Only then does it answer the stored request; anything else is an idempotency
 * conflict (409), never a quiet answer about another amount.
 */
async function sameRequest(
  ctx: AppContext,
  t: Db,
  earlier: DisbursementRow,
  caseRow: CaseRow,
  actor: Actor,
  input: RequestCommon,
): Promise<boolean> {
  const minor = (await findCurrency(t, earlier.currency))?.minor_units ?? 2;
  const amount = input.fixed?.amount ?? toMinorUnits(input.amountText ?? '', minor);
  if (
    earlier.requested_by !== actorLabel(actor) ||
    earlier.case_id !== caseRow.id ||
    earlier.kind !== input.kind ||
    earlier.budget_account_id !== input.budgetAccountId ||
    earlier.amount !== amount ||
    earlier.purpose !== input.purpose ||
    earlier.channel !== input.channel ||
    earlier.due_on !== input.dueOn ||
    earlier.payment_kind !== (input.payment?.kind ?? null)
  ) {
    return false;
  }
  const blob = earlier.payment_details_enc;
  if (blob === null || input.payment === undefined) return true;
  const kind = input.payment.kind;
  const stored = await withSubjectKey(
    ctx,
    subjectOf(caseRow.id),
    (key) => openPaymentDetails(key, earlier.id, kind, blob),
    t,
  );
  return stored.value === input.payment.value;
}

/**
 * Opens a request in the caller's transaction: authorises the case (write), prices it in the
 * base currency, decides tier and sign-off, reserves the amount and seals the payment details.
 * Returns the row and the case, or the earlier row for a retried id.
 */
export async function openRequest(
  ctx: AppContext,
  actor: Actor,
  t: Db,
  input: RequestCommon,
  now: Date,
): Promise<{ row: DisbursementRow; caseRow: CaseRow; created: boolean }> {
  const earlier = await findDisbursement(t, input.id);
  const { row: caseRow } = await authoriseCase(t, actor, input.caseRef, 'write');
  if (earlier !== undefined) {
    if (!(await sameRequest(ctx, t, earlier, caseRow, actor, input))) {
      throw new AppError('idempotency_conflict', 'disbursement id reused');
    }
    return { row: earlier, caseRow, created: false };
  }
  const budget = await findAccountById(t, input.budgetAccountId);
  if (budget === undefined || budget.kind !== 'budget')
    throw fieldError('budgetAccountId', 'not a budget line');
  const currency = budget.currency;
  const minor = (await findCurrency(t, currency))!.minor_units;
  let amount: number | undefined;
  if (input.fixed !== undefined) {
    if (input.fixed.currency !== currency)
      throw fieldError('budgetAccountId', 'budget line in another currency');
    amount = input.fixed.amount;
  } else {
    amount = toMinorUnits(input.amountText ?? '', minor);
  }
  if (amount === undefined) throw fieldError('amount', 'amount not representable');
  const due = Date.parse(`${input.dueOn}T23:59:59Z`);
  if (!(due >= now.getTime() - DAY_MS)) throw fieldError('dueOn', 'due date in the past');
  const settings = await findSettings(t);
  let baseAmount = amount;
  let rateId: string | null = null;
  if (currency !== settings.base_currency) {
    const rate = await rateOn(t, currency, settings.base_currency, today(now));
    if (rate === undefined) throw fieldError('budgetAccountId', 'no stored rate to the base currency');
    const baseMinor = (await findCurrency(t, settings.base_currency))!.minor_units;
    baseAmount = convertAmount(amount, rate.rate, minor, baseMinor);
    rateId = rate.id;
  }
  const tier = input.kind === 'reward' ? 3 : tierFor(baseAmount, settings.tier1_minor, settings.tier2_minor);
  const needsSignoff = (await caseHasOpenSignal(t, caseRow.id)) || !(await caseHasSignoff(t, caseRow.id));
  const delegate = onBehalfOfRequest(actor);
  const recipient = await openAccount(ctx, delegate, { kind: 'recipient', caseId: caseRow.id, currency }, t);
  const pendingSeconds = Math.min(
    90 * 86_400,
    Math.max(3600, Math.floor((due + GRACE_DAYS * DAY_MS - now.getTime()) / 1000)),
  );
  await createTransfer(
    ctx,
    delegate,
    {
      id: input.id,
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount,
      currency,
      pendingSeconds,
    },
    { trx: t, now },
  );
  const payment = input.payment;
  const sealed =
    payment === undefined
      ? null
      : await withSubjectKey(
          ctx,
          subjectOf(caseRow.id),
          (key) => sealPaymentDetails(key, input.id, payment),
          t,
        );
  await insertDisbursement(t, {
    id: input.id,
    kind: input.kind,
    case_id: caseRow.id,
    budget_account_id: budget.id,
    recipient_account_id: recipient.id,
    amount,
    currency,
    base_amount: baseAmount,
    base_currency: settings.base_currency,
    rate_id: rateId,
    tier1_minor: settings.tier1_minor,
    tier2_minor: settings.tier2_minor,
    tier,
    purpose: input.purpose,
    channel: input.channel,
    due_on: input.dueOn,
    requested_by: actorLabel(actor),
    requested_at: now,
    needs_signoff: needsSignoff,
    payment_kind: payment?.kind ?? null,
    payment_details_enc: sealed,
    paused_at: null,
    denied_by: null,
    denied_at: null,
  });
  await recordAudit(t, {
    actor: actorLabel(actor),
    action: input.kind === 'reward' ? 'ledger.reward_claim' : 'ledger.disbursement_request',
    target: `case:${caseRow.ref}`,
    reason: `disbursement ${input.id} tier ${tier}`,
  });
  return { row: (await findDisbursement(t, input.id))!, caseRow, created: true };
}

/** A caseworker's (or coordinator's) request for a case they may write. Idempotent by its id. */
export async function requestDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<{ id: string; tier: number; needsSignoff: boolean }> {
  requireAllowed(canRequestDisbursement(actor), 'ledger.disbursement_request');
  const data = parse(disbursementRequestSchema, input);
  const now = options.now ?? new Date();
  const { row } = await inTransaction(ctx, options.trx, (t) =>
    openRequest(
      ctx,
      actor,
      t,
      {
        id: data.id,
        caseRef: data.caseRef,
        budgetAccountId: data.budgetAccountId,
        amountText: data.amount,
        purpose: data.purpose,
        channel: data.channel,
        dueOn: data.dueOn,
        kind: 'disbursement',
        ...(data.paymentKind === undefined || data.paymentDetails === undefined
          ? {}
          : { payment: { kind: data.paymentKind, value: data.paymentDetails } }),
      },
      now,
    ),
  );
  return { id: row.id, tier: row.tier, needsSignoff: row.needs_signoff };
}

/** Locks a disbursement that is still waiting (pending transfer, not denied), or refuses. */
export async function lockWaiting(t: Db, id: string): Promise<DisbursementRow> {
  const row = await findDisbursement(t, id, { forUpdate: true });
  if (row === undefined) throw new AppError('not_found', 'no such disbursement');
  const transfer = await findTransfer(t, id);
  if (row.denied_at !== null || transfer?.status !== 'pending') {
    throw new AppError('conflict', 'disbursement is no longer waiting');
  }
  return row;
}

function mayApprove(actor: Actor, row: Pick<DisbursementRow, 'tier' | 'requested_by'>): boolean {
  if (!canApproveDisbursement(actor) || actor.kind !== 'staff') return false;
  if (row.requested_by === actor.id) return false;
  return row.tier < 3 || (TOP_TIER_ROLES as readonly string[]).includes(actor.role);
}

/**
 * An approval. Never the requester's own (404, as for any refusal); at the top tier only a
 * coordinator or an admin; once per approver (a second one is a 409).
 */
export async function approveDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<void> {
  requireAllowed(canApproveDisbursement(actor), 'ledger.disbursement_approve');
  const { disbursementId } = parse(disbursementIdSchema, input);
  const now = options.now ?? new Date();
  await inTransaction(ctx, options.trx, async (t) => {
    const row = await lockWaiting(t, disbursementId);
    requireAllowed(mayApprove(actor, row), 'ledger.disbursement_approve');
    if (actor.kind !== 'staff') return;
    const inserted = await insertApproval(t, {
      id: randomUUID(),
      disbursement_id: row.id,
      approver_id: actor.id,
      approver_role: actor.role,
      decided_at: now,
    });
    if (!inserted) throw new AppError('conflict', 'already approved by this approver');
    await recordAudit(t, {
      actor: actor.id,
      action: 'ledger.disbursement_approve',
      target: target(row.id),
      reason: `as ${actor.role}`,
    });
  });
}

/** A denial by an approver or the vetting officer: the request ends and its reservation is released. */
export async function denyDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<void> {
  requireAllowed(canApproveDisbursement(actor) || canSignOffDisbursement(actor), 'ledger.disbursement_deny');
  const { disbursementId } = parse(disbursementIdSchema, input);
  const now = options.now ?? new Date();
  await inTransaction(ctx, options.trx, async (t) => {
    const row = await lockWaiting(t, disbursementId);
    requireAllowed(row.requested_by !== actorLabel(actor), 'ledger.disbursement_deny');
    await setDenied(t, row.id, actorLabel(actor), now);
    await voidTransfer(ctx, onBehalfOfRequest(actor), { transferId: row.id }, { trx: t, now });
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.disbursement_deny',
      target: target(row.id),
    });
  });
}

/** The vetting officer's sign-off, of the disbursement's current epoch (a later signal needs a new one). */
export async function signOffDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<void> {
  requireAllowed(canSignOffDisbursement(actor), 'ledger.disbursement_signoff');
  const { disbursementId } = parse(disbursementIdSchema, input);
  const now = options.now ?? new Date();
  await inTransaction(ctx, options.trx, async (t) => {
    const row = await lockWaiting(t, disbursementId);
    if (!row.needs_signoff) throw new AppError('conflict', 'no sign-off needed');
    requireAllowed(row.requested_by !== actorLabel(actor), 'ledger.disbursement_signoff');
    const inserted = await insertSignoff(t, {
      id: randomUUID(),
      disbursement_id: row.id,
      officer_id: actorLabel(actor),
      epoch: row.signoff_epoch,
      signed_at: now,
    });
    if (!inserted) throw new AppError('conflict', 'already signed off');
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.disbursement_signoff',
      target: target(row.id),
      reason: `epoch ${row.signoff_epoch}`,
    });
  });
}

/**
 * The finance officer posts or voids (posting, the core checks approvals and sign-off again
 * under the transfer's lock, whoever calls it).
 */
async function decide(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  to: 'post' | 'void',
  options: { trx?: Db; now?: Date },
): Promise<void> {
  requireAllowed(canPayDisbursement(actor), `ledger.disbursement_${to}`);
  const { disbursementId } = parse(disbursementIdSchema, input);
  if ((await findDisbursement(ctx.database.db, disbursementId)) === undefined) {
    throw new AppError('not_found', 'no such disbursement');
  }
  await (to === 'post' ? postTransfer : voidTransfer)(ctx, actor, { transferId: disbursementId }, options);
}

export function postDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
) {
  return decide(ctx, actor, input, 'post', options);
}

export function voidDisbursement(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
) {
  return decide(ctx, actor, input, 'void', options);
}

/**
 * Shows the payment details to the finance officer who pays, once: only when nothing is
 * missing, logged in the case's access log. A second reveal is refused unless it names one of
 * the listed reasons, and is logged with it (ADR 0121).
 */
export async function revealPaymentDetails(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<PaymentDetails> {
  requireAllowed(canPayDisbursement(actor), 'ledger.payment_details_reveal');
  const { disbursementId, again } = parse(revealSchema, input);
  return ctx.database.db.transaction().execute(async (t) => {
    const row = await lockWaiting(t, disbursementId);
    if (row.payment_kind === null || row.payment_details_enc === null) {
      throw new AppError('conflict', 'no payment details were given');
    }
    const facts = (await loadApprovalFacts(t, [row])).get(row.id)!;
    if (missingForPost(facts).length > 0) throw new AppError('conflict', 'not approved yet');
    if (row.reveals > 0 && again === undefined)
      throw new AppError('conflict', 'payment details already shown');
    const caseRow = await findCaseById(t, row.case_id);
    await countReveal(t, row.id);
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: row.reveals > 0 ? 'ledger.payment_details_reveal_again' : 'ledger.payment_details_reveal',
      target: `case:${caseRow?.ref ?? row.case_id}`,
      reason: `disbursement ${row.id}${again === undefined ? '' : `: ${again}`}`,
    });
    const kind = row.payment_kind;
    const blob = row.payment_details_enc;
    return withSubjectKey(
      ctx,
      subjectOf(row.case_id),
      (key) => openPaymentDetails(key, row.id, kind, blob),
      t,
    );
  });
}

export interface ThresholdSettings {
  baseCurrency: string;
  tier1: number;
  tier2: number;
  minorUnits: number;
  currencies: string[];
}

export async function getThresholds(ctx: AppContext, actor: Actor): Promise<ThresholdSettings> {
  requireAllowed(canConfigureAssistance(actor), 'ledger.thresholds');
  const db = ctx.database.db;
  const [s, currencies] = await Promise.all([findSettings(db), listCurrencies(db)]);
  return {
    baseCurrency: s.base_currency,
    tier1: s.tier1_minor,
    tier2: s.tier2_minor,
    minorUnits: currencies.find((c) => c.code === s.base_currency)?.minor_units ?? 2,
    currencies: currencies.map((c) => c.code),
  };
}

/** The thresholds as stored: a base currency and two amounts in its minor units. */
interface ThresholdValues {
  base_currency: string;
  tier1_minor: number;
  tier2_minor: number;
}

/**
 * Whether new thresholds ask for at least as many approvals as the current ones for every
 * amount: same base currency, and neither threshold raised. Anything else (a raise, or another
 * base currency, whose amounts the rates could make larger) lets a request through with fewer
 * approvers, so it is a two-person act (issue 18 item 2, ADR 0138).
 */
function noLooser(next: ThresholdValues, current: ThresholdValues): boolean {
  return (
    next.base_currency === current.base_currency &&
    next.tier1_minor <= current.tier1_minor &&
    next.tier2_minor <= current.tier2_minor
  );
}

async function applyThresholds(t: Db, next: ThresholdValues, actor: string, reason: string): Promise<void> {
  await updateSettings(t, { ...next, updated_by: actor });
  await recordAudit(t, {
    actor,
    action: 'ledger.thresholds_set',
    target: 'ledger:settings',
    reason: `${next.base_currency} ${next.tier1_minor}/${next.tier2_minor}; ${reason}`,
  });
}

/**
 * An admin sets the base currency and the two thresholds (T1 ≤ T2); requests made earlier keep
 * theirs. Lowering a threshold only asks for more approvals and applies at once; raising one, or
 * changing the base currency, is filed for a second administrator (`requestAct`, kind
 * `ledger_thresholds`), who sees the old and new values on /staff/admin/requests.
 */
export async function setThresholds(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<{ outcome: 'applied' | 'unchanged' | { requested: string } }> {
  requireAllowed(canConfigureAssistance(actor), 'ledger.thresholds_set');
  const data = parse(thresholdsSchema, input);
  return ctx.database.db.transaction().execute(async (t) => {
    const currency = await findCurrency(t, data.baseCurrency);
    if (currency === undefined) throw fieldError('baseCurrency', 'unknown currency');
    const tier1 = toMinorUnits(data.tier1, currency.minor_units);
    const tier2 = toMinorUnits(data.tier2, currency.minor_units);
    if (tier1 === undefined) throw fieldError('tier1', 'bad amount');
    if (tier2 === undefined || tier2 < tier1) throw fieldError('tier2', 'bad amount');
    const current = await findSettings(t);
    const next: ThresholdValues = {
      base_currency: data.baseCurrency,
      tier1_minor: tier1,
      tier2_minor: tier2,
    };
    if (
      next.base_currency === current.base_currency &&
      next.tier1_minor === current.tier1_minor &&
      next.tier2_minor === current.tier2_minor
    ) {
      return { outcome: 'unchanged' as const };
    }
    if (noLooser(next, current) || actor.kind === 'cli') {
      await applyThresholds(t, next, actorLabel(actor), 'set');
      return { outcome: 'applied' as const };
    }
    const id = await requestAct(ctx, t, {
      kind: 'ledger_thresholds',
      requestedBy: staffOnly(actor).id,
      payload: {
        from: `${current.base_currency} ${current.tier1_minor}/${current.tier2_minor}`,
        to: `${next.base_currency} ${next.tier1_minor}/${next.tier2_minor}`,
      },
    });
    return { outcome: { requested: id } };
  });
}

/** "EUR 50000/200000" (minor units) back into values; undefined if it is not that shape. */
function thresholdValuesOf(text: string | undefined): ThresholdValues | undefined {
  const m = /^([A-Z]{3}) (\d{1,15})\/(\d{1,15})$/.exec(text ?? '');
  if (m === null) return undefined;
  return { base_currency: m[1] ?? '', tier1_minor: Number(m[2]), tier2_minor: Number(m[3]) };
}

registerAct('ledger_thresholds', {
  canDecide: canConfigureAssistance,
  describe: (p) => [
    `change the disbursement approval thresholds from ${p.from ?? ''} to ${p.to ?? ''} (minor units)`,
    'requests up to the new amounts then need fewer approvers',
  ],
  async execute(_ctx, trx, p, by) {
    const current = await findSettings(trx);
    const next = thresholdValuesOf(p.to);
    // The thresholds changed since the request was filed: approving it would decide something else.
    if (
      next === undefined ||
      `${current.base_currency} ${current.tier1_minor}/${current.tier2_minor}` !== p.from
    )
      throw new AppError('conflict', 'the thresholds changed since this request was made');
    await applyThresholds(trx, next, by.requester, by.reason);
    return { target: 'ledger:settings' };
  },
});

// ---- reading: the queue, a disbursement, a case's payments ----------------------------------

export type Waiting = Missing | 'payment';

export interface DisbursementLine {
  id: string;
  kind: 'disbursement' | 'reward';
  caseRef: string;
  amount: number;
  currency: string;
  minorUnits: number;
  tier: number;
  purpose: DisbursementPurpose;
  channel: PaymentChannel;
  dueOn: string;
  status: 'pending' | 'posted' | 'voided' | 'expired' | 'denied';
  paused: boolean;
  waiting: Waiting[];
  requestedByMe: boolean;
}

function waitingOf(facts: ApprovalFacts, status: string): Waiting[] {
  if (status !== 'pending') return [];
  const missing = missingForPost(facts);
  return missing.length === 0 ? ['payment'] : missing;
}

/** Whether this line waits for this actor. */
export function waitsFor(actor: Actor, line: DisbursementLine, facts: ApprovalFacts): boolean {
  if (line.status !== 'pending' || actor.kind !== 'staff') return false;
  if (
    line.waiting.includes('approvals') &&
    mayApprove(actor, { tier: line.tier, requested_by: facts.requestedBy })
  ) {
    return !facts.approvals.some((a) => a.approverId === actor.id);
  }
  if (line.waiting.includes('signoff') && canSignOffDisbursement(actor)) return true;
  if (line.waiting.includes('verification') && canVerifyReward(actor)) return true;
  return line.waiting.includes('payment') && canPayDisbursement(actor);
}

export async function presentLines(
  db: Db,
  actor: Actor,
  rows: Awaited<ReturnType<typeof listDisbursements>>,
): Promise<{ lines: DisbursementLine[]; facts: Map<string, ApprovalFacts> }> {
  const [facts, currencies] = await Promise.all([loadApprovalFacts(db, rows), listCurrencies(db)]);
  const minor = new Map(currencies.map((c) => [c.code, c.minor_units]));
  const refs = new Map<string, string>();
  for (const id of new Set(rows.map((r) => r.case_id))) {
    const c = await findCaseById(db, id);
    // A restricted case's reference is need-to-know (ADR 0158): approvers and payers outside
    // its team see the payment, not which case it is for.
    refs.set(id, c === undefined ? '?' : c.restricted ? '—' : c.ref);
  }
  const lines = rows.map((r) => {
    const f = facts.get(r.id)!;
    const status = r.denied_at !== null ? 'denied' : r.status;
    return {
      id: r.id,
      kind: r.kind,
      caseRef: refs.get(r.case_id)!,
      amount: r.amount,
      currency: r.currency,
      minorUnits: minor.get(r.currency) ?? 2,
      tier: r.tier,
      purpose: r.purpose,
      channel: r.channel,
      dueOn: r.due_on,
      status,
      paused: r.paused_at !== null && f.needsSignoff && !f.signoffs.some((s) => s.epoch === f.epoch),
      waiting: waitingOf(f, status),
      requestedByMe: r.requested_by === actorLabel(actor),
    } satisfies DisbursementLine;
  });
  return { lines, facts };
}

/** The approval queue: what waits for me (to approve, sign off, verify or pay), and my own requests. */
export async function getApprovalQueue(
  ctx: AppContext,
  actor: Actor,
): Promise<{ forMe: DisbursementLine[]; mine: DisbursementLine[] }> {
  requireAllowed(canSeeDisbursements(actor), 'ledger.disbursement_queue');
  const db = ctx.database.db;
  const rows = await listDisbursements(db, { status: 'pending', limit: 500 });
  const { lines, facts } = await presentLines(db, actor, rows);
  return {
    forMe: lines.filter((l) => waitsFor(actor, l, facts.get(l.id)!)),
    mine: lines.filter((l) => l.requestedByMe),
  };
}

export interface DisbursementPage extends DisbursementLine {
  baseAmount: number;
  baseCurrency: string;
  baseMinorUnits: number;
  requestedBy: string;
  requestedAt: string;
  needsSignoff: boolean;
  approvals: Array<{ who: string; role: string; at: string; counts: boolean }>;
  signoffs: Array<{ who: string; epoch: number; at: string; current: boolean }>;
  paymentKind: PaymentDetailsKind | null;
  reveals: number;
  can: {
    approve: boolean;
    deny: boolean;
    signOff: boolean;
    reveal: boolean;
    post: boolean;
    void: boolean;
    verify: boolean;
  };
}

/**
 * One disbursement as its page shows it: no personal data (the case by its reference, the
 * payment details only as their kind). Staff who only request see it for cases they may see.
 */
export async function getDisbursement(ctx: AppContext, actor: Actor, id: unknown): Promise<DisbursementPage> {
  requireAllowed(canSeeDisbursements(actor), 'ledger.disbursement_read');
  const parsed = disbursementIdSchema.safeParse({ disbursementId: id });
  const db = ctx.database.db;
  const row = parsed.success ? await findDisbursement(db, parsed.data.disbursementId) : undefined;
  if (row === undefined) throw new AppError('not_found', 'no such disbursement');
  const caseRow = await findCaseById(db, row.case_id);
  const onlyRequester =
    !canApproveDisbursement(actor) &&
    !canSignOffDisbursement(actor) &&
    !canPayDisbursement(actor) &&
    !canVerifyReward(actor);
  if (onlyRequester) await authoriseCase(db, actor, caseRow?.ref, 'metadata');
  const listed = await listDisbursements(db, { id: row.id, limit: 1 });
  const { lines, facts } = await presentLines(db, actor, listed);
  const line = lines[0]!;
  const f = facts.get(row.id)!;
  const counted = new Set(countedApprovals(f).map((a) => a.approverId));
  const labels = await getStaffEmailLabels(ctx, db, [
    row.requested_by,
    ...f.approvals.map((a) => a.approverId),
    ...f.signoffs.map((s) => s.officerId),
  ]);
  const label = (x: string) => labels.get(x) ?? x;
  const [rawApprovals, rawSignoffs] = await Promise.all([
    listApprovals(db, [row.id]),
    listSignoffs(db, [row.id]),
  ]);
  const baseMinor = (await findCurrency(db, row.base_currency))?.minor_units ?? 2;
  const pending = line.status === 'pending';
  const me = actorLabel(actor);
  return {
    ...line,
    baseAmount: row.base_amount,
    baseCurrency: row.base_currency,
    baseMinorUnits: baseMinor,
    requestedBy: label(row.requested_by),
    requestedAt: row.requested_at.toISOString(),
    needsSignoff: row.needs_signoff,
    approvals: rawApprovals.map((a) => ({
      who: label(a.approver_id),
      role: a.approver_role,
      at: a.decided_at.toISOString(),
      counts: counted.has(a.approver_id),
    })),
    signoffs: rawSignoffs.map((s) => ({
      who: label(s.officer_id),
      epoch: s.epoch,
      at: s.signed_at.toISOString(),
      current: s.epoch === row.signoff_epoch,
    })),
    paymentKind: row.payment_kind,
    reveals: row.reveals,
    can: {
      approve:
        pending &&
        line.waiting.includes('approvals') &&
        mayApprove(actor, row) &&
        !f.approvals.some((a) => a.approverId === me),
      deny:
        pending &&
        (canApproveDisbursement(actor) || canSignOffDisbursement(actor)) &&
        row.requested_by !== me,
      signOff: pending && line.waiting.includes('signoff') && canSignOffDisbursement(actor),
      reveal:
        pending && line.waiting.includes('payment') && canPayDisbursement(actor) && row.payment_kind !== null,
      post: pending && line.waiting.includes('payment') && canPayDisbursement(actor),
      void: pending && canPayDisbursement(actor),
      verify: pending && row.kind === 'reward' && canVerifyReward(actor) && row.requested_by !== me,
    },
  };
}

/** A case's payments (for its page): staff who may see the case, and finance officers. */
export async function getCasePayments(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<{ caseRef: string; lines: DisbursementLine[]; canRequest: boolean }> {
  const db = ctx.database.db;
  let caseRow: CaseRow;
  let canWrite = false;
  if (canKeepLedger(actor) && !canRequestDisbursement(actor)) {
    const found = typeof ref === 'string' ? await findCaseByRef(db, ref) : undefined;
    if (found === undefined) throw new AppError('not_found', 'no such case');
    caseRow = found;
  } else {
    requireAllowed(canRequestDisbursement(actor), 'ledger.case_payments');
    const authorised = await authoriseCase(db, actor, ref, 'metadata');
    caseRow = authorised.row;
    canWrite = await authoriseCase(db, actor, ref, 'write').then(
      () => true,
      () => false,
    );
  }
  const rows = await listDisbursements(db, { caseId: caseRow.id, limit: 200 });
  const { lines } = await presentLines(db, actor, rows);
  return { caseRef: caseRow.ref, lines, canRequest: canWrite };
}

/** What the request form offers: the budget lines (with what is available) and the choices. */
/**
 * The first step of a request opened outside a case's page (the "Request a disbursement" link of
 * the payments pages): which case it is for. 'none' when no reference was typed; 'unknown' when
 * it names no case the actor may write (a missing case and a forbidden one answer alike).
 */
export async function chooseRequestCase(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<'none' | 'unknown' | 'ok'> {
  requireAllowed(canRequestDisbursement(actor), 'ledger.disbursement_request');
  if (typeof ref !== 'string' || ref.trim() === '') return 'none';
  try {
    await authoriseCase(ctx.database.db, actor, ref, 'write');
    return 'ok';
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') return 'unknown';
    throw error;
  }
}

export async function getRequestForm(ctx: AppContext, actor: Actor, ref: unknown) {
  requireAllowed(canRequestDisbursement(actor), 'ledger.disbursement_request');
  const db = ctx.database.db;
  const { row } = await authoriseCase(db, actor, ref, 'write');
  const budgets = (await listAccounts(db)).filter((a) => a.kind === 'budget');
  return {
    caseRef: row.ref,
    budgets: budgets.map((b) => ({ id: b.id, code: b.code, label: b.label, currency: b.currency })),
    purposes: PURPOSES,
    channels: CHANNELS,
  };
}

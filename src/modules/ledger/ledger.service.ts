import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { sha256 } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { LedgerAccountKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { restrictedOutsideTeam } from '../case-access/index.ts';
import { assertPostable } from './ledger.approval-rules.ts';
import { appendLedgerEntry } from './ledger.chain.ts';
import { inLedgerWrite, type LedgerJob, recordAudit } from './ledger.group-commit.ts';
import { findCorrectionOf } from './ledger.bookkeeping.repository.ts';
import { canKeepLedger } from './ledger.policy.ts';
import {
  addToBalance,
  findAccountByCode,
  findAccountById,
  findCurrency,
  findTransfer,
  findTransferForUpdate,
  insertAccount,
  insertCurrency,
  insertTransfer,
  type LedgerAccountRow,
  type LedgerTransferRow,
  listAccounts,
  listCurrencies,
  listExpiredPending,
  listTransfers,
  lockAccounts,
  lockLedgerChain,
  setTransferStatus,
} from './ledger.repository.ts';
import {
  addCurrencySchema,
  correctionSchema,
  openAccountSchema,
  type TransferInput,
  transferIdSchema,
  transferSchema,
} from './ledger.schemas.ts';
import {
  type LedgerTransfer,
  newTransferRow,
  presentTransfer,
  replay,
  wouldCross,
} from './ledger.transfer-rules.ts';

export type { LedgerTransfer } from './ledger.transfer-rules.ts';

/**
 * The assistance ledger's core (issue 15, ADR 0119): double entry, caller-chosen idempotent
 * transfer ids, two-phase transfers (pending, then posted, voided or expired), limits that no
 * schedule of concurrent posters can cross, and an append-only hash chain of every movement.
 * Each function authorises first, then parses (404 before 400), and accepts the caller's
 * transaction so another module can pay inside its own write.
 */

function validation(error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[String(issue.path[0] ?? 'form')] ??= 'field.invalid';
  return new AppError('validation_failed', 'invalid ledger input', { fields });
}

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validation(parsed.error);
  return parsed.data;
}

export async function inTransaction<T>(
  ctx: AppContext,
  trx: Db | undefined,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  if (trx?.isTransaction === true) return work(trx);
  return (trx ?? ctx.database.db).transaction().execute(work);
}

export interface LedgerAccount {
  id: string;
  code: string;
  kind: LedgerAccountKind;
  currency: string;
  label: string;
  caseId: string | null;
  limit: { side: 'debits' | 'credits' | 'none'; overdraftMinor: number };
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
  /** Posted balance on the account's normal side (credits − debits for funding and budgets). */
  balance: number;
  /** What can still be spent: the posted balance less what pending transfers reserve, plus the overdraft. */
  available: number;
}

export function creditNormal(kind: LedgerAccountKind): boolean {
  return kind === 'funding' || kind === 'budget' || kind === 'equity' || kind === 'recipient';
}

function presentAccount(row: LedgerAccountRow): LedgerAccount {
  const side = row.debits_must_not_exceed_credits
    ? 'debits'
    : row.credits_must_not_exceed_debits
      ? 'credits'
      : 'none';
  const credit = creditNormal(row.kind);
  const balance = credit ? row.credits_posted - row.debits_posted : row.debits_posted - row.credits_posted;
  const reserved = credit ? row.debits_pending : row.credits_pending;
  return {
    id: row.id,
    code: row.code,
    kind: row.kind,
    currency: row.currency,
    label: row.label,
    caseId: row.case_id,
    limit: { side, overdraftMinor: row.limit_minor },
    debitsPending: row.debits_pending,
    debitsPosted: row.debits_posted,
    creditsPending: row.credits_pending,
    creditsPosted: row.credits_posted,
    balance,
    available: balance - reserved + row.limit_minor,
  };
}

/** Adds an ISO 4217 currency the organisation uses (with its minor units). Idempotent. */
export async function addCurrency(ctx: AppContext, actor: Actor, input: unknown, trx?: Db): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.currency');
  const { code, minorUnits } = parse(addCurrencySchema, input);
  await inTransaction(ctx, trx, async (t) => {
    const existing = await findCurrency(t, code);
    if (existing !== undefined) {
      if (existing.minor_units !== minorUnits)
        throw new AppError('conflict', 'currency exists with other minor units');
      return;
    }
    await insertCurrency(t, code, minorUnits);
    await recordAudit(t, { actor: actorLabel(actor), action: 'ledger.currency_add', target: code });
  });
}

export async function getCurrencies(
  ctx: AppContext,
  actor: Actor,
): Promise<{ code: string; minorUnits: number }[]> {
  requireAllowed(canKeepLedger(actor), 'ledger.currencies');
  return (await listCurrencies(ctx.database.db)).map((c) => ({ code: c.code, minorUnits: c.minor_units }));
}

/**
 * Opens an account. Funding sources and budget lines may never be spent below zero (debits ≤
 * credits + overdraft); holdings may never pay out more than they hold (credits ≤ debits +
 * overdraft). A recipient account is the case's pseudonym in the ledger: one per case and
 * currency, named by the service, never by staff; it may never be paid out (or reversed)
 * below zero (ADR 0209).
 */
export async function openAccount(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  trx?: Db,
): Promise<LedgerAccount> {
  requireAllowed(canKeepLedger(actor), 'ledger.account_open');
  const data = parse(openAccountSchema, input);
  return inTransaction(ctx, trx, async (t) => {
    if ((await findCurrency(t, data.currency)) === undefined) {
      throw new AppError('validation_failed', 'unknown currency', { fields: { currency: 'field.invalid' } });
    }
    const id = randomUUID();
    let row: Parameters<typeof insertAccount>[1];
    if (data.kind === 'recipient') {
      const code = `recipient:${data.caseId}:${data.currency.toLowerCase()}`;
      const existing = await findAccountByCode(t, code);
      if (existing !== undefined) return presentAccount(existing);
      row = {
        id,
        code,
        kind: 'recipient',
        currency: data.currency,
        label: `case ${data.caseId.slice(0, 8)}`,
        case_id: data.caseId,
        // Never paid out below zero (ADR 0209): its debits never exceed what was posted to it.
        debits_must_not_exceed_credits: true,
      };
    } else {
      if ((await findAccountByCode(t, data.code)) !== undefined) {
        throw new AppError('conflict', 'account code exists', { fields: { code: 'field.taken' } });
      }
      const enforce =
        data.enforceLimit ?? (data.kind === 'funding' || data.kind === 'budget' || data.kind === 'holding');
      const debitSide = creditNormal(data.kind);
      row = {
        id,
        code: data.code,
        kind: data.kind,
        currency: data.currency,
        label: data.label,
        case_id: null,
        debits_must_not_exceed_credits: enforce && debitSide,
        credits_must_not_exceed_debits: enforce && !debitSide,
        limit_minor: data.limitMinor,
      };
    }
    await insertAccount(t, row);
    await recordAudit(t, { actor: actorLabel(actor), action: 'ledger.account_open', target: row.code });
    const created = await findAccountById(t, id);
    return presentAccount(created!);
  });
}

export async function getAccounts(ctx: AppContext, actor: Actor): Promise<LedgerAccount[]> {
  requireAllowed(canKeepLedger(actor), 'ledger.accounts');
  return (await listAccounts(ctx.database.db)).map(presentAccount);
}

/** The canonical body of a transfer request, hashed: the same id must come with the same body. */
function bodyHash(kind: string, body: Record<string, unknown>): Buffer {
  return sha256(
    JSON.stringify([
      kind,
      ...Object.keys(body)
        .sort()
        .map((k) => [k, body[k]]),
    ]),
  );
}

async function moveFunds(
  t: Db,
  actor: string,
  transfer: { id: string; debit: string; credit: string; amount: number; currency: string },
  event: 'pending' | 'posted_direct',
  now: Date,
): Promise<void> {
  const accounts = await lockAccounts(t, [transfer.debit, transfer.credit]);
  const debit = accounts.find((a) => a.id === transfer.debit);
  const credit = accounts.find((a) => a.id === transfer.credit);
  if (debit === undefined || credit === undefined) {
    throw new AppError('validation_failed', 'unknown account', {
      fields: { [debit === undefined ? 'debitAccountId' : 'creditAccountId']: 'field.invalid' },
    });
  }
  if (debit.currency !== transfer.currency || credit.currency !== transfer.currency) {
    throw new AppError('validation_failed', 'currency differs from the accounts', {
      fields: { currency: 'field.invalid' },
    });
  }
  const pending = event === 'pending';
  // Checked on the locked rows: the reservation made here holds until this transaction ends.
  if (wouldCross(debit, 'debit', transfer.amount) || wouldCross(credit, 'credit', transfer.amount)) {
    throw new AppError('ledger_limit', 'transfer would cross an account limit');
  }
  await addToBalance(t, debit.id, pending ? 'debits_pending' : 'debits_posted', transfer.amount);
  await addToBalance(t, credit.id, pending ? 'credits_pending' : 'credits_posted', transfer.amount);
  await appendLedgerEntry(
    t,
    {
      transferId: transfer.id,
      event,
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      amount: transfer.amount,
      currency: transfer.currency,
      actor,
    },
    now,
  );
}

/**
 * Records a transfer: posted at once, or pending (funds reserved) when `pendingSeconds` is
 * given. Idempotent by id: the same id and body answers the stored transfer (whatever became
 * of it since); the same id with another body is refused (409).
 */
export async function createTransfer(
  ctx: AppContext,
  actor: Actor,
  input: TransferInput | unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<LedgerTransfer> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer');
  const job = createJob(actor, parse(transferSchema, input), options.now ?? new Date());
  return inLedgerWrite(ctx, options.trx, job.work as (t: Db) => Promise<LedgerTransfer>, job.plan);
}

/** A create's work: one at a time (in a caller's transaction or a batch's savepoint), and its plan for the set-based path. */
export function createJob(actor: Actor, data: z.output<typeof transferSchema>, now: Date): LedgerJob {
  const hash = bodyHash('transfer', { ...data });
  const who = actorLabel(actor);
  return {
    work: async (t) => {
      const earlier = await findTransfer(t, data.id);
      if (earlier !== undefined) return replay(earlier, hash);
      // Locked before the transfer row exists: an unknown account is refused before anything is written.
      const accounts = await lockAccounts(t, [data.debitAccountId, data.creditAccountId]);
      for (const field of ['debitAccountId', 'creditAccountId'] as const) {
        if (!accounts.some((a) => a.id === data[field])) {
          throw new AppError('validation_failed', 'unknown account', {
            fields: { [field]: 'field.invalid' },
          });
        }
      }
      const pending = data.pendingSeconds !== undefined;
      const inserted = await insertTransfer(t, newTransferRow(data, hash, who, now));
      if (!inserted) return replay((await findTransfer(t, data.id))!, hash);
      await moveFunds(
        t,
        who,
        {
          id: data.id,
          debit: data.debitAccountId,
          credit: data.creditAccountId,
          amount: data.amount,
          currency: data.currency,
        },
        pending ? 'pending' : 'posted_direct',
        now,
      );
      await recordAudit(t, {
        actor: who,
        action: pending ? 'ledger.transfer_pending' : 'ledger.transfer_post',
        target: data.id,
      });
      return presentTransfer((await findTransfer(t, data.id))!);
    },
    plan: { op: 'create', data, hash, who, now },
  };
}

type Resolution = 'posted' | 'voided' | 'expired';

/** Moves a pending transfer to its end state, releasing or posting the reserved amounts. */
async function resolvePending(
  t: Db,
  who: string,
  transfer: LedgerTransferRow,
  to: Resolution,
  now: Date,
): Promise<void> {
  await lockAccounts(t, [transfer.debit_account_id, transfer.credit_account_id]);
  await addToBalance(t, transfer.debit_account_id, 'debits_pending', -transfer.amount);
  await addToBalance(t, transfer.credit_account_id, 'credits_pending', -transfer.amount);
  if (to === 'posted') {
    await addToBalance(t, transfer.debit_account_id, 'debits_posted', transfer.amount);
    await addToBalance(t, transfer.credit_account_id, 'credits_posted', transfer.amount);
  }
  await setTransferStatus(t, transfer.id, to, who, now);
  await appendLedgerEntry(
    t,
    {
      transferId: transfer.id,
      event: to,
      debitAccountId: transfer.debit_account_id,
      creditAccountId: transfer.credit_account_id,
      amount: transfer.amount,
      currency: transfer.currency,
      actor: who,
    },
    now,
  );
}

async function decidePending(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  to: 'posted' | 'voided',
  options: { trx?: Db; now?: Date },
): Promise<LedgerTransfer> {
  requireAllowed(canKeepLedger(actor), `ledger.transfer_${to}`);
  const { transferId } = parse(transferIdSchema, input);
  const job = decideJob(actor, transferId, to, options.now ?? new Date());
  return expiredRefused(await inLedgerWrite(ctx, options.trx, job.work, job.plan)) as LedgerTransfer;
}

/** The expiry is committed (it is true whatever the caller does next); the request is refused. */
export function expiredRefused(outcome: unknown): unknown {
  if (outcome === 'expired') throw new AppError('conflict', 'pending transfer expired');
  return outcome;
}

/** A post's or void's work and plan (as `createJob`). It answers 'expired' when it expired the transfer instead. */
export function decideJob(actor: Actor, transferId: string, to: 'posted' | 'voided', now: Date): LedgerJob {
  const who = actorLabel(actor);
  return {
    work: async (t) => {
      const transfer = await findTransferForUpdate(t, transferId);
      if (transfer === undefined) throw new AppError('not_found', 'no such transfer');
      if (transfer.status === to) return presentTransfer(transfer); // a retry
      if (transfer.status !== 'pending') throw new AppError('conflict', `transfer is ${transfer.status}`);
      if (transfer.timeout_at !== null && transfer.timeout_at <= now) {
        await resolvePending(t, 'system', transfer, 'expired', now);
        return 'expired' as const;
      }
      // A disbursement request posts only with its approvals and sign-off (ADR 0120).
      if (to === 'posted') await assertPostable(t, transferId);
      await resolvePending(t, who, transfer, to, now);
      await recordAudit(t, {
        actor: who,
        action: `ledger.transfer_${to === 'posted' ? 'post' : 'void'}`,
        target: transferId,
      });
      return presentTransfer((await findTransfer(t, transferId))!);
    },
    plan: { op: 'decide', transferId, to, who, now },
  };
}

/** Posts a pending transfer: the reserved amount becomes a movement. A retry answers the same. */
export function postTransfer(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
) {
  return decidePending(ctx, actor, input, 'posted', options);
}

/** Voids a pending transfer: the reservation is released. A retry answers the same. */
export function voidTransfer(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
) {
  return decidePending(ctx, actor, input, 'voided', options);
}

/**
 * A correction: a new posted transfer that reverses a posted one (same amount, sides swapped).
 * Entries are never edited. Idempotent by the correction's own id.
 */
export async function reverseTransfer(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<LedgerTransfer> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer_reverse');
  const data = parse(correctionSchema, input);
  const now = options.now ?? new Date();
  const who = actorLabel(actor);
  const hash = bodyHash('correction', { ...data });
  return inLedgerWrite(ctx, options.trx, async (t) => {
    const original = await findTransferForUpdate(t, data.reversesId);
    if (original === undefined) throw new AppError('not_found', 'no such transfer');
    const existing = await findTransfer(t, data.id);
    if (existing !== undefined) return replay(existing, hash);
    if (original.status !== 'posted')
      throw new AppError('conflict', 'only a posted transfer can be reversed');
    // A correction is never reversed, and a transfer is reversed once: otherwise one person
    // could move a disbursement's money to the recipient again and again (reversing its
    // correction) with none of its approvals. A wrong correction is put right by a new transfer.
    if (original.kind === 'correction') throw new AppError('conflict', 'a correction is not reversed');
    if ((await findCorrectionOf(t, original.id)) !== undefined)
      throw new AppError('conflict', 'this transfer was already reversed');
    const inserted = await insertTransfer(t, {
      id: data.id,
      body_hash: hash,
      kind: 'correction',
      debit_account_id: original.credit_account_id,
      credit_account_id: original.debit_account_id,
      amount: original.amount,
      currency: original.currency,
      status: 'posted',
      timeout_at: null,
      reverses_id: original.id,
      created_by: who,
      created_at: now,
      decided_by: who,
      decided_at: now,
    });
    if (!inserted) return replay((await findTransfer(t, data.id))!, hash);
    await moveFunds(
      t,
      who,
      {
        id: data.id,
        debit: original.credit_account_id,
        credit: original.debit_account_id,
        amount: original.amount,
        currency: original.currency,
      },
      'posted_direct',
      now,
    );
    await recordAudit(t, {
      actor: who,
      action: 'ledger.transfer_reverse',
      target: data.id,
      reason: `reverses ${original.id}`,
    });
    return presentTransfer((await findTransfer(t, data.id))!);
  });
}

/**
 * Expires pending transfers whose time ran out, releasing what they reserved (the daily job and
 * `ledger verify` treat an overdue pending transfer as expired). Returns how many expired.
 */
export async function expirePendingTransfers(
  ctx: AppContext,
  now = new Date(),
  batch = 500,
): Promise<number> {
  const ids = await listExpiredPending(ctx.database.db, now, batch);
  let expired = 0;
  for (const id of ids) {
    await ctx.database.db.transaction().execute(async (t) => {
      await lockLedgerChain(t); // chain, then transfer and accounts: the order of every ledger write
      const transfer = await findTransferForUpdate(t, id);
      if (transfer?.status !== 'pending' || transfer.timeout_at === null || transfer.timeout_at > now) return;
      await resolvePending(t, 'system', transfer, 'expired', now);
      await recordAudit(t, { actor: 'system', action: 'ledger.transfer_expire', target: id });
      expired += 1;
    });
  }
  return expired;
}

export async function getTransfer(ctx: AppContext, actor: Actor, id: string): Promise<LedgerTransfer> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfer_read');
  const parsed = transferIdSchema.safeParse({ transferId: id });
  const row = parsed.success ? await findTransfer(ctx.database.db, id) : undefined;
  if (row === undefined) throw new AppError('not_found', 'no such transfer');
  return presentTransfer(row);
}

export interface LedgerOverview {
  accounts: LedgerAccount[];
  /** Minor units per currency code, for display. */
  minorUnits: Record<string, number>;
}

/** The balances page: every account and the currencies' minor units. */
/**
 * The recipient accounts of restricted cases outside the actor's team (ADR 0210): on the staff
 * pages they do not exist (not listed, not counted, refused like an unknown account when named).
 */
async function hiddenRecipients(
  db: Db,
  actor: Actor,
  accounts: readonly LedgerAccountRow[],
): Promise<Set<string>> {
  const cases = await restrictedOutsideTeam(
    db,
    actor,
    accounts.flatMap((a) => (a.kind === 'recipient' && a.case_id !== null ? [a.case_id] : [])),
  );
  return new Set(accounts.filter((a) => a.case_id !== null && cases.has(a.case_id)).map((a) => a.id));
}

/** Every account the actor may see (restricted cases' recipients only inside their team), with the currencies' minor units. */
export async function getLedgerOverview(ctx: AppContext, actor: Actor): Promise<LedgerOverview> {
  requireAllowed(canKeepLedger(actor), 'ledger.overview');
  const db = ctx.database.db;
  const [accounts, currencies] = await Promise.all([listAccounts(db), listCurrencies(db)]);
  const hidden = await hiddenRecipients(db, actor, accounts);
  return {
    accounts: accounts.filter((a) => !hidden.has(a.id)).map(presentAccount),
    minorUnits: Object.fromEntries(currencies.map((c) => [c.code, c.minor_units])),
  };
}

export interface LedgerTransferLine extends LedgerTransfer {
  debitCode: string;
  creditCode: string;
}

/** The newest transfers (at most `limit`), with their accounts' codes. */
export async function getRecentTransfers(
  ctx: AppContext,
  actor: Actor,
  limit = 100,
): Promise<LedgerTransferLine[]> {
  requireAllowed(canKeepLedger(actor), 'ledger.transfers');
  const db = ctx.database.db;
  const [rows, accounts] = await Promise.all([listTransfers(db, { limit }), listAccounts(db)]);
  const hidden = await hiddenRecipients(db, actor, accounts);
  // A restricted case's payments are shown without naming its account (ADRs 0158, 0210).
  const codes = new Map(accounts.map((a) => [a.id, hidden.has(a.id) ? '—' : a.code]));
  return rows.map((r) => ({
    ...presentTransfer(r),
    debitCode: codes.get(r.debit_account_id) ?? '?',
    creditCode: codes.get(r.credit_account_id) ?? '?',
  }));
}

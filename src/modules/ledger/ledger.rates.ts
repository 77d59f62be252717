import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { sha256 } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { canKeepLedger } from './ledger.policy.ts';
import {
  findAccountByCode,
  findAccountById,
  findConversion,
  findCurrency,
  findRate,
  findRateOn,
  insertAccount,
  insertConversion,
  insertRate,
} from './ledger.repository.ts';
import { conversionSchema, rateSchema } from './ledger.schemas.ts';
import { createTransfer, creditNormal, inTransaction, type LedgerTransfer, parse } from './ledger.service.ts';

/**
 * Exchange rates and conversions (issue 15, item 1). A rate is typed in or imported with its
 * source and date, never fetched. A conversion is two posted transfers in one transaction: from
 * the source account to the exchange account of its currency (`fx:eur`), and from the
 * exchange account of the other currency (`fx:gel`) to the target account, each on the
 * account's normal side, at the stored
 * rate; the conversion row ties both to the rate. Amounts are converted in integer arithmetic,
 * rounded half up to the target's minor unit.
 */
export interface LedgerRate {
  id: string;
  from: string;
  to: string;
  rate: string;
  source: string;
  rateDate: string;
}

export async function recordRate(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  trx?: Db,
): Promise<LedgerRate> {
  requireAllowed(canKeepLedger(actor), 'ledger.rate');
  const data = parse(rateSchema, input);
  return inTransaction(ctx, trx, (t) => storeRate(t, data, actorLabel(actor)));
}

/** Checks both currencies and stores a parsed rate, audited as `who` (also the two-person act's execution). */
export async function storeRate(
  t: Db,
  data: z.output<typeof rateSchema>,
  who: string,
  reason?: string,
): Promise<LedgerRate> {
  for (const code of [data.from, data.to]) {
    if ((await findCurrency(t, code)) === undefined) {
      throw new AppError('validation_failed', 'unknown currency', {
        fields: { [code === data.from ? 'from' : 'to']: 'field.invalid' },
      });
    }
  }
  const id = randomUUID();
  await insertRate(t, {
    id,
    from_currency: data.from,
    to_currency: data.to,
    rate: data.rate,
    source: data.source,
    rate_date: data.rateDate,
    created_by: who,
  });
  await recordAudit(t, {
    actor: who,
    action: 'ledger.rate',
    target: `${data.from}/${data.to} ${data.rateDate}`,
    ...(reason === undefined ? {} : { reason }),
  });
  return {
    id,
    from: data.from,
    to: data.to,
    rate: data.rate,
    source: data.source,
    rateDate: data.rateDate,
  };
}

/** `amount` minor units of a currency with `fromMinor` decimals, at `rate`, in minor units of a currency with `toMinor`. */
export function convertAmount(amount: number, rate: string, fromMinor: number, toMinor: number): number {
  const [whole, fraction = ''] = rate.split('.');
  const scale = BigInt(fraction.length);
  const numerator = BigInt(amount) * BigInt(`${whole}${fraction}`) * 10n ** BigInt(toMinor);
  const denominator = 10n ** (scale + BigInt(fromMinor));
  const result = (numerator * 2n + denominator) / (2n * denominator); // half up
  return Number(result);
}

/** The rate in force for a pair on a day (the newest on or before it), for thresholds and reports. */
export async function rateOn(db: Db, from: string, to: string, day: string): Promise<LedgerRate | undefined> {
  const row = await findRateOn(db, from, to, day);
  if (row === undefined) return undefined;
  return {
    id: row.id,
    from: row.from_currency,
    to: row.to_currency,
    rate: row.rate,
    source: row.source,
    rateDate: row.rate_date,
  };
}

/** A transfer id derived from the conversion's own id, so a retried conversion names the same two transfers. */
function derivedId(conversionId: string, leg: 'out' | 'in'): string {
  const h = sha256(Buffer.from(`ledger-conversion|${conversionId}|${leg}`, 'utf8')).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function exchangeAccount(t: Db, currency: string): Promise<string> {
  const code = `fx:${currency.toLowerCase()}`;
  const existing = await findAccountByCode(t, code);
  if (existing !== undefined) return existing.id;
  const id = randomUUID();
  await insertAccount(t, {
    id,
    code,
    kind: 'channel',
    currency,
    label: `Currency exchange ${currency}`,
    case_id: null,
  });
  return id;
}

export interface LedgerConversion {
  id: string;
  rate: LedgerRate;
  out: LedgerTransfer;
  in: LedgerTransfer;
}

export async function convertFunds(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<LedgerConversion> {
  requireAllowed(canKeepLedger(actor), 'ledger.convert');
  const data = parse(conversionSchema, input);
  return inTransaction(ctx, options.trx, async (t) => {
    const rate = await findRate(t, data.rateId);
    const from = await findAccountById(t, data.fromAccountId);
    const to = await findAccountById(t, data.toAccountId);
    if (rate === undefined)
      throw new AppError('validation_failed', 'unknown rate', { fields: { rateId: 'field.invalid' } });
    if (from === undefined || from.currency !== rate.from_currency) {
      throw new AppError('validation_failed', 'source account does not hold the rate’s currency', {
        fields: { fromAccountId: 'field.invalid' },
      });
    }
    if (to === undefined || to.currency !== rate.to_currency) {
      throw new AppError('validation_failed', 'target account does not hold the rate’s currency', {
        fields: { toAccountId: 'field.invalid' },
      });
    }
    const fromMinor = (await findCurrency(t, from.currency))!.minor_units;
    const toMinor = (await findCurrency(t, to.currency))!.minor_units;
    const converted = convertAmount(data.amount, rate.rate, fromMinor, toMinor);
    if (converted <= 0)
      throw new AppError('validation_failed', 'converts to nothing', { fields: { amount: 'field.invalid' } });
    const common = { trx: t, ...(options.now === undefined ? {} : { now: options.now }) };
    // Money leaves the source and reaches the target on each account's own side: a holding
    // (debit-normal) is credited when money leaves it, a budget line (credit-normal) debited.
    const fxOut = await exchangeAccount(t, from.currency);
    const fxIn = await exchangeAccount(t, to.currency);
    const [outDebit, outCredit] = creditNormal(from.kind) ? [from.id, fxOut] : [fxOut, from.id];
    const [inDebit, inCredit] = creditNormal(to.kind) ? [fxIn, to.id] : [to.id, fxIn];
    const out = await createTransfer(
      ctx,
      actor,
      {
        id: derivedId(data.id, 'out'),
        kind: 'transfer',
        debitAccountId: outDebit,
        creditAccountId: outCredit,
        amount: data.amount,
        currency: from.currency,
      },
      common,
    );
    const into = await createTransfer(
      ctx,
      actor,
      {
        id: derivedId(data.id, 'in'),
        kind: 'transfer',
        debitAccountId: inDebit,
        creditAccountId: inCredit,
        amount: converted,
        currency: to.currency,
      },
      common,
    );
    const existing = await findConversion(t, data.id);
    if (existing === undefined) {
      await insertConversion(t, {
        id: data.id,
        rate_id: rate.id,
        out_transfer_id: out.id,
        in_transfer_id: into.id,
      });
      await recordAudit(t, { actor: actorLabel(actor), action: 'ledger.convert', target: data.id });
    } else if (existing.rate_id !== rate.id) {
      throw new AppError('idempotency_conflict', 'conversion id reused with another rate');
    }
    return {
      id: data.id,
      rate: {
        id: rate.id,
        from: rate.from_currency,
        to: rate.to_currency,
        rate: rate.rate,
        source: rate.source,
        rateDate: rate.rate_date,
      },
      out,
      in: into,
    };
  });
}

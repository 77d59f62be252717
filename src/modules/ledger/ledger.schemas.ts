import { z } from 'zod';

/** The most any amount may be, in minor units: far above any real payment, and exact as a JS number. */
export const MAX_AMOUNT = 1_000_000_000_000_000;

export const currencyCodeSchema = z.string().regex(/^[A-Z]{3}$/, 'ledger.currency_invalid');
export const amountSchema = z
  .number()
  .int('ledger.amount_invalid')
  .positive('ledger.amount_invalid')
  .max(MAX_AMOUNT, 'ledger.amount_invalid');

export const addCurrencySchema = z.object({
  code: currencyCodeSchema,
  minorUnits: z.number().int().min(0).max(4),
});

/**
 * Account codes are the organisation's own words ("budget:tickets-2026"), never a person's
 * name: recipient accounts are named by the service from the case id, not by staff.
 */
export const openAccountSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['funding', 'budget', 'holding', 'channel', 'equity']),
    code: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9:._-]{0,79}$/, 'ledger.code_invalid'),
    label: z.string().trim().min(1).max(200),
    currency: currencyCodeSchema,
    /** Overdraft allowed beyond the account's normal side, in minor units (0: none). */
    limitMinor: z.number().int().min(0).max(1_000_000_000_000_000).default(0),
    /** Whether the limit is enforced at all (funding, budgets and holdings default to yes). */
    enforceLimit: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('recipient'),
    caseId: z.uuid(),
    currency: currencyCodeSchema,
  }),
]);
export type OpenAccountInput = z.input<typeof openAccountSchema>;

export const transferSchema = z
  .object({
    /** Chosen by the caller: the same id and body again answers the stored result. */
    id: z.uuid(),
    kind: z.enum(['allocation', 'disbursement', 'deposit', 'payment', 'transfer']),
    debitAccountId: z.uuid(),
    creditAccountId: z.uuid(),
    amount: amountSchema,
    currency: currencyCodeSchema,
    /** Two-phase: reserve now, post or void later; expires after this many seconds. */
    pendingSeconds: z
      .number()
      .int()
      .min(60)
      .max(60 * 60 * 24 * 90)
      .optional(),
  })
  .refine((t) => t.debitAccountId !== t.creditAccountId, {
    path: ['creditAccountId'],
    message: 'field.invalid',
  });
export type TransferInput = z.input<typeof transferSchema>;

export const correctionSchema = z.object({
  id: z.uuid(),
  reversesId: z.uuid(),
});

export const transferIdSchema = z.object({ transferId: z.uuid() });

/** A decimal rate: units of `to` for one unit of `from` (e.g. 1 EUR = 2.9132 GEL). */
export const rateSchema = z
  .object({
    from: currencyCodeSchema,
    to: currencyCodeSchema,
    rate: z
      .string()
      .regex(/^[0-9]{1,12}(\.[0-9]{1,12})?$/)
      .refine((r) => /[1-9]/.test(r), 'field.invalid'),
    /** Where the rate came from ("ECB reference rate", "bank statement 2026-12-01"): never fetched. */
    source: z.string().trim().min(1).max(200),
    rateDate: z.iso.date(),
  })
  .refine((r) => r.from !== r.to, { path: ['to'], message: 'field.invalid' });

export const conversionSchema = z.object({
  id: z.uuid(),
  fromAccountId: z.uuid(),
  toAccountId: z.uuid(),
  /** In the source account's minor units. */
  amount: amountSchema,
  rateId: z.uuid(),
});

import { z } from 'zod';
import { currencyCodeSchema } from './ledger.schemas.ts';

/** Inputs of disbursement requests, approvals, sign-off, payment details and rewards (issue 15 items 3–6). */
export const PURPOSES = [
  'ticket',
  'accommodation',
  'legal',
  'stipend',
  'medical',
  'documents',
  'other',
] as const;
export const CHANNELS = [
  'bank_transfer',
  'money_transfer',
  'card_topup',
  'crypto',
  'courier_cash',
  'voucher',
] as const;
export const PAYMENT_KINDS = ['card', 'wallet', 'iban', 'courier_code'] as const;
export const REVEAL_AGAIN_REASONS = ['payment_failed', 'details_mistyped', 'second_instalment'] as const;
export const VERIFICATION_STEPS = [
  'inspected',
  'documents_checked',
  'expert_opinion',
  'handed_over',
] as const;
export const AUTHENTICITY_KINDS = ['equipment', 'information'] as const;

/** A decimal amount as typed ("1250.00", "1250,5"); turned into minor units with the currency's digits. */
export const decimalAmountSchema = z
  .string()
  .trim()
  .regex(/^[0-9]{1,15}([.,][0-9]{1,4})?$/, 'ledger.amount_invalid');

const evidenceIdsSchema = z
  .union([z.uuid(), z.array(z.uuid())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v]))
  .pipe(z.array(z.uuid()).max(50));

/** Payment details: present together or not at all; the value is never trimmed into a name. */
const paymentDetails = {
  paymentKind: z
    .enum(PAYMENT_KINDS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  paymentDetails: z
    .string()
    .trim()
    .max(500)
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
};

const detailsPaired = (d: { paymentKind?: unknown; paymentDetails?: unknown }) =>
  (d.paymentKind === undefined) === (d.paymentDetails === undefined);

export const disbursementRequestSchema = z
  .object({
    /** The caller's id (from the form): a double submit answers the same request. */
    id: z.uuid(),
    caseRef: z.string().min(1).max(40),
    budgetAccountId: z.uuid(),
    amount: decimalAmountSchema,
    purpose: z.enum(PURPOSES),
    channel: z.enum(CHANNELS),
    dueOn: z.iso.date(),
    ...paymentDetails,
  })
  .refine(detailsPaired, { path: ['paymentDetails'], message: 'field.required' });

export const rewardClaimSchema = z
  .object({
    id: z.uuid(),
    caseRef: z.string().min(1).max(40),
    scheduleId: z.uuid(),
    budgetAccountId: z.uuid(),
    description: z.string().trim().min(1).max(4000),
    evidenceIds: evidenceIdsSchema,
    channel: z.enum(CHANNELS),
    dueOn: z.iso.date(),
    ...paymentDetails,
  })
  .refine(detailsPaired, { path: ['paymentDetails'], message: 'field.required' });

export const disbursementIdSchema = z.object({ disbursementId: z.uuid() });

export const revealSchema = z.object({
  disbursementId: z.uuid(),
  /** A second reveal must say why (one of the listed reasons); it is logged with it. */
  again: z
    .enum(REVEAL_AGAIN_REASONS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export const verificationSchema = z.object({
  disbursementId: z.uuid(),
  step: z.enum(VERIFICATION_STEPS),
});

export const thresholdsSchema = z.object({
  baseCurrency: currencyCodeSchema,
  tier1: decimalAmountSchema,
  tier2: decimalAmountSchema,
});

export const scheduleItemSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,59}$/, 'ledger.code_invalid'),
  label: z.string().trim().min(1).max(200),
  amount: decimalAmountSchema,
  currency: currencyCodeSchema,
});

export const authenticitySchema = z.object({
  caseRef: z.string().min(1).max(40),
  kind: z.enum(AUTHENTICITY_KINDS),
  description: z.string().trim().min(1).max(4000),
  evidenceIds: evidenceIdsSchema,
});

/** "1250.5" with 2 minor digits → 125050; undefined when it has more digits than the currency or is zero. */
export function toMinorUnits(text: string, minorUnits: number): number | undefined {
  const [whole, fraction = ''] = text.replace(',', '.').split('.');
  if (fraction.length > minorUnits) return undefined;
  const value = BigInt(`${whole}${fraction.padEnd(minorUnits, '0')}`);
  if (value <= 0n || value > 1_000_000_000_000_000n) return undefined;
  return Number(value);
}

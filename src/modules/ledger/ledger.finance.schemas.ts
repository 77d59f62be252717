import { z } from 'zod';

/**
 * Input of reconciliation, exports and the donor report (issue 15 item 8; ADR 0124, 0125).
 * Column names are the bank's headers ("Buchungstag", "Сумма"), never a person's data.
 */
const columnName = z.string().trim().min(1).max(80);
const optionalColumn = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  columnName.optional(),
);

export const DATE_FORMATS = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export const statementMappingSchema = z.object({
  holdingAccountId: z.uuid(),
  delimiter: z.enum([',', ';', 'tab']),
  dateColumn: columnName,
  amountColumn: columnName,
  /** Absent: every line is in the holding's currency. */
  currencyColumn: optionalColumn,
  referenceColumn: optionalColumn,
  counterpartyColumn: optionalColumn,
  dateFormat: z.enum(DATE_FORMATS),
  decimalSeparator: z.enum(['.', ',']),
});
export type StatementMapping = z.output<typeof statementMappingSchema>;

export const holdingIdSchema = z.object({ holdingAccountId: z.uuid() });

export const manualMatchSchema = z.object({ lineId: z.uuid(), transferId: z.uuid() });
export const unmatchSchema = z.object({ lineId: z.uuid() });

/** The organisation's purpose codes ("travel", "housing", "legal-fees") and an ISO 3166 country. */
export const budgetTermsSchema = z.object({
  accountId: z.uuid(),
  purpose: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'ledger.purpose_invalid'),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'ledger.country_invalid'),
  fundingAccountId: z.uuid(),
});

export const donorReportSchema = z.object({
  fundingAccountId: z.uuid(),
  /** Cells about fewer recipients than this are suppressed: 10 by default, may be raised, never lowered. */
  threshold: z.coerce.number().int().min(10).max(1000).default(10),
});

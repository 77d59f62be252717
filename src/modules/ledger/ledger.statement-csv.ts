import { CsvError, parse } from 'csv-parse/sync';
import { AppError } from '../../platform/errors.ts';
import type { DateFormat, StatementMapping } from './ledger.finance.schemas.ts';

/**
 * Reads a bank or provider statement (CSV) with the column mapping the operator saved for the
 * holding (ADR 0124). Pure: it writes nothing, so a bad file is refused before anything is
 * stored. Every refusal is a validation error naming the problem and, where there is one, the
 * line (1 is the header), never the cell's content: cells may hold names.
 */
export const MAX_STATEMENT_BYTES = 2 * 1024 * 1024;
export const MAX_STATEMENT_LINES = 20_000;
const MAX_TEXT = 300;

export interface StatementLine {
  lineNo: number;
  /** ISO day. */
  bookedOn: string;
  /** Signed minor units: positive is money in. */
  amount: number;
  currency: string;
  reference: string;
  counterparty: string;
}

export function statementError(problem: string, line?: number): AppError {
  return new AppError('validation_failed', `statement: ${problem}`, {
    fields: { file: `ledger.statement.${problem}`, ...(line === undefined ? {} : { line: String(line) }) },
  });
}

const DATE_PATTERNS: Record<DateFormat, { re: RegExp; order: [number, number, number] }> = {
  // order: indexes of year, month, day in the match groups
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{2})-(\d{2})$/, order: [1, 2, 3] },
  'DD.MM.YYYY': { re: /^(\d{2})\.(\d{2})\.(\d{4})$/, order: [3, 2, 1] },
  'DD/MM/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: [3, 2, 1] },
  'MM/DD/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: [3, 1, 2] },
};

/** A day in the given format, as YYYY-MM-DD, or undefined when it is not a real day. */
export function parseStatementDate(text: string, format: DateFormat): string | undefined {
  const { re, order } = DATE_PATTERNS[format];
  const m = re.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d] = order.map((i) => Number(m[i]));
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d)
    return undefined;
  if (y! < 2000 || y! > 2100) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * An amount as signed minor units, exactly (string arithmetic, never floating point):
 * "-1 234,50" with "," as the decimal separator is -123450 in a currency of 2 minor units.
 * Group separators (space, no-break space, apostrophe, and the other of "." and ",") are
 * allowed between groups of three digits; more decimals than the currency has are refused.
 */
export function parseStatementAmount(
  text: string,
  decimal: '.' | ',',
  minorUnits: number,
): number | undefined {
  const group = decimal === '.' ? ',' : '.';
  const t = text.trim().replace(/\u2212/g, '-');
  const esc = (c: string) => `\\${c}`;
  const re = new RegExp(
    `^([+-]?)(\\d{1,3}(?:[ \\u00a0'${esc(group)}]\\d{3})+|\\d+)(?:${esc(decimal)}(\\d+))?$`,
  );
  const m = re.exec(t);
  if (m === null) return undefined;
  const whole = m[2]!.replace(/[^\d]/g, '');
  const fraction = m[3] ?? '';
  if (fraction.length > minorUnits) return undefined;
  const digits = `${whole}${fraction.padEnd(minorUnits, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > 18) return undefined;
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) return undefined;
  return m[1] === '-' ? -value : value;
}

/** Free text from a cell: control characters removed, bounded. */
function cleanText(text: string | undefined): string {
  const controls = /[\p{Cc}]/gu;
  return (text ?? '').replace(controls, ' ').trim().slice(0, MAX_TEXT);
}

export function parseStatement(
  file: Buffer,
  mapping: StatementMapping,
  holdingCurrency: string,
  minorUnits: Readonly<Record<string, number>>,
): StatementLine[] {
  if (file.length === 0) throw statementError('empty');
  if (file.length > MAX_STATEMENT_BYTES) throw new AppError('payload_too_large', 'statement too large');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file);
  } catch {
    throw statementError('encoding');
  }
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: mapping.delimiter === 'tab' ? '\t' : mapping.delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      max_record_size: 8_192,
      to_line: MAX_STATEMENT_LINES + 2,
    }) as string[][];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw statementError('malformed', typeof line === 'number' ? line : undefined);
    }
    throw error;
  }
  const [header, ...rows] = records;
  if (header === undefined || rows.length === 0) throw statementError('empty');
  if (rows.length > MAX_STATEMENT_LINES) throw statementError('too_many_lines');
  const names = header.map((h) => h.trim());
  const indexOf = (column: string | undefined): number | undefined => {
    if (column === undefined) return undefined;
    const i = names.indexOf(column);
    if (i < 0) throw statementError('column_missing', 1);
    return i;
  };
  const dateAt = indexOf(mapping.dateColumn)!;
  const amountAt = indexOf(mapping.amountColumn)!;
  const currencyAt = indexOf(mapping.currencyColumn);
  const referenceAt = indexOf(mapping.referenceColumn);
  const counterpartyAt = indexOf(mapping.counterpartyColumn);
  return rows.map((row, i) => {
    const lineNo = i + 2;
    const bookedOn = parseStatementDate(row[dateAt] ?? '', mapping.dateFormat);
    if (bookedOn === undefined) throw statementError('date', lineNo);
    const currency =
      currencyAt === undefined ? holdingCurrency : (row[currencyAt] ?? '').trim().toUpperCase();
    if (currency !== holdingCurrency) throw statementError('currency', lineNo);
    const amount = parseStatementAmount(
      row[amountAt] ?? '',
      mapping.decimalSeparator,
      minorUnits[currency] ?? 2,
    );
    if (amount === undefined || amount === 0) throw statementError('amount', lineNo);
    return {
      lineNo,
      bookedOn,
      amount,
      currency,
      reference: cleanText(referenceAt === undefined ? undefined : row[referenceAt]),
      counterparty: cleanText(counterpartyAt === undefined ? undefined : row[counterpartyAt]),
    };
  });
}

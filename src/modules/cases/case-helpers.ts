import { randomInt } from 'node:crypto';
import { type DataKey, decryptFieldText } from '../../crypto/index.ts';
import { toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';

/** Small helpers of the case core: subjects, days, references, field decryption, form errors. */

export const subjectOf = (caseId: string) => `case:${caseId}`;
export const bind = (table: string, column: string, rowId: string) => ({ table, column, rowId });
export const PAGE_SIZE = 50;
/** Today as YYYY-MM-DD (UTC): the granularity of every applicant-visible date. */
export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A short pseudonymous reference, never derived from the person: "C-" + 8 characters. */
export function newCaseRef(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let out = 'C-';
  for (let i = 0; i < 8; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function validation(error: {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? 'form');
    fields[name] = issue.message.startsWith('field.') ? issue.message : 'field.invalid';
  }
  return new AppError('validation_failed', 'invalid input', { fields });
}

export function decryptJson<T>(
  key: DataKey,
  blob: Uint8Array | null,
  table: string,
  column: string,
  rowId: string,
  fallback: T,
): T {
  if (blob === null) return fallback;
  return JSON.parse(decryptFieldText(key, toBuffer(blob), bind(table, column, rowId))) as T;
}

export function decryptText(
  key: DataKey,
  blob: Uint8Array | null,
  table: string,
  column: string,
  rowId: string,
): string {
  if (blob === null) return '';
  return decryptFieldText(key, toBuffer(blob), bind(table, column, rowId));
}

/**
 * Birth dates as people write them: full ("1988-03-21", "21.03.1988"), partial ("1988-03",
 * "1988"), and wrong in the ways people get them wrong (day and month swapped, a year off by
 * one, one mistyped digit).
 */

/** A parsed date; 0 means "not given" for month and day. */
export interface PartialDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function valid(year: number, month: number, day: number): boolean {
  if (!(year >= 1900 && year <= 2100)) return false;
  if (month < 0 || month > 12) return false;
  if (day < 0 || day > 31) return false;
  if (day > 0 && month === 0) return false;
  return true;
}

/**
 * Parses ISO (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), dotted Russian (`DD.MM.YYYY`, `MM.YYYY`) and
 * slashed (`DD/MM/YYYY`) dates. Returns undefined for anything else or out of range.
 */
export function parseDate(text: string): PartialDate | undefined {
  const s = text.trim();
  let m = /^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$/.exec(s);
  if (m !== null) {
    const year = Number(m[1]);
    const month = m[2] === undefined ? 0 : Number(m[2]);
    const day = m[3] === undefined ? 0 : Number(m[3]);
    return valid(year, month, day) ? { year, month, day } : undefined;
  }
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s);
  if (m !== null) {
    const day = Number(m[1]);
    const month = Number(m[2]);
    const year = Number(m[3]);
    return valid(year, month, day) ? { year, month, day } : undefined;
  }
  m = /^(\d{1,2})[./](\d{4})$/.exec(s);
  if (m !== null) {
    const month = Number(m[1]);
    const year = Number(m[2]);
    return valid(year, month, 0) ? { year, month, day: 0 } : undefined;
  }
  return undefined;
}

/** Agreement levels of two birth dates, worst to best; `DATE_MISSING` when either is absent. */
export const DATE_MISSING = -1;
export const DATE_DIFFERENT = 0;
export const DATE_SAME_YEAR = 1;
/** Day and month swapped, year off by one, or one mistyped digit. */
export const DATE_NEAR = 2;
/** One side is partial and every part it gives agrees. */
export const DATE_PARTIAL = 3;
export const DATE_EXACT = 4;

function oneDigitApart(a: number, b: number): boolean {
  let diff = 0;
  let x = a;
  let y = b;
  for (let i = 0; i < 4; i++) {
    if (x % 10 !== y % 10) diff++;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
  }
  return diff === 1 && x === y;
}

/**
 * Compares two dates given as (year, month, day) numbers, 0 meaning "not given". Written on
 * plain numbers so that the scorer can call it without allocating.
 */
export function compareDateParts(
  ya: number,
  ma: number,
  da: number,
  yb: number,
  mb: number,
  db: number,
): number {
  if (ya === 0 || yb === 0) return DATE_MISSING;
  const full = ma !== 0 && da !== 0 && mb !== 0 && db !== 0;
  if (full) {
    if (ya === yb && ma === mb && da === db) return DATE_EXACT;
    if (ya === yb && ma === db && da === mb) return DATE_NEAR;
    if (ma === mb && da === db && (ya - yb === 1 || yb - ya === 1 || oneDigitApart(ya, yb))) return DATE_NEAR;
    if (ya === yb && ((ma === mb && oneDigitApart(da, db)) || (da === db && oneDigitApart(ma, mb))))
      return DATE_NEAR;
    return ya === yb ? DATE_SAME_YEAR : DATE_DIFFERENT;
  }
  if (ya !== yb) {
    // A partial date a year off still counts as near when the month agrees.
    if ((ya - yb === 1 || yb - ya === 1) && ma === mb && ma !== 0) return DATE_NEAR;
    return DATE_DIFFERENT;
  }
  if (ma === 0 || mb === 0) return DATE_PARTIAL;
  if (ma === mb) return DATE_PARTIAL;
  if (da !== 0 && db === 0 && da === mb) return DATE_NEAR;
  if (db !== 0 && da === 0 && db === ma) return DATE_NEAR;
  return DATE_SAME_YEAR;
}

/** Compares two parsed dates (either may be undefined). */
export function compareDates(a: PartialDate | undefined, b: PartialDate | undefined): number {
  if (a === undefined || b === undefined) return DATE_MISSING;
  return compareDateParts(a.year, a.month, a.day, b.year, b.month, b.day);
}

/** ISO form of a parsed date, as precise as it is: "1988", "1988-03" or "1988-03-21". */
export function formatDate(d: PartialDate): string {
  const y = String(d.year);
  if (d.month === 0) return y;
  const m = String(d.month).padStart(2, '0');
  if (d.day === 0) return `${y}-${m}`;
  return `${y}-${m}-${String(d.day).padStart(2, '0')}`;
}

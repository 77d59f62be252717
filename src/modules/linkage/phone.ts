/**
 * Phone numbers to E.164. Russian numbers arrive as +7, as 8 (the domestic trunk prefix),
 * as 7 without the plus, or as ten bare digits; Ukrainian ones as +380 or 0XX.
 */

/**
 * The E.164 form ("+79120000000") of a phone number, or undefined when it cannot be one.
 * Spaces, dashes, dots and brackets are ignored.
 */
export function normalizePhone(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 40) return undefined;
  if (/[^\d+\s().-]/.test(trimmed)) return undefined;
  const plus = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  if (!plus && digits.startsWith('00')) digits = digits.slice(2);
  else if (!plus) {
    if (digits.length === 11 && (digits[0] === '8' || digits[0] === '7')) digits = `7${digits.slice(1)}`;
    else if (digits.length === 10 && digits[0] === '9') digits = `7${digits}`;
    else if (digits.length === 10 && digits[0] === '0') digits = `38${digits}`;
    else if (digits.length === 12 && digits.startsWith('380')) {
      // already international without the plus
    } else return undefined;
  } else if (digits.length === 11 && digits[0] === '8') {
    // "+8 912 ..." is a common slip for +7.
    digits = `7${digits.slice(1)}`;
  }
  if (digits.length < 8 || digits.length > 15 || digits[0] === '0') return undefined;
  if (digits[0] === '7' && digits.length !== 11) return undefined;
  return `+${digits}`;
}

/** Phone agreement levels. */
export const PHONE_MISSING = -1;
export const PHONE_DIFFERENT = 0;
/** The last seven digits agree (the subscriber number; the prefix was mistyped or differs). */
export const PHONE_TAIL = 1;
export const PHONE_EXACT = 2;

/** Compares two E.164 numbers (empty string = missing). */
export function comparePhones(a: string, b: string): number {
  if (a === '' || b === '') return PHONE_MISSING;
  if (a === b) return PHONE_EXACT;
  if (a.length >= 8 && b.length >= 8 && a.slice(-7) === b.slice(-7)) return PHONE_TAIL;
  return PHONE_DIFFERENT;
}

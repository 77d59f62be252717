import type { Keyring } from './keyring.ts';
import { hmacSha256, random } from './primitives.ts';

/**
 * Contact codes of the high-assurance path (issue 20 item 6, ADR 0158): 100 random bits written
 * as 20 characters of Crockford's base32 in five groups of four (`7K3M-Q9TX-…`), which read
 * aloud over a telephone without ambiguity (no I, L, O or U; the reader may say 0 or O, 1 or
 * I/L and be understood). Only a keyed hash of the normalised code is ever stored.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CONTACT_CODE_CHARS = 20;

/** A fresh contact code, grouped for reading (shown once, at issue). */
export function newContactCode(): string {
  const bytes = random(CONTACT_CODE_CHARS); // one byte per character: 256 % 32 === 0, no bias
  let out = '';
  for (let i = 0; i < CONTACT_CODE_CHARS; i++) {
    out += ALPHABET[bytes[i]! % 32];
    if (i % 4 === 3 && i < CONTACT_CODE_CHARS - 1) out += '-';
  }
  bytes.fill(0);
  return out;
}

/**
 * The canonical form of what a person typed, or undefined when it cannot be a code: case,
 * spaces and dashes ignored; O read as 0 and I or L as 1 (Crockford's decoding).
 */
export function normaliseContactCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const s = input
    .toUpperCase()
    .replace(/[\s\-‐-―]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (s.length !== CONTACT_CODE_CHARS) return undefined;
  for (const ch of s) if (!ALPHABET.includes(ch)) return undefined;
  return s;
}

/** The keyed hash under which a (normalised) code is stored and looked up. */
export function contactCodeLookup(keyring: Keyring, normalised: string): Buffer {
  const key = keyring.derive('high-assurance/contact-code');
  try {
    return hmacSha256(key, `sanctuary-contact-code|${normalised}`);
  } finally {
    key.fill(0);
  }
}

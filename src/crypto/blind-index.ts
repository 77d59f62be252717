import type { Keyring } from './keyring.ts';
import { hmacSha256 } from './primitives.ts';

/**
 * Blind indexes: HMAC-SHA-256 under a per-index key, truncated so that equal values
 * can be found without revealing them, and so that each index value is shared by
 * several rows (CipherSweet's coincidence rule): with R expected rows and L bits,
 * the expected coincidences are C = R / 2^L, and we keep 2 <= C < sqrt(R).
 * A lookup returns a few candidates that the service decrypts and compares exactly.
 *
 * Every index is declared here, with its budget; docs/SECURITY.md repeats the table.
 */
export const BLIND_INDEXES = {
  /** Staff sign-in by email. R ≈ 1,000 staff: L = 8 → C ≈ 3.9 (2 <= 3.9 < 31.6). */
  staff_email: { bits: 8, expectedRows: 1_000 },
  /** Exact phone search. R ≈ 1,000,000 persons: L = 16 → C ≈ 15.3 (2 <= 15.3 < 1000). */
  person_phone: { bits: 16, expectedRows: 1_000_000 },
  /** Exact identity-document search. R ≈ 1,000,000: L = 16 → C ≈ 15.3. */
  person_document: { bits: 16, expectedRows: 1_000_000 },
  /** Normalised full-name search. R ≈ 1,000,000: L = 16 → C ≈ 15.3 (many real names also coincide). */
  person_name: { bits: 16, expectedRows: 1_000_000 },
  /**
   * Record-linkage blocking keys of a person (issue 6), one row per key and refinement level
   * (up to 8 keys x 3 levels = 24 slots, ADR 0075); lookups filter on the slot, so R is per
   * slot. R ≈ 1,000,000: L = 16 → C ≈ 15.3.
   */
  person_block: { bits: 16, expectedRows: 1_000_000 },
  /**
   * A partner's keyed blocking token of an imported watchlist entry, HMAC-ed again under our
   * own key (the partner's token never reaches the database). Per list and slot,
   * R ≈ 100,000: L = 12 → C ≈ 24.4 (2 <= 24.4 < 316).
   */
  watchlist_token: { bits: 12, expectedRows: 100_000 },
  /** A partner's normalised name (issue 14, ADR 0128). R ≈ 10,000 partners: L = 10 → C ≈ 9.8 (2 <= 9.8 < 100). */
  partner_name: { bits: 10, expectedRows: 10_000 },
  /** A partner's normalised city. R ≈ 10,000: L = 8 → C ≈ 39 (2 <= 39 < 100); cities coincide anyway. */
  partner_city: { bits: 8, expectedRows: 10_000 },
  /**
   * A unit or commander named in an evidence item (issue 16 item 7, ADR 0199), kind and
   * normalised name. R ≈ 100,000 links: L = 12 → C ≈ 24.4 (2 <= 24.4 < 316).
   */
  evidence_link: { bits: 12, expectedRows: 100_000 },
} as const satisfies Record<string, { bits: number; expectedRows: number }>;

export type BlindIndexName = keyof typeof BLIND_INDEXES;

/** Expected coincidences for an index, for the budget check in tests and docs. */
export function expectedCoincidences(name: BlindIndexName): number {
  const { bits, expectedRows } = BLIND_INDEXES[name];
  return expectedRows / 2 ** bits;
}

/**
 * The blind index of an already-normalised value, as an integer in [0, 2^bits).
 * Normalisation (case, spaces, transliteration) is the caller's job and must be the same
 * at write and at lookup time.
 */
export function blindIndex(keyring: Keyring, name: BlindIndexName, normalisedValue: string): number {
  const key = keyring.derive(`blind-index/${name}`);
  try {
    const mac = hmacSha256(key, normalisedValue);
    const { bits } = BLIND_INDEXES[name];
    return mac.readUInt32BE(0) >>> (32 - bits);
  } finally {
    key.fill(0);
  }
}

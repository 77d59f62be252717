/**
 * Private mode: cryptographic long-term keys (CLKs), i.e. keyed Bloom-filter encodings of a
 * person's normalised fields, and keyed blocking tokens. Parameters are in docs/linkage.md.
 *
 * - Each field's tokens (padded bigrams of the matching key; whole-value tokens for dates
 *   and phones) set k_f bits chosen by keyed double hashing: HMAC-SHA-256 under the field's
 *   own HKDF child key gives h1, h2 and the bits are (h1 + t*h2) mod L for t < k_f.
 *   Per-field keys are attribute-level salting: one bigram sets unrelated bits in different
 *   fields, so frequencies cannot be pooled across fields.
 * - The given name is encoded by its diminutive group's canonical form, so Паша and Павел
 *   give the same bits.
 * - Hardening (default "xor-fold"): the 1024-bit filter is folded into 512 bits by XOR of its
 *   halves, so one set bit no longer maps back to the bigrams that set it (defeats the
 *   pattern-mining attack's bit-to-bigram step); "balance" appends the complement and permutes
 *   with a keyed permutation, so every encoding has the same weight (defeats attacks on the
 *   Hamming weight, i.e. name length). Measured effects: `npm run bench -- linkage`.
 * - Blocking tokens: HMAC of the plain blocking keys and their refinements (blocking.ts),
 *   truncated to 96 bits.
 *
 * HMAC outputs are memoised per (field, token): the set of bigrams is small, so after warm-up
 * encoding costs a few table look-ups per record.
 */
import {
  createLinkageTokenStream,
  deriveLinkageKey,
  linkageHmac as hmacSha256,
  linkageToken,
  linkageSecretFingerprint as secretFingerprint,
} from '../../crypto/index.ts';
import {
  BLOCK_LEVELS,
  CORE_KEYS,
  KEYS_PER_RECORD,
  plainBlockingKeys,
  plainBlockingRefinement,
} from './blocking.ts';
import { popcountBits } from './dice.ts';
import { NAME_GROUPS } from './diminutives.ts';
import { type PersonRecord, RecordStore } from './record-store.ts';
import { matchKey } from './transliterate.ts';

export type ClkHardening = 'none' | 'xor-fold' | 'balance';

/** Encoding parameters; both partners must use the same. */
export interface ClkOptions {
  /** Bloom filter length before hardening (bits, multiple of 128). */
  readonly bits: number;
  readonly hardening: ClkHardening;
  /** Bits set per token, per field. */
  readonly k: {
    readonly familyName: number;
    readonly givenName: number;
    readonly patronymic: number;
    readonly birthDate: number;
    readonly phone: number;
    readonly birthPlace: number;
  };
}

export const DEFAULT_CLK_OPTIONS: ClkOptions = {
  bits: 1024,
  hardening: 'xor-fold',
  k: { familyName: 12, givenName: 10, patronymic: 6, birthDate: 8, phone: 4, birthPlace: 4 },
};

/** One encoded record: what a partner may receive instead of the person's data. */
export interface ClkRecord {
  readonly id: string;
  readonly bits: Uint32Array;
  readonly popcount: number;
  /**
   * Keyed blocking tokens, level after level: the KEYS_PER_RECORD keys, then (in imported files)
   * each key with its first and second refinement.
   */
  readonly blockingTokens: readonly string[];
  /**
   * Fresh encodings compute refinement tokens on demand (one HMAC each): the linker needs them
   * only for records in oversized blocks, an export needs them all.
   */
  readonly refinedToken?: ((k: number, level: number) => string) | undefined;
}

/** Token of key k at refinement `level` (0 = the key itself) of an encoding; '' when none. */
export function blockingTokenOf(e: ClkRecord, k: number, level: number): string {
  const t = e.blockingTokens[level * KEYS_PER_RECORD + k];
  if (t !== undefined) return t;
  return level > 0 && e.refinedToken !== undefined ? e.refinedToken(k, level) : '';
}

/** Size in bits of the encodings produced with these options (after hardening). */
export function encodedBits(options: ClkOptions): number {
  if (options.hardening === 'xor-fold') return options.bits / 2;
  if (options.hardening === 'balance') return options.bits * 2;
  return options.bits;
}

type FieldName = keyof ClkOptions['k'];
const FIELD_NAMES: readonly FieldName[] = [
  'familyName',
  'givenName',
  'patronymic',
  'birthDate',
  'phone',
  'birthPlace',
];

export interface ClkEncoder {
  readonly options: ClkOptions;
  /** Public fingerprint of the secret and parameters; partners compare it before linking. */
  readonly fingerprint: string;
  /** Encodes record i of a store (the store's normalisation is reused). */
  encodeStored(store: RecordStore, i: number): ClkRecord;
  /** Only the Bloom-filter encoding of record i, without blocking tokens (for bulk search). */
  encodeBitsStored(store: RecordStore, i: number): Uint32Array;
  /** Encodes one raw record. */
  encode(record: PersonRecord): ClkRecord;
  /**
   * Encodes every record of a store (as `encodeStored`, byte for byte the same result), hashing
   * the distinct level-0 blocking tokens in a worker while this thread builds the keys and the
   * Bloom filters (`threads` 2, the default from 20,000 records), or all here (`threads` 1).
   * The bulk path of `sanctuary link --mode private` and of exports.
   */
  encodeAll(store: RecordStore, threads?: number): ClkRecord[];
  /** Figures of the last `encodeAll`: distinct tokens hashed, and how many by the worker. */
  readonly lastBulk: { readonly tokensHashed: number; readonly byWorker: number };
}

/** Deterministic keyed permutation of 0..n-1 (Fisher-Yates driven by HMAC output). */
function keyedPermutation(key: Uint8Array, n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let block: Buffer = Buffer.alloc(0);
  let used = 0;
  let counter = 0;
  for (let i = n - 1; i > 0; i--) {
    if (used + 4 > block.length) {
      block = hmacSha256(key, `perm:${counter++}`);
      used = 0;
    }
    const r = block.readUInt32BE(used) % (i + 1);
    used += 4;
    const t = perm[i]!;
    perm[i] = perm[r]!;
    perm[r] = t;
  }
  return perm;
}

/** Creates an encoder for one linkage secret (>= 32 bytes) and parameter set. */
export function createClkEncoder(secret: Uint8Array, partial: Partial<ClkOptions> = {}): ClkEncoder {
  const options: ClkOptions = {
    ...DEFAULT_CLK_OPTIONS,
    ...partial,
    k: { ...DEFAULT_CLK_OPTIONS.k, ...partial.k },
  };
  const L = options.bits;
  if (L % 128 !== 0 || L < 128 || L > 4096)
    throw new Error('CLK length must be a multiple of 128 bits, at most 4096');
  const words = L / 32;
  const fieldKeys = FIELD_NAMES.map((f) => deriveLinkageKey(secret, `clk/field/${f}`));
  const blockKey = deriveLinkageKey(secret, 'blocking');
  const permutation =
    options.hardening === 'balance'
      ? keyedPermutation(deriveLinkageKey(secret, 'balance'), L * 2)
      : undefined;
  const memo = FIELD_NAMES.map(() => new Map<string, Uint16Array>());
  const tokenMemo = new Map<string, string>();
  const canonicalGiven = NAME_GROUPS.map((g) => matchKey(g.fullForms[0]!));
  const paramsText = JSON.stringify(options);
  const fingerprint = secretFingerprint(Buffer.concat([Buffer.from(secret), Buffer.from(paramsText)]));
  const blockScratch = new Array<string>(KEYS_PER_RECORD).fill('');

  const positions = (f: number, token: string): Uint16Array => {
    const m = memo[f]!;
    let p = m.get(token);
    if (p === undefined) {
      const h = hmacSha256(fieldKeys[f]!, token);
      const h1 = h.readUInt32BE(0);
      const h2 = h.readUInt32BE(4) | 1;
      const k = options.k[FIELD_NAMES[f]!];
      p = new Uint16Array(k);
      for (let t = 0; t < k; t++) p[t] = ((h1 + Math.imul(t, h2)) >>> 0) % L;
      if (m.size < 100_000) m.set(token, p);
    }
    return p;
  };
  // Date-token positions by number (year, month, day, unordered day/month pair), so that a
  // record's date sets its bits without building the token text; the text, and so the bits,
  // are the same as before.
  const yearTable = new Map<number, Uint16Array>();
  const monthTable = new Array<Uint16Array | undefined>(32);
  const dayTable = new Array<Uint16Array | undefined>(32);
  const swapTable = new Array<Uint16Array | undefined>(32 * 32);
  const datePositions = (
    table: Array<Uint16Array | undefined> | Map<number, Uint16Array>,
    slot: number,
    token: () => string,
  ): Uint16Array => {
    let p = table instanceof Map ? table.get(slot) : table[slot];
    if (p === undefined) {
      p = positions(3, token());
      if (table instanceof Map) {
        if (table.size < 10_000) table.set(slot, p);
      } else table[slot] = p;
    }
    return p;
  };
  // Bigram positions by the bigram's two character codes (matching keys and phone digits are
  // ASCII), so the hot path is an array look-up instead of a slice and a string-keyed Map.
  const bigramTable = FIELD_NAMES.map(() => new Array<Uint16Array | undefined>(128 * 128));
  const setPositions = (bits: Uint32Array, p: Uint16Array): void => {
    for (let t = 0; t < p.length; t++) {
      const b = p[t]!;
      bits[b >>> 5]! |= 1 << (b & 31);
    }
  };
  const setBigrams = (bits: Uint32Array, f: number, key: string): void => {
    if (key === '') return;
    const table = bigramTable[f]!;
    const last = key.length;
    // Padded bigrams: "_k", "ke", "ey", "y_" for "key".
    let prev = 95; // '_'
    for (let c = 0; c <= last; c++) {
      const code = c < last ? key.charCodeAt(c) : 95;
      if (prev < 128 && code < 128) {
        const slot = prev * 128 + code;
        let p = table[slot];
        if (p === undefined) {
          p = positions(f, String.fromCharCode(prev, code));
          table[slot] = p;
        }
        setPositions(bits, p);
      } else setPositions(bits, positions(f, String.fromCharCode(prev, code)));
      prev = code;
    }
  };
  const blockToken = (key: string): string => {
    if (key === '') return '';
    let t = tokenMemo.get(key);
    if (t === undefined) {
      t = linkageToken(blockKey, key, 12);
      if (tokenMemo.size > 500_000) tokenMemo.clear();
      tokenMemo.set(key, t);
    }
    return t;
  };
  const outWords = encodedBits(options) / 32;
  /** Writes the hardened form of `raw` into `out` (outWords words, all zero). */
  const hardenInto = (raw: Uint32Array, out: Uint32Array): void => {
    if (options.hardening === 'xor-fold') {
      const half = words / 2;
      for (let w = 0; w < half; w++) out[w] = raw[w]! ^ raw[w + half]!;
      return;
    }
    if (options.hardening === 'balance') {
      const perm = permutation!;
      for (let b = 0; b < L * 2; b++) {
        const src = b < L ? (raw[b >>> 5]! >>> (b & 31)) & 1 : 1 - ((raw[(b - L) >>> 5]! >>> (b & 31)) & 1);
        if (src === 1) {
          const d = perm[b]!;
          out[d >>> 5]! |= 1 << (d & 31);
        }
      }
      return;
    }
    out.set(raw);
  };

  /** Record i's Bloom filter, hardened, into `out` (zeroed); `raw` is scratch of `words` words. */
  const encodeBitsInto = (store: RecordStore, i: number, raw: Uint32Array, out: Uint32Array): void => {
    raw.fill(0);
    setBigrams(raw, 0, store.keys[store.family[i]!]!);
    const g = store.group1[i]!;
    setBigrams(raw, 1, g >= 0 ? canonicalGiven[g]! : store.keys[store.given[i]!]!);
    setBigrams(raw, 2, store.keys[store.patronymic[i]!]!);
    const y = store.year[i]!;
    const mo = store.month[i]!;
    const d = store.day[i]!;
    // Tokens y<year>, m<month>, d<day> and s<lo>-<hi> (unordered day/month, so that a swap
    // still shares it). Months and days are 1..31 (dates.ts); the tables are indexed by them.
    if (y !== 0) {
      setPositions(
        raw,
        datePositions(yearTable, y, () => `y${y}`),
      );
      if (mo !== 0)
        setPositions(
          raw,
          datePositions(monthTable, mo & 31, () => `m${mo}`),
        );
      if (d !== 0)
        setPositions(
          raw,
          datePositions(dayTable, d & 31, () => `d${d}`),
        );
      if (mo !== 0 && d !== 0) {
        const lo = Math.min(mo, d);
        const hi = Math.max(mo, d);
        setPositions(
          raw,
          datePositions(swapTable, (lo & 31) * 32 + (hi & 31), () => `s${lo}-${hi}`),
        );
      }
    }
    const phone = store.phone[i]!;
    // Phone digits as bigrams (memoisable, and one mistyped digit costs little).
    if (phone !== '') setBigrams(raw, 4, phone.length > 10 ? phone.slice(-10) : phone);
    setBigrams(raw, 5, store.keys[store.place[i]!]!);
    hardenInto(raw, out);
  };
  const encodeBits = (store: RecordStore, i: number): Uint32Array => {
    const out = new Uint32Array(outWords);
    encodeBitsInto(store, i, new Uint32Array(words), out);
    return out;
  };

  const makeRecord = (
    store: RecordStore,
    i: number,
    keys: string[],
    blockingTokens: string[],
    bits = encodeBits(store, i),
  ): ClkRecord => {
    const refinedToken = (k: number, level: number): string => {
      let key = keys[k] ?? '';
      for (let l = 1; l <= level && key !== ''; l++) {
        const r = plainBlockingRefinement(store, i, k, l);
        key = r === '' ? '' : `${key}|${r}`;
      }
      return blockToken(key);
    };
    return { id: store.ids[i]!, bits, popcount: popcountBits(bits), blockingTokens, refinedToken };
  };
  const encodeStored = (store: RecordStore, i: number): ClkRecord => {
    blockScratch.fill('');
    plainBlockingKeys(store, i, blockScratch);
    const keys = blockScratch.slice();
    return makeRecord(store, i, keys, keys.map(blockToken));
  };
  let lastBulk = { tokensHashed: 0, byWorker: 0 };
  const encodeAll = (store: RecordStore, threads?: number): ClkRecord[] => {
    const n = store.size;
    // A record has about four level-0 keys that no earlier record had (50k generated records:
    // 196k distinct of 354k); texts beyond the stream's room are hashed in this thread.
    const stream = createLinkageTokenStream(blockKey, {
      threads: threads ?? (n >= 20_000 ? 2 : 1),
      expectedTexts: Math.min(5 * n + 1024, 4_000_000),
    });
    const keysOf: string[][] = new Array(n);
    // Stream index of record i's key k, or -1 (no key, or a token already in the memo).
    const tokenAt = new Int32Array(n * KEYS_PER_RECORD).fill(-1);
    const pushed = new Map<string, number>();
    // One buffer for every record's bits (each record gets a view of it), one scratch filter.
    const allBits = new Uint32Array(n * outWords);
    const raw = new Uint32Array(words);
    const bits: Uint32Array[] = new Array(n);
    const memoEmpty = tokenMemo.size === 0;
    for (let i = 0; i < n; i++) {
      const keys = new Array<string>(KEYS_PER_RECORD).fill('');
      plainBlockingKeys(store, i, keys);
      keysOf[i] = keys;
      for (let k = 0; k < KEYS_PER_RECORD; k++) {
        const key = keys[k]!;
        if (key === '' || (!memoEmpty && tokenMemo.has(key))) continue;
        let t = pushed.get(key);
        if (t === undefined) {
          t = stream.push(key);
          pushed.set(key, t);
        }
        tokenAt[i * KEYS_PER_RECORD + k] = t;
      }
      // The worker hashes the keys pushed so far while this thread builds the filter.
      const own = allBits.subarray(i * outWords, (i + 1) * outWords);
      encodeBitsInto(store, i, raw, own);
      bits[i] = own;
    }
    const { tokens, byWorker } = stream.finish();
    lastBulk = { tokensHashed: tokens.length, byWorker };
    const out: ClkRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const keys = keysOf[i]!;
      const blockingTokens = new Array<string>(KEYS_PER_RECORD);
      for (let k = 0; k < KEYS_PER_RECORD; k++) {
        const key = keys[k]!;
        const t = tokenAt[i * KEYS_PER_RECORD + k]!;
        blockingTokens[k] = key === '' ? '' : t >= 0 ? tokens[t]! : tokenMemo.get(key)!;
      }
      out[i] = makeRecord(store, i, keys, blockingTokens, bits[i]);
    }
    return out;
  };

  return {
    options,
    fingerprint,
    encodeStored,
    encodeAll,
    get lastBulk() {
      return lastBulk;
    },
    encodeBitsStored: encodeBits,
    encode(record) {
      const store = new RecordStore();
      store.add(record);
      return encodeStored(store, 0);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Export / import: JSON Lines, a header line then one line per record. Nothing in it is personal
// data in the clear; it is still treated as sensitive (see docs/linkage.md).

/**
 * Version of the encodings file. 1: six blocking keys per level (18 tokens; the first files had
 * 5 unrefined ones). 2: eight keys per level (24 tokens), since the blocking keys 7 and 8 were
 * added (ADR 0075). 3: the same layout, but keys 2 and 6 were redefined (ADR 0075 amended), so
 * their tokens in older files mean something else. The Bloom filters are the same in all three.
 */
export const ENCODING_FORMAT_VERSION = 3;

/** Keys (0-based) whose tokens changed meaning in version 3: read as absent from older files. */
const REDEFINED_IN_VERSION_3 = [1, 5] as const;

export interface EncodingHeader {
  readonly format: 'sanctuary-clk';
  readonly version: 1 | 2 | 3;
  readonly bits: number;
  readonly hardening: ClkHardening;
  readonly fingerprint: string;
}

/** The header line of an encodings file. */
export function encodingHeader(encoder: ClkEncoder): EncodingHeader {
  return {
    format: 'sanctuary-clk',
    version: ENCODING_FORMAT_VERSION,
    bits: encodedBits(encoder.options),
    hardening: encoder.options.hardening,
    fingerprint: encoder.fingerprint,
  };
}

/** One record as an export line. */
export function exportEncoding(e: ClkRecord): string {
  const bytes = Buffer.from(e.bits.buffer, e.bits.byteOffset, e.bits.byteLength);
  const blocks: string[] = [];
  for (let level = 0; level < BLOCK_LEVELS; level++) {
    for (let k = 0; k < KEYS_PER_RECORD; k++) blocks.push(blockingTokenOf(e, k, level));
  }
  return JSON.stringify({ id: e.id, clk: bytes.toString('base64'), blocks });
}

/**
 * A version-1 record's tokens in the current layout: its 18 tokens were six keys per level
 * (the same first six keys as now, refined the same way), so each goes to its key and level
 * and keys 7 and 8 stay empty. The oldest files' 5 unrefined tokens keep their positions.
 */
/**
 * An older file's tokens in the current meaning: keys redefined since are left out (empty), so
 * they match nothing rather than something else; the other keys still block.
 */
function withoutRedefinedKeys(tokens: string[]): string[] {
  if (tokens.length !== KEYS_PER_RECORD * BLOCK_LEVELS) return tokens;
  const out = [...tokens];
  for (let level = 0; level < BLOCK_LEVELS; level++) {
    for (const k of REDEFINED_IN_VERSION_3) out[level * KEYS_PER_RECORD + k] = '';
  }
  return out;
}

function tokensFromVersion1(tokens: string[]): string[] {
  if (tokens.length !== CORE_KEYS * BLOCK_LEVELS) return tokens;
  const out = new Array<string>(KEYS_PER_RECORD * BLOCK_LEVELS).fill('');
  for (let level = 0; level < BLOCK_LEVELS; level++) {
    for (let k = 0; k < CORE_KEYS; k++) out[level * KEYS_PER_RECORD + k] = tokens[level * CORE_KEYS + k]!;
  }
  return out;
}

/**
 * Parses an export file's lines (header first). Checks the header against the expected
 * fingerprint when one is given, so that encodings made with another secret or other
 * parameters are refused instead of silently matching nothing.
 */
export function importEncodings(lines: Iterable<string>, expectedFingerprint?: string): ClkRecord[] {
  let header: EncodingHeader | undefined;
  const out: ClkRecord[] = [];
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const value = JSON.parse(line) as Record<string, unknown>;
    if (header === undefined) {
      if (value.format !== 'sanctuary-clk' || typeof value.bits !== 'number') {
        throw new Error('not a sanctuary-clk encodings file');
      }
      if (value.version !== 1 && value.version !== 2 && value.version !== ENCODING_FORMAT_VERSION) {
        throw new Error(
          `encodings file version ${JSON.stringify(value.version)} is not supported (this version reads 1 to ${ENCODING_FORMAT_VERSION}); ask the partner to export again with the same Sanctuary version`,
        );
      }
      header = value as unknown as EncodingHeader;
      if (expectedFingerprint !== undefined && header.fingerprint !== expectedFingerprint) {
        throw new Error('encodings were made with another linkage secret or other parameters');
      }
      continue;
    }
    const { id, clk, blocks } = value;
    if (typeof id !== 'string' || typeof clk !== 'string' || !Array.isArray(blocks)) {
      throw new Error(`line ${lineNo}: not an encoding record`);
    }
    const bytes = Buffer.from(clk, 'base64');
    if (bytes.length * 8 !== header.bits) throw new Error(`line ${lineNo}: encoding has the wrong length`);
    const bits = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const tokens = blocks.map(String);
    out.push({
      id,
      bits,
      popcount: popcountBits(bits),
      blockingTokens:
        header.version === 1
          ? withoutRedefinedKeys(tokensFromVersion1(tokens))
          : header.version === 2
            ? withoutRedefinedKeys(tokens)
            : tokens,
    });
  }
  if (header === undefined) throw new Error('empty encodings file');
  return out;
}

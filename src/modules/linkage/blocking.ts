/**
 * Blocking: only records that share at least one blocking key are compared. Several keys are
 * OR-ed, so a record missed by one (a typo in the surname, a swapped date) is still found by
 * another. A key shared by more than `maxBlockSize` records is not dropped but subdivided: its
 * records are re-keyed by a refinement (the key plus the birth year, say), and again by a second
 * refinement if the sub-block is still too large; only what is still too large after that is
 * dropped (and counted). This keeps the number of candidate pairs per record bounded as the
 * input grows (common surnames grow with it; see ADR 0025) without losing the records of
 * common names altogether.
 */
import { NAME_GROUPS } from './diminutives.ts';
import type { RecordStore } from './record-store.ts';
import { matchKey, phoneticKey } from './transliterate.ts';

/** Number of blocking keys per record. */
export const KEYS_PER_RECORD = 8;
/**
 * The first keys, as in encodings file version 1: what private mode's shared-token credit
 * counts (ADR 0028 was tuned on them). The app stores all KEYS_PER_RECORD keys (ADR 0075).
 */
export const CORE_KEYS = 6;
/** Levels per key: the key itself and up to two refinements. */
export const BLOCK_LEVELS = 3;

/** First phonetic symbol of each name group's first full form (Александр -> the one of "A..."). */
const GROUP_INITIAL: readonly string[] = NAME_GROUPS.map((g) =>
  phoneticKey(matchKey(g.fullForms[0] ?? ''), 1),
);

/**
 * The given name's initial for blocking: the first phonetic symbol of its name group's full
 * form when the name is in the table (so "Саша" and "Alexandr" agree), else of the name as
 * written (so a misspelt name that the table no longer recognises still agrees). '' if none.
 */
function givenInitial(store: RecordStore, i: number): string {
  const g = store.group1[i]!;
  if (g >= 0) return GROUP_INITIAL[g]!;
  return store.phoneticOf(store.given[i]!, 1);
}

function unorderedDayMonth(store: RecordStore, i: number): string {
  const m = store.month[i]!;
  const d = store.day[i]!;
  return m === 0 ? '' : `${Math.min(m, d)}-${Math.max(m, d)}`;
}

/**
 * The blocking keys of record i (up to KEYS_PER_RECORD; missing ones are ''):
 *   1. phonetic surname + birth year (refined by the given name's initial, then the unordered
 *      day and month);
 *   2. phonetic surname + the given name's initial (of its name group's full form when the
 *      table knows the name; finds a misspelt given name when the birth date is missing;
 *      refined by the given name (its diminutive group when known), then the birth year);
 *   3. phone (E.164);
 *   4. birth date with day and month unordered + first letter of the given name (finds a
 *      changed or misspelt surname; refined by the surname's first two phonetic symbols);
 *   5. the two phonetic names in sorted order (finds given and family swapped; refined by
 *      birth year, then day and month);
 *   6. given name (group) + birth year (finds a misspelt or missing surname when the birth date
 *      is only partly given; refined by the surname's first phonetic symbol, then day and month);
 *   7. phonetic surname + unordered day and month (finds a wrong birth year together with a
 *      misspelt or diminutive given name; refined by the given name's initial, then the year);
 *   8. unordered day and month + given name (group) (finds a wrong birth year together with a
 *      misspelt surname; refined by the surname's first phonetic symbol, then the year).
 * Keys 7 and 8 came with encodings file version 2 (ADR 0075). The app's blind-index blocking
 * (in-app.ts) stores all eight; private mode's score credits the first six only.
 */
export function plainBlockingKeys(store: RecordStore, i: number, out: string[]): void {
  const famId = store.family[i]!;
  const givId = store.given[i]!;
  const fam = store.phoneticOf(famId, 5);
  const giv = store.givenToken(i);
  const year = store.year[i]!;
  const month = store.month[i]!;
  const day = store.day[i]!;
  out[0] = fam !== '' && year !== 0 ? `y${fam}:${year}` : '';
  const gi = givenInitial(store, i);
  out[1] = fam !== '' && gi !== '' ? `g${fam}:${gi}` : '';
  out[2] = store.phone[i]! !== '' ? `p${store.phone[i]!}` : '';
  out[3] =
    year !== 0 && month !== 0 && day !== 0 && givId !== 0
      ? `d${year}-${unorderedDayMonth(store, i)}:${store.phoneticOf(givId, 1)}`
      : '';
  const pg = store.phoneticOf(givId, 5);
  out[4] = fam !== '' && pg !== '' ? `s${fam < pg ? `${fam}:${pg}` : `${pg}:${fam}`}` : '';
  out[5] = giv !== '' && year !== 0 ? `i${giv}:${year}` : '';
  const dm = month !== 0 && day !== 0 ? unorderedDayMonth(store, i) : '';
  out[6] = fam !== '' && dm !== '' ? `m${fam}:${dm}` : '';
  out[7] = giv !== '' && dm !== '' ? `n${dm}:${giv}` : '';
}

/**
 * The refinement of record i's key k at `level` (1 or 2), appended to the key when its block is
 * too large; '' when the record has nothing to refine by (it then leaves that key's block).
 */
export function plainBlockingRefinement(store: RecordStore, i: number, k: number, level: number): string {
  const year = store.year[i]!;
  switch (k) {
    case 0:
      return level === 1 ? store.phoneticOf(store.given[i]!, 1) : unorderedDayMonth(store, i);
    case 1:
      return level === 1 ? store.givenToken(i) : year === 0 ? '' : String(year);
    case 4:
      return level === 1 ? (year === 0 ? '' : String(year)) : unorderedDayMonth(store, i);
    case 3:
      return level === 1 ? store.phoneticOf(store.family[i]!, 2) : '';
    case 5:
      return level === 1 ? store.phoneticOf(store.family[i]!, 1) : unorderedDayMonth(store, i);
    case 6:
      return level === 1 ? store.phoneticOf(store.given[i]!, 1) : year === 0 ? '' : String(year);
    case 7:
      return level === 1 ? store.phoneticOf(store.family[i]!, 1) : year === 0 ? '' : String(year);
    default:
      return '';
  }
}

/** Blocks in compressed form: the members of block b are members[offsets[b] .. offsets[b+1]). */
export interface Blocks {
  readonly keysPerRecord: number;
  /** recordBlocks[i * keysPerRecord + k] = block of record i's k-th key, or -1. */
  readonly recordBlocks: Int32Array;
  readonly offsets: Int32Array;
  readonly members: Int32Array;
  readonly blockCount: number;
  /** Blocks dropped because they had more than maxBlockSize members. */
  readonly droppedBlocks: number;
}

/**
 * Groups n records into blocks by the keys that `keysOf(i, out)` writes into `out`
 * (`''` = no key). When a key's block has more than `maxBlockSize` members, each member is
 * re-keyed by `refine(i, k, level, key)` (the full refined key, `''` = none) for level 1, then 2
 * if still too large; blocks still too large after the last level are dropped. Members of each
 * block are in ascending record order.
 */
export function buildBlocks(
  n: number,
  keysPerRecord: number,
  keysOf: (i: number, out: string[]) => void,
  maxBlockSize: number,
  refine?: (i: number, k: number, level: number, key: string) => string,
  levels = BLOCK_LEVELS,
): Blocks {
  const index = new Map<string, number>();
  const sizes: number[] = [];
  const recordBlocks = new Int32Array(n * keysPerRecord).fill(-1);
  const scratch = new Array<string>(keysPerRecord).fill('');
  const blockOf = (key: string): number => {
    let b = index.get(key);
    if (b === undefined) {
      b = sizes.length;
      index.set(key, b);
      sizes.push(0);
    }
    return b;
  };
  // Level 0 for every record; the keys are kept only while a refinement may need them.
  const keyText: string[] | undefined =
    refine === undefined ? undefined : new Array<string>(n * keysPerRecord);
  for (let i = 0; i < n; i++) {
    scratch.fill('');
    keysOf(i, scratch);
    for (let k = 0; k < keysPerRecord; k++) {
      const key = scratch[k]!;
      if (key === '') continue;
      const b = blockOf(key);
      recordBlocks[i * keysPerRecord + k] = b;
      sizes[b]! += 1;
      if (keyText !== undefined) keyText[i * keysPerRecord + k] = key;
    }
  }
  if (refine !== undefined && keyText !== undefined) {
    for (let level = 1; level < levels; level++) {
      let moved = 0;
      for (let p = 0; p < recordBlocks.length; p++) {
        const b = recordBlocks[p]!;
        if (b < 0 || sizes[b]! <= maxBlockSize) continue;
        const i = Math.floor(p / keysPerRecord);
        const k = p - i * keysPerRecord;
        const key = refine(i, k, level, keyText[p]!);
        if (key === '') {
          recordBlocks[p] = -1;
          continue;
        }
        const nb = blockOf(key);
        recordBlocks[p] = nb;
        sizes[nb]! += 1;
        keyText[p] = key;
        moved++;
      }
      if (moved === 0) break;
    }
  }
  return compressBlocks(n, keysPerRecord, recordBlocks, sizes.length, maxBlockSize);
}

/** Turns per-record block numbers into the compressed form, dropping singletons and oversized blocks. */
function compressBlocks(
  n: number,
  keysPerRecord: number,
  recordBlocks: Int32Array,
  blockCount: number,
  maxBlockSize: number,
): Blocks {
  let dropped = 0;
  const offsets = new Int32Array(blockCount + 1);
  // Count only the records still in each block (the ones refined away are gone).
  const live = new Int32Array(blockCount);
  for (let p = 0; p < recordBlocks.length; p++) {
    const b = recordBlocks[p]!;
    if (b >= 0) live[b]! += 1;
  }
  for (let b = 0; b < blockCount; b++) {
    const size = live[b]!;
    const keep = size >= 2 && size <= maxBlockSize;
    if (size > maxBlockSize) dropped++;
    offsets[b + 1] = offsets[b]! + (keep ? size : 0);
  }
  const members = new Int32Array(offsets[blockCount]!);
  const fill = offsets.slice(0, blockCount);
  for (let p = 0; p < recordBlocks.length; p++) {
    const b = recordBlocks[p]!;
    if (b < 0) continue;
    if (offsets[b + 1]! === offsets[b]!) {
      recordBlocks[p] = -1;
      continue;
    }
    members[fill[b]!] = Math.floor(p / keysPerRecord);
    fill[b]! += 1;
  }
  void n;
  return { keysPerRecord, recordBlocks, offsets, members, blockCount, droppedBlocks: dropped };
}

/** Mixes two 32-bit integers into one (a hash; equal inputs give equal outputs). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Open-addressing table from a key of two int32 (hi, lo) to a block number, in typed arrays:
 * millions of blocking keys as strings in a Map cost more in allocation and GC than the scoring.
 */
class BlockTable {
  private hi: Int32Array;
  private lo: Int32Array;
  private id: Int32Array;
  private mask: number;
  count = 0;
  sizes = new Int32Array(1024);
  constructor(expected: number) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.id = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }
  /** Block number of (hi, lo), created on first sight; its size is incremented. */
  add(hi: number, lo: number): number {
    if (this.count * 2 >= this.id.length) this.grow();
    let h = mix(hi, lo) & this.mask;
    for (;;) {
      const b = this.id[h]!;
      if (b === -1) break;
      if (this.hi[h] === hi && this.lo[h] === lo) {
        this.sizes[b]! += 1;
        return b;
      }
      h = (h + 1) & this.mask;
    }
    const b = this.count++;
    this.hi[h] = hi;
    this.lo[h] = lo;
    this.id[h] = b;
    if (b >= this.sizes.length) {
      const next = new Int32Array(this.sizes.length * 2);
      next.set(this.sizes);
      this.sizes = next;
    }
    this.sizes[b] = 1;
    return b;
  }
  private grow(): void {
    const { hi, lo, id } = this;
    const cap = id.length * 2;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.id = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let s = 0; s < id.length; s++) {
      const b = id[s]!;
      if (b === -1) continue;
      let h = mix(hi[s]!, lo[s]!) & this.mask;
      while (this.id[h] !== -1) h = (h + 1) & this.mask;
      this.hi[h] = hi[s]!;
      this.lo[h] = lo[s]!;
      this.id[h] = b;
    }
  }
}

/**
 * The plain-mode blocking keys of record i as integer pairs, the same keys as
 * `plainBlockingKeys` (and refined the same way) built from interned ids instead of text.
 * Writes hi/lo of key k at out[2k], out[2k+1]; hi = -1 means no key.
 */
export function plainBlockingCodes(store: RecordStore, i: number, out: Int32Array): void {
  const famId = store.family[i]!;
  const givId = store.given[i]!;
  const fam = store.phoneticIdOf(famId, 5);
  const g1 = store.group1[i]!;
  const giv = g1 >= 0 ? g1 : givId === 0 ? -1 : (1 << 20) + store.phoneticIdOf(givId, 4);
  const year = store.year[i]!;
  const month = store.month[i]!;
  const day = store.day[i]!;
  const dm = month === 0 ? 0 : Math.min(month, day) * 32 + Math.max(month, day);
  out.fill(-1);
  if (fam !== 0 && year !== 0) {
    out[0] = (0 << 27) | fam;
    out[1] = year;
  }
  const gi = givenInitial(store, i);
  if (fam !== 0 && gi !== '') {
    out[2] = (1 << 27) | fam;
    out[3] = gi.charCodeAt(0);
  }
  if (store.phoneId[i]! !== 0) {
    out[4] = 2 << 27;
    out[5] = store.phoneId[i]!;
  }
  if (year !== 0 && month !== 0 && day !== 0 && givId !== 0) {
    out[6] = (3 << 27) | store.phoneticIdOf(givId, 1);
    out[7] = year * 1024 + dm;
  }
  const pg = store.phoneticIdOf(givId, 5);
  if (fam !== 0 && pg !== 0) {
    // Sorted by the phonetic text, as in plainBlockingKeys (ids would do as well).
    out[8] = (4 << 27) | Math.min(fam, pg);
    out[9] = Math.max(fam, pg);
  }
  if (giv >= 0 && year !== 0) {
    out[10] = (5 << 27) | year;
    out[11] = giv;
  }
  if (month !== 0 && day !== 0) {
    if (fam !== 0) {
      out[12] = (6 << 27) | fam;
      out[13] = dm;
    }
    if (giv >= 0) {
      out[14] = (7 << 27) | dm;
      out[15] = giv;
    }
  }
}

/** The refinement of key k at `level` as an integer (-1 = none); see plainBlockingRefinement. */
export function plainBlockingRefinementCode(store: RecordStore, i: number, k: number, level: number): number {
  const year = store.year[i]!;
  const month = store.month[i]!;
  const dm = month === 0 ? -1 : Math.min(month, store.day[i]!) * 32 + Math.max(month, store.day[i]!);
  const orNone = (id: number) => (id === 0 ? -1 : id);
  switch (k) {
    case 0:
      return level === 1 ? orNone(store.phoneticIdOf(store.given[i]!, 1)) : dm;
    case 1: {
      if (level === 2) return year === 0 ? -1 : year;
      const g1 = store.group1[i]!;
      const givId = store.given[i]!;
      return g1 >= 0 ? g1 : givId === 0 ? -1 : (1 << 20) + store.phoneticIdOf(givId, 4);
    }
    case 4:
      return level === 1 ? (year === 0 ? -1 : year) : dm;
    case 3:
      return level === 1 ? orNone(store.phoneticIdOf(store.family[i]!, 2)) : -1;
    case 5:
      return level === 1 ? orNone(store.phoneticIdOf(store.family[i]!, 1)) : dm;
    case 6:
      return level === 1 ? orNone(store.phoneticIdOf(store.given[i]!, 1)) : year === 0 ? -1 : year;
    case 7:
      return level === 1 ? orNone(store.phoneticIdOf(store.family[i]!, 1)) : year === 0 ? -1 : year;
    default:
      return -1;
  }
}

/**
 * Plain-mode blocks of a store: the keys of `plainBlockingCodes`, a block over `maxBlockSize`
 * re-keyed by `plainBlockingRefinementCode` (levels 1 and 2), the rest as in `buildBlocks`.
 */
export function buildPlainBlocks(store: RecordStore, maxBlockSize: number): Blocks {
  const n = store.size;
  const K = KEYS_PER_RECORD;
  const table = new BlockTable(n * 2);
  const recordBlocks = new Int32Array(n * K).fill(-1);
  const keyHi = new Int32Array(n * K);
  const keyLo = new Int32Array(n * K);
  const codes = new Int32Array(K * 2);
  for (let i = 0; i < n; i++) {
    plainBlockingCodes(store, i, codes);
    for (let k = 0; k < K; k++) {
      const hi = codes[2 * k]!;
      if (hi === -1) continue;
      const lo = codes[2 * k + 1]!;
      const p = i * K + k;
      recordBlocks[p] = table.add(hi, lo);
      keyHi[p] = hi;
      keyLo[p] = lo;
    }
  }
  for (let level = 1; level < BLOCK_LEVELS; level++) {
    let moved = 0;
    for (let p = 0; p < recordBlocks.length; p++) {
      const b = recordBlocks[p]!;
      if (b < 0 || table.sizes[b]! <= maxBlockSize) continue;
      const i = Math.floor(p / K);
      const k = p - i * K;
      const r = plainBlockingRefinementCode(store, i, k, level);
      if (r < 0) {
        recordBlocks[p] = -1;
        continue;
      }
      // Refined key: a hash of the key in its own range (type 8 + level), then the refinement.
      const hi = ((8 + level) << 27) | (mix(keyHi[p]!, keyLo[p]!) >>> 5);
      const lo = r;
      recordBlocks[p] = table.add(hi, lo);
      keyHi[p] = hi;
      keyLo[p] = lo;
      moved++;
    }
    if (moved === 0) break;
  }
  return compressBlocks(n, K, recordBlocks, table.count, maxBlockSize);
}

/**
 * Calls `visit(i, j)` once for every pair i < j that shares at least one block, in ascending
 * order of i. Returns the number of pairs visited.
 */
export function forEachCandidatePair(
  blocks: Blocks,
  n: number,
  visit: (i: number, j: number) => void,
): number {
  const { keysPerRecord, recordBlocks, offsets, members } = blocks;
  const mark = new Int32Array(n).fill(-1);
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < keysPerRecord; k++) {
      const b = recordBlocks[i * keysPerRecord + k]!;
      if (b < 0) continue;
      const end = offsets[b + 1]!;
      // Members are ascending: skip to the first one after i.
      let lo = offsets[b]!;
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (members[mid]! <= i) lo = mid + 1;
        else hi = mid;
      }
      for (let p = lo; p < end; p++) {
        const j = members[p]!;
        if (mark[j] === i) continue;
        mark[j] = i;
        visit(i, j);
        pairs++;
      }
    }
  }
  return pairs;
}

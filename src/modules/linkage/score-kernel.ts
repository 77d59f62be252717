/**
 * The pairwise scoring kernel: the same comparison as `compareRecords` (fellegi-sunter.ts), but
 * on integer rows held in a typed array (shareable with worker threads through a
 * SharedArrayBuffer), writing the pattern code directly, with Jaro-Winkler memoised per
 * distinct key pair in a table that stops growing instead of starting over. A property test
 * checks that both give the same pattern for every pair.
 */
import type { Blocks } from './blocking.ts';
import { compareDateParts } from './dates.ts';
import type { RecordStore } from './record-store.ts';
import { GIVEN_SIMILAR, jaroWinkler, NAME_SIMILAR, NAME_VERY_SIMILAR } from './similarity.ts';

/**
 * A record store's integer fields, row after row (STRIDE int32 per record, one 64-byte cache
 * line), in shared memory. Row-major because a pair reads every field of two random records: as
 * 14 separate columns that was up to 28 cache misses per pair at 1M records, as rows it is two.
 */
export interface ScoringColumns {
  readonly size: number;
  readonly rows: Int32Array;
  /** Interned keys (id -> matching key), for Jaro-Winkler of two different keys. */
  readonly keys: readonly string[];
}

/** Field offsets inside a row. */
const FAMILY = 0;
const FAMILY1 = 1;
const FAMILY2 = 2;
const GIVEN = 3;
const GROUP1 = 4;
const GROUP2 = 5;
const PATRONYMIC = 6;
const PLACE = 7;
const GENDER = 8;
const YEAR = 9;
const MONTH = 10;
const DAY = 11;
const PHONE = 12;
const PHONE_TAIL = 13;
/** int32 per row. */
export const STRIDE = 16;

const COLUMN_NAMES = [
  'family',
  'family1',
  'family2',
  'given',
  'group1',
  'group2',
  'patronymic',
  'place',
  'gender',
  'year',
  'month',
  'day',
  'phoneId',
  'phoneTail',
] as const;

/** Copies a store's fields into rows backed by shared memory. */
export function columnsOf(store: RecordStore): ScoringColumns {
  const n = store.size;
  const rows = new Int32Array(new SharedArrayBuffer(Math.max(64, n * STRIDE * 4)));
  for (let f = 0; f < COLUMN_NAMES.length; f++) {
    const src = store[COLUMN_NAMES[f]!];
    for (let i = 0; i < n; i++) rows[i * STRIDE + f] = src[i]!;
  }
  return { size: n, rows, keys: store.keys };
}

// Pattern radix per field (levels + 1 for "missing"), as in fellegi-sunter.ts:
// family 5, given 5, patronymic 4, birth date 6, phone 4, place 4, gender 3; then the swap bit.
const R_GENDER = 3;
const R_PLACE = 4;
const R_PHONE = 4;
const R_DATE = 6;
const R_PAT = 4;
const R_GIVEN = 5;

/** A comparer of record pairs with its own Jaro-Winkler memo (one per thread). */
export interface PairScorer {
  /** Pattern code (as `encodePattern(compareRecords(...))`) of records i and j. */
  pattern(i: number, j: number): number;
}

/** Creates a pair scorer over the columns; `memoBits` sizes the Jaro-Winkler memo (2^bits). */
export function createPairScorer(cols: ScoringColumns, memoBits = 22): PairScorer {
  const size = 1 << memoBits;
  const mask = size - 1;
  const memoA = new Int32Array(size).fill(-1);
  const memoB = new Int32Array(size);
  // Float64: a similarity rounded to float32 could fall on the other side of a level boundary
  // than the fresh value, and the result would depend on what the memo had seen.
  const memoV = new Float64Array(size);
  let used = 0;
  const limit = Math.floor(size * 0.7);
  const { keys, rows } = cols;

  const similarity = (ka: number, kb: number): number => {
    const a = Math.min(ka, kb);
    const b = Math.max(ka, kb);
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> (32 - memoBits);
    for (;;) {
      const ea = memoA[h]!;
      if (ea === -1) break;
      if (ea === a && memoB[h] === b) return memoV[h]!;
      h = (h + 1) & mask;
    }
    const s = jaroWinkler(keys[a]!, keys[b]!);
    // A full table stops learning instead of starting over (starting over thrashed at 1M).
    if (used < limit) {
      memoA[h] = a;
      memoB[h] = b;
      memoV[h] = s;
      used++;
    }
    return s;
  };
  const nameLevel = (ka: number, kb: number, exact: number): number => {
    if (ka === 0 || kb === 0) return -1;
    if (ka === kb) return exact;
    const s = similarity(ka, kb);
    return s >= NAME_VERY_SIMILAR ? 2 : s >= NAME_SIMILAR ? 1 : 0;
  };
  const plainLevel = (ka: number, kb: number): number => {
    if (ka === 0 || kb === 0) return -1;
    if (ka === kb) return 2;
    return similarity(ka, kb) >= 0.9 ? 1 : 0;
  };

  return {
    pattern(i, j) {
      const ri = i * STRIDE;
      const rj = j * STRIDE;
      const fi = rows[ri + FAMILY]!;
      const fj = rows[rj + FAMILY]!;
      let fam = nameLevel(fi, fj, 3);
      if (fam >= 0 && fam < 2) {
        const a1 = rows[ri + FAMILY1]!;
        const a2 = rows[ri + FAMILY2]!;
        const b1 = rows[rj + FAMILY1]!;
        const b2 = rows[rj + FAMILY2]!;
        if (
          (a1 !== 0 || b1 !== 0) &&
          (fi === b1 || fi === b2 || fj === a1 || fj === a2 || (a1 !== 0 && (a1 === b1 || a2 === b2)))
        )
          fam = 2;
      }
      const gi = rows[ri + GIVEN]!;
      const gj = rows[rj + GIVEN]!;
      let giv: number;
      if (gi === 0 || gj === 0) giv = -1;
      else if (gi === gj) giv = 3;
      else {
        const ga1 = rows[ri + GROUP1]!;
        const ga2 = rows[ri + GROUP2]!;
        const gb1 = rows[rj + GROUP1]!;
        const gb2 = rows[rj + GROUP2]!;
        if (ga1 >= 0 && (ga1 === gb1 || ga1 === gb2 || (ga2 >= 0 && (ga2 === gb1 || ga2 === gb2)))) giv = 2;
        else giv = similarity(gi, gj) >= GIVEN_SIMILAR ? 1 : 0;
      }
      let swapped = 0;
      if (fam <= 1 && giv <= 1) {
        const crossA = fi !== 0 && (fi === gj || gi === fj) ? nameLevel(fi, gj, 3) : -1;
        const crossB = crossA >= 2 ? nameLevel(gi, fj, 3) : -1;
        if (crossA >= 2 && crossB >= 2 && crossA + crossB > Math.max(fam, 0) + Math.max(giv, 0)) {
          fam = crossA;
          giv = crossB;
          swapped = 1;
        }
      }
      const pat = plainLevel(rows[ri + PATRONYMIC]!, rows[rj + PATRONYMIC]!);
      const dob = compareDateParts(
        rows[ri + YEAR]!,
        rows[ri + MONTH]!,
        rows[ri + DAY]!,
        rows[rj + YEAR]!,
        rows[rj + MONTH]!,
        rows[rj + DAY]!,
      );
      const pa = rows[ri + PHONE]!;
      const pb = rows[rj + PHONE]!;
      const ph =
        pa === 0 || pb === 0 ? -1 : pa === pb ? 2 : rows[ri + PHONE_TAIL] === rows[rj + PHONE_TAIL] ? 1 : 0;
      const pl = plainLevel(rows[ri + PLACE]!, rows[rj + PLACE]!);
      const ga = rows[ri + GENDER]!;
      const gb = rows[rj + GENDER]!;
      const gen = ga === 0 || gb === 0 ? -1 : ga === gb ? 1 : 0;
      let code = fam + 1;
      code = code * R_GIVEN + giv + 1;
      code = code * R_PAT + pat + 1;
      code = code * R_DATE + dob + 1;
      code = code * R_PHONE + ph + 1;
      code = code * R_PLACE + pl + 1;
      code = code * R_GENDER + gen + 1;
      return code * 2 + swapped;
    },
  };
}

/** Scored candidate pairs of a share of the records, and the histogram of their patterns. */
export interface ScoredPairs {
  a: Int32Array;
  b: Int32Array;
  pattern: Uint32Array;
  length: number;
  histogram: Uint32Array;
}

/**
 * Scores every candidate pair (i, j), i < j, whose first record satisfies i % stride === part
 * (records interleaved, so that parts get similar work). Pairs come in ascending order of i.
 */
export function scoreCandidates(
  cols: ScoringColumns,
  blocks: Blocks,
  patternCount: number,
  part = 0,
  stride = 1,
  scorer: PairScorer = createPairScorer(cols),
): ScoredPairs {
  const n = cols.size;
  const { keysPerRecord, recordBlocks, offsets, members } = blocks;
  const mark = new Int32Array(n).fill(-1);
  const histogram = new Uint32Array(patternCount);
  let cap = 1 << 16;
  let a = new Int32Array(cap);
  let b = new Int32Array(cap);
  let pattern = new Uint32Array(cap);
  let length = 0;
  for (let i = part; i < n; i += stride) {
    for (let k = 0; k < keysPerRecord; k++) {
      const blk = recordBlocks[i * keysPerRecord + k]!;
      if (blk < 0) continue;
      const end = offsets[blk + 1]!;
      let lo = offsets[blk]!;
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
        const code = scorer.pattern(i, j);
        histogram[code]! += 1;
        if (length === cap) {
          cap *= 2;
          const na = new Int32Array(cap);
          na.set(a);
          a = na;
          const nb = new Int32Array(cap);
          nb.set(b);
          b = nb;
          const np = new Uint32Array(cap);
          np.set(pattern);
          pattern = np;
        }
        a[length] = i;
        b[length] = j;
        pattern[length] = code;
        length++;
      }
    }
  }
  return { a, b, pattern, length, histogram };
}

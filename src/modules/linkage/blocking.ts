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
import type { RecordStore } from './record-store.ts';

/** Number of blocking keys per record. */
export const KEYS_PER_RECORD = 6;
/** Levels per key: the key itself and up to two refinements. */
export const BLOCK_LEVELS = 3;

function unorderedDayMonth(store: RecordStore, i: number): string {
  const m = store.month[i]!;
  const d = store.day[i]!;
  return m === 0 ? '' : `${Math.min(m, d)}-${Math.max(m, d)}`;
}

/**
 * The blocking keys of record i (up to KEYS_PER_RECORD; missing ones are ''):
 *   1. phonetic surname + birth year (refined by the given name's initial, then the unordered
 *      day and month);
 *   2. phonetic surname + given name (its diminutive group when known; refined by birth year,
 *      then day and month);
 *   3. phone (E.164);
 *   4. birth date with day and month unordered + first letter of the given name (finds a
 *      changed or misspelt surname; refined by the surname's first two phonetic symbols);
 *   5. the two phonetic names in sorted order (finds given and family swapped; refined by
 *      birth year, then day and month);
 *   6. first phonetic symbol of the surname + given name + birth year (finds a misspelt surname
 *      when the birth date is only partly given; refined by day and month).
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
  out[1] = fam !== '' && giv !== '' ? `g${fam}:${giv}` : '';
  out[2] = store.phone[i]! !== '' ? `p${store.phone[i]!}` : '';
  out[3] =
    year !== 0 && month !== 0 && day !== 0 && givId !== 0
      ? `d${year}-${unorderedDayMonth(store, i)}:${store.phoneticOf(givId, 1)}`
      : '';
  const pg = store.phoneticOf(givId, 5);
  out[4] = fam !== '' && pg !== '' ? `s${fam < pg ? `${fam}:${pg}` : `${pg}:${fam}`}` : '';
  out[5] = fam !== '' && giv !== '' && year !== 0 ? `i${fam[0]}:${giv}:${year}` : '';
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
    case 4:
      return level === 1 ? (year === 0 ? '' : String(year)) : unorderedDayMonth(store, i);
    case 3:
      return level === 1 ? store.phoneticOf(store.family[i]!, 2) : '';
    case 5:
      return level === 1 ? unorderedDayMonth(store, i) : '';
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
  let dropped = 0;
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
  const blockCount = sizes.length;
  const offsets = new Int32Array(blockCount + 1);
  // A block's size counts every record that ever entered it; the ones refined away are gone.
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
  return { keysPerRecord, recordBlocks, offsets, members, blockCount, droppedBlocks: dropped };
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

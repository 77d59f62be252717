/**
 * Blocking: only records that share at least one blocking key are compared. Several keys are
 * OR-ed, so a record missed by one (a typo in the surname, a swapped date) is still found by
 * another. A key shared by more than `maxBlockSize` records is dropped as uninformative, so a
 * common surname cannot make the pair count explode; the number of dropped blocks is reported.
 */
import type { RecordStore } from './record-store.ts';
import { phoneticKey } from './transliterate.ts';

/** Number of blocking keys per record. */
export const KEYS_PER_RECORD = 5;

/**
 * The blocking keys of record i (up to KEYS_PER_RECORD; missing ones are ''):
 *   1. phonetic surname + birth year;
 *   2. phonetic surname + given name (its diminutive group when known);
 *   3. phone (E.164);
 *   4. birth date with day and month unordered + first letter of the given name (finds a
 *      changed or misspelt surname);
 *   5. the two phonetic names in sorted order (finds given and family swapped).
 */
export function plainBlockingKeys(store: RecordStore, i: number, out: string[]): void {
  const famKey = store.keys[store.family[i]!]!;
  const givKey = store.keys[store.given[i]!]!;
  const fam = phoneticKey(famKey, 5);
  const giv = store.givenToken(i);
  const year = store.year[i]!;
  const month = store.month[i]!;
  const day = store.day[i]!;
  out[0] = fam !== '' && year !== 0 ? `y${fam}:${year}` : '';
  out[1] = fam !== '' && giv !== '' ? `g${fam}:${giv}` : '';
  out[2] = store.phone[i]! !== '' ? `p${store.phone[i]!}` : '';
  out[3] =
    year !== 0 && month !== 0 && day !== 0 && givKey !== ''
      ? `d${year}-${Math.min(month, day)}-${Math.max(month, day)}:${phoneticKey(givKey, 1)}`
      : '';
  const pg = phoneticKey(givKey, 5);
  out[4] = fam !== '' && pg !== '' ? `s${fam < pg ? `${fam}:${pg}` : `${pg}:${fam}`}` : '';
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
 * (`''` = no key). Members of each block are in ascending record order.
 */
export function buildBlocks(
  n: number,
  keysPerRecord: number,
  keysOf: (i: number, out: string[]) => void,
  maxBlockSize: number,
): Blocks {
  const index = new Map<string, number>();
  const sizes: number[] = [];
  const recordBlocks = new Int32Array(n * keysPerRecord).fill(-1);
  const scratch = new Array<string>(keysPerRecord).fill('');
  for (let i = 0; i < n; i++) {
    scratch.fill('');
    keysOf(i, scratch);
    for (let k = 0; k < keysPerRecord; k++) {
      const key = scratch[k]!;
      if (key === '') continue;
      let b = index.get(key);
      if (b === undefined) {
        b = sizes.length;
        index.set(key, b);
        sizes.push(0);
      }
      recordBlocks[i * keysPerRecord + k] = b;
      sizes[b]! += 1;
    }
  }
  const blockCount = sizes.length;
  const offsets = new Int32Array(blockCount + 1);
  let dropped = 0;
  for (let b = 0; b < blockCount; b++) {
    const size = sizes[b]!;
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

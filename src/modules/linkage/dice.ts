/**
 * Dice coefficient on Bloom-filter encodings.
 *
 * - `diceCoefficient`: one pair, in JavaScript (used inside blocks).
 * - `searchDice`: every query against every base encoding (a watchlist check, or two
 *   organisations' files), with popcount pruning: base rows are sorted by popcount, and only
 *   rows whose popcount can reach the threshold are compared
 *   (Dice >= t needs t/(2-t) <= |b|/|a| <= (2-t)/t). The surviving range is scanned by a
 *   WebAssembly SIMD kernel (wasm-popcount.ts) in worker threads that share the rows through
 *   a SharedArrayBuffer. A JavaScript kernel is used when WebAssembly SIMD is missing.
 */
import { Worker } from 'node:worker_threads';
import { buildDiceKernel, wasmSimdAvailable } from './wasm-popcount.ts';

/** Number of set bits in a 32-bit integer. */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of set bits of an encoding. */
export function popcountBits(bits: Uint32Array): number {
  let c = 0;
  for (let w = 0; w < bits.length; w++) c += popcount32(bits[w]!);
  return c;
}

/** Dice coefficient 2|a AND b| / (|a| + |b|), given the popcounts; 0 for two empty encodings. */
export function diceCoefficient(a: Uint32Array, b: Uint32Array, pa: number, pb: number): number {
  const total = pa + pb;
  if (total === 0) return 0;
  let c = 0;
  for (let w = 0; w < a.length; w++) c += popcount32(a[w]! & b[w]!);
  return (2 * c) / total;
}

/** Encodings packed row after row, for bulk comparison. */
export interface EncodingMatrix {
  readonly bits: number;
  readonly count: number;
  /** count * bits/32 words. */
  readonly data: Uint32Array;
  readonly popcounts: Uint16Array;
}

/** Packs encodings (all of one size) into a matrix backed by shared memory. */
export function packEncodings(encodings: readonly Uint32Array[], bits: number): EncodingMatrix {
  const words = bits / 32;
  const data = new Uint32Array(new SharedArrayBuffer(Math.max(4, encodings.length * words * 4)));
  const popcounts = new Uint16Array(new SharedArrayBuffer(Math.max(2, encodings.length * 2)));
  for (let r = 0; r < encodings.length; r++) {
    const e = encodings[r]!;
    if (e.length !== words) throw new Error(`encoding ${r} has ${e.length * 32} bits, expected ${bits}`);
    data.set(e, r * words);
    popcounts[r] = popcountBits(e);
  }
  return { bits, count: encodings.length, data, popcounts };
}

/** Result of a bulk search. */
export interface DiceMatches {
  /** Pairs (query row, base row) whose Dice reaches the threshold. */
  readonly query: Int32Array;
  readonly base: Int32Array;
  readonly dice: Float32Array;
  /** query count x base count: the comparisons the search answers for. */
  readonly comparisonsCovered: number;
  /** Comparisons actually computed (after popcount pruning). */
  readonly comparisonsComputed: number;
  readonly kernel: 'wasm-simd' | 'js';
  readonly workers: number;
}

export interface SearchOptions {
  /** Worker threads (default: 2, or 1 for small inputs; 0 = run in this thread). */
  workers?: number | undefined;
  /** Force the JavaScript kernel (for tests and comparison). */
  jsKernel?: boolean | undefined;
}

// The worker is plain JavaScript so that it runs the same under node, tsx and vitest, without
// a TypeScript loader in the worker thread. It receives shared rows and returns matches.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { bits, baseData, basePops, sortedRows, queryData, queryPops, from, to, threshold, kernelBytes } = workerData;
const words = bits / 32;
const rowBytes = bits / 8;
const baseCount = basePops.length;
function pc(x) { x = x - ((x >>> 1) & 0x55555555); x = (x & 0x33333333) + ((x >>> 2) & 0x33333333); return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff; }
const sortedPops = new Uint16Array(baseCount);
for (let k = 0; k < baseCount; k++) sortedPops[k] = basePops[sortedRows[k]];
// Cache tiling: the base is scanned in tiles that fit in L2, and every query of this worker
// meets a tile while it is hot. Scanning the whole base once per query made the search bound by
// memory bandwidth (two workers were slower than one).
const TILE = Math.max(64, Math.floor(262144 / rowBytes));
const qCount = to - from;
let scan = null, mem = null, qBase = 0, baseOff = 0, popsOff = 0, outOff = 0, outView = null;
if (kernelBytes !== null) {
  qBase = 0; baseOff = (qCount * rowBytes + 15) & ~15; popsOff = baseOff + baseCount * rowBytes;
  outOff = (popsOff + baseCount * 2 + 15) & ~15;
  const need = outOff + TILE * 8 + 16;
  mem = new WebAssembly.Memory({ initial: Math.ceil(need / 65536) + 1 });
  scan = new WebAssembly.Instance(new WebAssembly.Module(kernelBytes), { env: { mem } }).exports.scan;
  const u32 = new Uint32Array(mem.buffer);
  for (let k = 0; k < baseCount; k++) {
    const r = sortedRows[k];
    u32.set(baseData.subarray(r * words, r * words + words), (baseOff >> 2) + k * words);
  }
  u32.set(queryData.subarray(from * words, to * words), qBase >> 2);
  new Uint16Array(mem.buffer, popsOff, baseCount).set(sortedPops);
  outView = new Int32Array(mem.buffer, outOff, TILE * 2);
}
function lowerBound(v) { let lo = 0, hi = baseCount; while (lo < hi) { const m = (lo + hi) >> 1; if (sortedPops[m] < v) lo = m + 1; else hi = m; } return lo; }
const qs = [], bs = [], ds = [];
let computed = 0;
const tLow = threshold / (2 - threshold), tHigh = (2 - threshold) / threshold;
// The admissible window of each query in the popcount-sorted base.
const winLo = new Int32Array(qCount), winHi = new Int32Array(qCount);
for (let x = 0; x < qCount; x++) {
  const pa = queryPops[from + x];
  if (pa === 0) continue;
  winLo[x] = lowerBound(Math.ceil(pa * tLow - 1e-9));
  winHi[x] = Math.max(winLo[x], lowerBound(Math.floor(pa * tHigh + 1e-9) + 1));
  computed += winHi[x] - winLo[x];
}
for (let t0 = 0; t0 < baseCount; t0 += TILE) {
  const t1 = Math.min(baseCount, t0 + TILE);
  for (let x = 0; x < qCount; x++) {
    const lo = winLo[x] > t0 ? winLo[x] : t0;
    const hi = winHi[x] < t1 ? winHi[x] : t1;
    if (hi <= lo) continue;
    const q = from + x;
    const pa = queryPops[q];
    if (scan !== null) {
      const m = scan(qBase + x * rowBytes, baseOff + lo * rowBytes, hi - lo, popsOff + lo * 2, pa, threshold, outOff);
      for (let y = 0; y < m; y++) {
        const k = lo + outView[2 * y];
        qs.push(q); bs.push(sortedRows[k]); ds.push((2 * outView[2 * y + 1]) / (pa + sortedPops[k]));
      }
    } else {
      const qo = q * words;
      for (let k = lo; k < hi; k++) {
        const r = sortedRows[k];
        const ro = r * words;
        let c = 0;
        for (let w = 0; w < words; w++) c += pc(queryData[qo + w] & baseData[ro + w]);
        const d = (2 * c) / (pa + sortedPops[k]);
        if (d >= threshold) { qs.push(q); bs.push(r); ds.push(d); }
      }
    }
  }
}
parentPort.postMessage({ query: Int32Array.from(qs), base: Int32Array.from(bs), dice: Float32Array.from(ds), computed });
`;

interface WorkerReply {
  query: Int32Array;
  base: Int32Array;
  dice: Float32Array;
  computed: number;
}

function runWorker(data: Record<string, unknown>): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    worker.once('message', (m: WorkerReply) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`dice worker exited with ${code}`));
    });
  });
}

/**
 * Every query encoding against every base encoding; returns the pairs with Dice >= threshold.
 * Both matrices must have the same number of bits.
 */
export async function searchDice(
  queries: EncodingMatrix,
  base: EncodingMatrix,
  threshold: number,
  options: SearchOptions = {},
): Promise<DiceMatches> {
  if (queries.bits !== base.bits) throw new Error('encodings of different sizes cannot be compared');
  if (!(threshold > 0 && threshold <= 1)) throw new Error('threshold must be in (0, 1]');
  const order = Array.from({ length: base.count }, (_, i) => i).sort(
    (a, b) => base.popcounts[a]! - base.popcounts[b]! || a - b,
  );
  const sortedRows = new Int32Array(new SharedArrayBuffer(Math.max(4, base.count * 4)));
  sortedRows.set(order);
  const useWasm = options.jsKernel !== true && base.bits % 128 === 0 && wasmSimdAvailable();
  const kernelBytes = useWasm ? buildDiceKernel(base.bits) : null;
  const covered = queries.count * base.count;
  const workers = Math.max(1, Math.min(options.workers ?? (covered > 5_000_000 ? 2 : 1), queries.count || 1));
  const parts: Promise<WorkerReply>[] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((queries.count * w) / workers);
    const to = Math.floor((queries.count * (w + 1)) / workers);
    parts.push(
      runWorker({
        bits: base.bits,
        baseData: base.data,
        basePops: base.popcounts,
        sortedRows,
        queryData: queries.data,
        queryPops: queries.popcounts,
        from,
        to,
        threshold,
        kernelBytes,
      }),
    );
  }
  const replies = await Promise.all(parts);
  const total = replies.reduce((s, r) => s + r.query.length, 0);
  const query = new Int32Array(total);
  const baseRows = new Int32Array(total);
  const dice = new Float32Array(total);
  let at = 0;
  let computed = 0;
  for (const r of replies) {
    query.set(r.query, at);
    baseRows.set(r.base, at);
    dice.set(r.dice, at);
    at += r.query.length;
    computed += r.computed;
  }
  return {
    query,
    base: baseRows,
    dice,
    comparisonsCovered: covered,
    comparisonsComputed: computed,
    kernel: useWasm ? 'wasm-simd' : 'js',
    workers,
  };
}

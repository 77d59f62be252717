/**
 * Scoring in worker threads, behind a synchronous call (the linker's `finish()` is synchronous).
 *
 * Records are interleaved between the threads (record i goes to part i % threads); this thread
 * scores part 0 while each worker scores its own part over the same columns and blocks, which
 * live in SharedArrayBuffers (no copy). A worker reports through a shared status word: this
 * thread waits on it with Atomics.wait and then takes the worker's result from its
 * MessagePort with receiveMessageOnPort. A worker that does not start in time or fails is
 * terminated and its part is scored here, so the result never depends on whether workers ran.
 *
 * Workers load the TypeScript kernel through tsx, like the rest of the process (bin/sanctuary.js).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Blocks } from './blocking.ts';
import { PATTERN_COUNT } from './fellegi-sunter.ts';
import {
  createPairScorer,
  type PairScorer,
  type ScoredPairs,
  type ScoringColumns,
  scoreCandidates,
} from './score-kernel.ts';

/** Below this many records, one thread: starting a worker costs more than it saves. */
export const MIN_RECORDS_FOR_WORKERS = 150_000;

/** Threads used by default: two (this machine class has two cores) for large inputs, else one. */
export function defaultWorkers(records: number): number {
  return records >= MIN_RECORDS_FOR_WORKERS ? 2 : 1;
}

const STARTED = 1;
const DONE = 2;
const FAILED = 3;
/** How long a worker may take to start (load tsx and the kernel) before its part is done here. */
const START_TIMEOUT_MS = 30_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { status, port, tsxUrl, kernelUrl, cols, blocks, patternCount, part, stride, memoBits } = workerData;
(async () => {
  try {
    Atomics.store(status, 0, ${STARTED});
    Atomics.notify(status, 0);
    if (kernelUrl.endsWith('.ts')) (await import(tsxUrl)).register();
    const k = await import(kernelUrl);
    const r = k.scoreCandidates(cols, blocks, patternCount, part, stride, k.createPairScorer(cols, memoBits));
    const out = { a: r.a.subarray(0, r.length).slice(), b: r.b.subarray(0, r.length).slice(),
      pattern: r.pattern.subarray(0, r.length).slice(), length: r.length, histogram: r.histogram };
    port.postMessage(out, [out.a.buffer, out.b.buffer, out.pattern.buffer, out.histogram.buffer]);
    Atomics.store(status, 0, ${DONE});
  } catch (err) {
    if (process.env.SANCTUARY_DEBUG_WORKERS) console.error(err);
    Atomics.store(status, 0, ${FAILED});
  }
  Atomics.notify(status, 0);
})();
`;

function shared(arr: Int32Array): Int32Array {
  if (arr.buffer instanceof SharedArrayBuffer) return arr;
  const out = new Int32Array(new SharedArrayBuffer(Math.max(4, arr.length * 4)));
  out.set(arr);
  return out.length === arr.length ? out : out.subarray(0, arr.length);
}

interface Started {
  worker: Worker;
  status: Int32Array;
  port: MessagePort | import('node:worker_threads').MessagePort;
  part: number;
}

function startWorker(
  cols: ScoringColumns,
  blocks: Blocks,
  part: number,
  stride: number,
  memoBits: number,
): Started | undefined {
  try {
    const require = createRequire(import.meta.url);
    // The ESM build of tsx's API (its CommonJS build cannot register the ESM hooks).
    const tsxUrl = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    // Compiled (dist/, ADR 0149) the kernel is a .js file beside this one.
    const kernelUrl = new URL(`./score-kernel.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url)
      .href;
    const status = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        status,
        port: port2,
        tsxUrl,
        kernelUrl,
        cols,
        blocks,
        patternCount: PATTERN_COUNT,
        part,
        stride,
        memoBits,
      },
      transferList: [port2],
    });
    worker.unref();
    worker.on('error', () => {
      Atomics.store(status, 0, FAILED);
    });
    return { worker, status, port: port1, part };
  } catch {
    return undefined;
  }
}

function collect(s: Started): ScoredPairs | undefined {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(s.status, 0) === 0 && Date.now() < deadline) Atomics.wait(s.status, 0, 0, 100);
  let state = Atomics.load(s.status, 0);
  while (state === STARTED) {
    Atomics.wait(s.status, 0, STARTED, 1000);
    state = Atomics.load(s.status, 0);
  }
  let result: ScoredPairs | undefined;
  if (state === DONE) {
    const msg = receiveMessageOnPort(s.port as import('node:worker_threads').MessagePort);
    result = msg?.message as ScoredPairs | undefined;
  }
  void s.worker.terminate();
  (s.port as import('node:worker_threads').MessagePort).close();
  return result;
}

/** Scored candidate pairs of all parts, concatenated (part order), with one histogram. */
export interface ParallelScore extends ScoredPairs {
  /** Threads that actually scored (1 when workers were not used or failed). */
  readonly threads: number;
}

/**
 * Scores every candidate pair with `threads` threads (this one included). Synchronous. The
 * pairs' order depends on the thread count; their set and the histogram do not.
 */
export function scoreCandidatesInParallel(
  cols: ScoringColumns,
  blocks: Blocks,
  threads: number,
  scorer: PairScorer = createPairScorer(cols),
  memoBits = 22,
): ParallelScore {
  const stride = Math.max(1, Math.floor(threads));
  if (stride === 1) return { ...scoreCandidates(cols, blocks, PATTERN_COUNT, 0, 1, scorer), threads: 1 };
  const sharedBlocks: Blocks = {
    ...blocks,
    recordBlocks: shared(blocks.recordBlocks),
    offsets: shared(blocks.offsets),
    members: shared(blocks.members),
  };
  const started: (Started | undefined)[] = [];
  for (let part = 1; part < stride; part++)
    started.push(startWorker(cols, sharedBlocks, part, stride, memoBits));
  const parts: ScoredPairs[] = [scoreCandidates(cols, sharedBlocks, PATTERN_COUNT, 0, stride, scorer)];
  let threadsUsed = 1;
  for (let part = 1; part < stride; part++) {
    const s = started[part - 1];
    const r = s === undefined ? undefined : collect(s);
    if (r !== undefined) threadsUsed++;
    parts.push(r ?? scoreCandidates(cols, sharedBlocks, PATTERN_COUNT, part, stride, scorer));
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const a = new Int32Array(total);
  const b = new Int32Array(total);
  const pattern = new Uint32Array(total);
  const histogram = new Uint32Array(PATTERN_COUNT);
  for (const p of parts) for (let c = 0; c < PATTERN_COUNT; c++) histogram[c]! += p.histogram[c]!;
  // Merge the parts by first record, so that the pairs come in the same order as with one
  // thread (each part is ascending in its first record, and parts never share one).
  const at = new Int32Array(parts.length);
  for (let out = 0; out < total; ) {
    let best = -1;
    let bestA = Number.POSITIVE_INFINITY;
    for (let q = 0; q < parts.length; q++) {
      const p = parts[q]!;
      if (at[q]! < p.length && p.a[at[q]!]! < bestA) {
        bestA = p.a[at[q]!]!;
        best = q;
      }
    }
    const p = parts[best]!;
    let k = at[best]!;
    while (k < p.length && p.a[k] === bestA) {
      a[out] = bestA;
      b[out] = p.b[k]!;
      pattern[out] = p.pattern[k]!;
      out++;
      k++;
    }
    at[best] = k;
  }
  return { a, b, pattern, length: total, histogram, threads: threadsUsed };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildBlocks,
  buildPlainBlocks,
  forEachCandidatePair,
  KEYS_PER_RECORD,
  plainBlockingKeys,
  plainBlockingRefinement,
} from './blocking.ts';
import { diceCoefficient, packEncodings, searchDice } from './dice.ts';
import {
  compareRecords,
  defaultModel,
  encodePattern,
  estimatePairPrior,
  FIELD_COUNT,
  PATTERN_COUNT,
  patternWeights,
} from './fellegi-sunter.ts';
import { generateRecords, pairwiseScores } from './generator.ts';
import { linkRecords } from './link.ts';
import { RecordStore } from './record-store.ts';
import { columnsOf, createPairScorer, scoreCandidates } from './score-kernel.ts';
import { scoreCandidatesInParallel } from './score-parallel.ts';

const generated = generateRecords({ records: 1500, seed: 11 });
const store = new RecordStore();
for (const g of generated) store.add(g.record);
const cols = columnsOf(store);

function pairSet(visit: (emit: (i: number, j: number) => void) => void): Set<string> {
  const out = new Set<string>();
  visit((i, j) => out.add(`${i}:${j}`));
  return out;
}

describe('scoring kernel', () => {
  it('gives the same pattern as compareRecords for any pair', () => {
    const scorer = createPairScorer(cols, 12);
    const gamma = new Int8Array(FIELD_COUNT);
    const n = store.size;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }), (i, j) => {
        const swapped = compareRecords(store, i, j, gamma);
        return scorer.pattern(i, j) === encodePattern(gamma, swapped);
      }),
      { numRuns: 3000 },
    );
  });

  it('scores each candidate pair once, in the order forEachCandidatePair visits them', () => {
    const blocks = buildPlainBlocks(store, 30);
    const expected: string[] = [];
    forEachCandidatePair(blocks, store.size, (i, j) => expected.push(`${i}:${j}`));
    const got = scoreCandidates(cols, blocks, PATTERN_COUNT);
    const pairs = Array.from({ length: got.length }, (_, k) => `${got.a[k]}:${got.b[k]}`);
    expect(pairs).toEqual(expected);
    expect(got.histogram.reduce((s, x) => s + x, 0)).toBe(got.length);
  });

  it('gives the same pairs, patterns and histogram with two threads as with one', () => {
    const blocks = buildPlainBlocks(store, 30);
    const one = scoreCandidatesInParallel(cols, blocks, 1);
    const two = scoreCandidatesInParallel(cols, blocks, 2);
    expect(two.threads).toBeGreaterThanOrEqual(1);
    expect(two.length).toBe(one.length);
    expect(Array.from(two.a.subarray(0, two.length))).toEqual(Array.from(one.a.subarray(0, one.length)));
    expect(Array.from(two.b.subarray(0, two.length))).toEqual(Array.from(one.b.subarray(0, one.length)));
    expect(Array.from(two.pattern.subarray(0, two.length))).toEqual(
      Array.from(one.pattern.subarray(0, one.length)),
    );
    expect(Array.from(two.histogram)).toEqual(Array.from(one.histogram));
  });
});

describe('blocking with refinement', () => {
  it('integer keys block exactly like the text keys, for any block size cap', () => {
    for (const cap of [3, 8, 30, 400]) {
      const text = buildBlocks(
        store.size,
        KEYS_PER_RECORD,
        (i, out) => plainBlockingKeys(store, i, out),
        cap,
        (i, k, level, key) => {
          const r = plainBlockingRefinement(store, i, k, level);
          return r === '' ? '' : `${key}|${r}`;
        },
      );
      const ints = buildPlainBlocks(store, cap);
      const a = pairSet((emit) => forEachCandidatePair(text, store.size, emit));
      const b = pairSet((emit) => forEachCandidatePair(ints, store.size, emit));
      expect(b).toEqual(a);
    }
  });

  it('never leaves a block larger than the cap, and subdivides instead of dropping', () => {
    const capped = buildPlainBlocks(store, 4);
    for (let b = 0; b < capped.blockCount; b++) {
      expect(capped.offsets[b + 1]! - capped.offsets[b]!).toBeLessThanOrEqual(4);
    }
    // Without refinement a cap of 4 would drop every larger block; with it, most of their
    // records still meet someone.
    const dropOnly = buildBlocks(
      store.size,
      KEYS_PER_RECORD,
      (i, out) => plainBlockingKeys(store, i, out),
      4,
    );
    const refined = pairSet((emit) => forEachCandidatePair(capped, store.size, emit));
    const dropped = pairSet((emit) => forEachCandidatePair(dropOnly, store.size, emit));
    expect(refined.size).toBeGreaterThan(dropped.size);
  });
});

describe('pair prior', () => {
  it('is the share of all pairs that the candidates are expected to match', () => {
    const model = defaultModel();
    const weights = patternWeights(model);
    // One clearly matching pattern (100 pairs) and one clearly non-matching one (10,000 pairs).
    let best = 0;
    let worst = 0;
    for (let c = 0; c < PATTERN_COUNT; c++) {
      if (weights[c]! > weights[best]!) best = c;
      if (weights[c]! < weights[worst]!) worst = c;
    }
    const histogram = new Uint32Array(PATTERN_COUNT);
    histogram[best] = 100;
    histogram[worst] = 10_000;
    const n = 10_000;
    const prior = estimatePairPrior(histogram, model, n);
    expect(prior).toBeGreaterThan(90 / ((n * (n - 1)) / 2));
    expect(prior).toBeLessThan(110 / ((n * (n - 1)) / 2));
  });

  it('keeps precision when the input grows (namesakes do not chain)', () => {
    const small = generateRecords({ records: 3000, seed: 21 });
    const large = generateRecords({ records: 12000, seed: 21 });
    const f = (g: typeof small) =>
      pairwiseScores(
        linkRecords(g.map((x) => x.record)).clusterOf,
        g.map((x) => x.entity),
      );
    const a = f(small);
    const b = f(large);
    expect(b.precision).toBeGreaterThan(0.97);
    expect(a.precision - b.precision).toBeLessThan(0.02);
  });
});

describe('Dice search over many tiles', () => {
  it('finds exactly the brute-force pairs when the base spans several cache tiles', async () => {
    const rows = (n: number, seed: number) =>
      Array.from({ length: n }, (_, r) => {
        const w = new Uint32Array(16);
        for (let i = 0; i < 16; i++)
          w[i] = (Math.imul(seed + r * 31 + i, 2654435761) ^ (r * 7919)) >>> (r % 5);
        return w;
      });
    const base = rows(9000, 3);
    const queries = [...rows(6, 4), base[17]!, base[8999]!];
    const bm = packEncodings(base, 512);
    const qm = packEncodings(queries, 512);
    const expected = new Set<string>();
    for (const [i, q] of queries.entries()) {
      for (const [j, r] of base.entries()) {
        if (diceCoefficient(q, r, qm.popcounts[i]!, bm.popcounts[j]!) >= 0.6) expected.add(`${i}:${j}`);
      }
    }
    for (const jsKernel of [true, false]) {
      const res = await searchDice(qm, bm, 0.6, { jsKernel, workers: 2 });
      const got = new Set(Array.from(res.query, (q, k) => `${q}:${res.base[k]}`));
      expect(got).toEqual(expected);
      expect(got.has('7:8999')).toBe(true);
    }
  });
});

/**
 * Fellegi-Sunter pairwise scoring.
 *
 * Each pair of records is compared field by field into a vector of agreement levels (gamma).
 * A level's weight is log2(m / u): m = P(level | same person), u = P(level | different
 * people). u comes from random pairs (nearly all non-matches), m from EM over the blocked
 * candidate pairs, or both from labelled pairs (a vetting officer's decisions). A missing field
 * weighs 0. Optional term-frequency adjustment raises the weight of agreeing on a rare surname
 * or given name and lowers it for Иванов or Александр.
 */
import { compareDateParts } from './dates.ts';
import type { RecordStore } from './record-store.ts';
import { GIVEN_SIMILAR, jaroWinkler, NAME_SIMILAR, NAME_VERY_SIMILAR } from './similarity.ts';

/** The compared fields, in gamma order. */
export const FIELDS = [
  'familyName',
  'givenName',
  'patronymic',
  'birthDate',
  'phone',
  'birthPlace',
  'gender',
] as const;
export type FieldName = (typeof FIELDS)[number];

/** Human-readable agreement levels per field, worst (0) to best. */
export const LEVELS: Record<FieldName, readonly string[]> = {
  familyName: ['different', 'similar', 'very similar or one part of a double surname', 'same'],
  givenName: ['different', 'similar', 'same name (diminutive or other language form)', 'same'],
  patronymic: ['different', 'similar', 'same'],
  birthDate: [
    'different',
    'same year only',
    'near (day/month swapped, year off by one or one digit)',
    'agrees as far as given',
    'same',
  ],
  phone: ['different', 'same last 7 digits', 'same'],
  birthPlace: ['different', 'similar', 'same'],
  gender: ['conflict', 'same'],
};

export const FIELD_COUNT = FIELDS.length;
const LEVEL_COUNTS = FIELDS.map((f) => LEVELS[f].length);
// Pattern radix per field: levels + 1 (for "missing").
const RADIX = LEVEL_COUNTS.map((n) => n + 1);
/** Number of distinct gamma patterns, including the "names swapped" bit. */
export const PATTERN_COUNT = RADIX.reduce((a, b) => a * b, 1) * 2;

const F_FAMILY = 0;
const F_GIVEN = 1;

/** Encodes a gamma vector (levels, -1 = missing) and the swapped flag into one integer. */
export function encodePattern(gamma: Int8Array, swapped: boolean): number {
  let code = 0;
  for (let f = 0; f < FIELD_COUNT; f++) code = code * RADIX[f]! + (gamma[f]! + 1);
  return code * 2 + (swapped ? 1 : 0);
}

/** Decodes a pattern into its gamma vector (written to `out`); returns the swapped flag. */
export function decodePattern(code: number, out: Int8Array): boolean {
  const swapped = (code & 1) === 1;
  let c = Math.floor(code / 2);
  for (let f = FIELD_COUNT - 1; f >= 0; f--) {
    const r = RADIX[f]!;
    out[f] = (c % r) - 1;
    c = Math.floor(c / r);
  }
  return swapped;
}

// Jaro-Winkler of two interned keys, memoised in an open-addressing table (common names meet
// each other again and again; a Map with non-small-integer keys was the hot spot).
const MEMO_BITS = 22;
const MEMO_SIZE = 1 << MEMO_BITS;
const memoA = new Int32Array(MEMO_SIZE).fill(-1);
const memoB = new Int32Array(MEMO_SIZE);
const memoV = new Float64Array(MEMO_SIZE);
let memoUsed = 0;
let memoOwner: RecordStore | undefined;

function similarity(store: RecordStore, ka: number, kb: number): number {
  // Key ids only mean something within one store.
  if (store !== memoOwner) {
    resetSimilarityMemo();
    memoOwner = store;
  }
  const a = Math.min(ka, kb);
  const b = Math.max(ka, kb);
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> (32 - MEMO_BITS);
  for (;;) {
    const ea = memoA[h]!;
    if (ea === -1) break;
    if (ea === a && memoB[h] === b) return memoV[h]!;
    h = (h + 1) & (MEMO_SIZE - 1);
  }
  const s = jaroWinkler(store.keys[a]!, store.keys[b]!);
  if (memoUsed > MEMO_SIZE * 0.7) resetSimilarityMemo();
  else {
    memoA[h] = a;
    memoB[h] = b;
    memoV[h] = s;
    memoUsed++;
  }
  return s;
}

/** Forgets memoised similarities (keys are only meaningful within one store). */
export function resetSimilarityMemo(): void {
  memoA.fill(-1);
  memoUsed = 0;
}

function nameLevel(store: RecordStore, ka: number, kb: number, exactLevel: number): number {
  if (ka === 0 || kb === 0) return -1;
  if (ka === kb) return exactLevel;
  const s = similarity(store, ka, kb);
  if (s >= NAME_VERY_SIMILAR) return 2;
  if (s >= NAME_SIMILAR) return 1;
  return 0;
}

function familyLevel(store: RecordStore, i: number, j: number): number {
  const a = store.family[i]!;
  const b = store.family[j]!;
  const level = nameLevel(store, a, b, 3);
  if (level >= 2 || level < 0) return level;
  // Double surnames: one side's whole surname equals a part of the other's.
  const a1 = store.family1[i]!;
  const a2 = store.family2[i]!;
  const b1 = store.family1[j]!;
  const b2 = store.family2[j]!;
  if (a1 !== 0 || b1 !== 0) {
    if (a === b1 || a === b2 || b === a1 || b === a2 || (a1 !== 0 && (a1 === b1 || a2 === b2))) return 2;
  }
  return level;
}

function givenLevel(store: RecordStore, i: number, j: number): number {
  const a = store.given[i]!;
  const b = store.given[j]!;
  if (a === 0 || b === 0) return -1;
  if (a === b) return 3;
  const ga1 = store.group1[i]!;
  if (ga1 >= 0) {
    const ga2 = store.group2[i]!;
    const gb1 = store.group1[j]!;
    const gb2 = store.group2[j]!;
    if (ga1 === gb1 || ga1 === gb2 || (ga2 >= 0 && (ga2 === gb1 || ga2 === gb2))) return 2;
  }
  return similarity(store, a, b) >= GIVEN_SIMILAR ? 1 : 0;
}

function plainLevel(store: RecordStore, ka: number, kb: number): number {
  if (ka === 0 || kb === 0) return -1;
  if (ka === kb) return 2;
  return similarity(store, ka, kb) >= 0.9 ? 1 : 0;
}

/**
 * Compares records i and j of the store into `gamma` (one level per field, -1 = missing).
 * Returns true when the given and family names only agree crosswise (swapped).
 */
export function compareRecords(store: RecordStore, i: number, j: number, gamma: Int8Array): boolean {
  let fam = familyLevel(store, i, j);
  let giv = givenLevel(store, i, j);
  let swapped = false;
  if (fam <= 1 && giv <= 1) {
    // Given and family names written the wrong way round on one side. Cheap test first: one
    // crosswise pair must be the same key, the other at least very similar.
    const fi = store.family[i]!;
    const gi = store.given[i]!;
    const fj = store.family[j]!;
    const gj = store.given[j]!;
    const crossA = fi !== 0 && (fi === gj || gi === fj) ? nameLevel(store, fi, gj, 3) : -1;
    const crossB = crossA >= 2 ? nameLevel(store, gi, fj, 3) : -1;
    if (crossA >= 2 && crossB >= 2 && crossA + crossB > Math.max(fam, 0) + Math.max(giv, 0)) {
      fam = crossA;
      giv = crossB;
      swapped = true;
    }
  }
  gamma[0] = fam;
  gamma[1] = giv;
  gamma[2] = plainLevel(store, store.patronymic[i]!, store.patronymic[j]!);
  gamma[3] = compareDateParts(
    store.year[i]!,
    store.month[i]!,
    store.day[i]!,
    store.year[j]!,
    store.month[j]!,
    store.day[j]!,
  );
  const pa = store.phoneId[i]!;
  const pb = store.phoneId[j]!;
  gamma[4] = pa === 0 || pb === 0 ? -1 : pa === pb ? 2 : store.phoneTail[i] === store.phoneTail[j] ? 1 : 0;
  gamma[5] = plainLevel(store, store.place[i]!, store.place[j]!);
  const ga = store.gender[i]!;
  const gb = store.gender[j]!;
  gamma[6] = ga === 0 || gb === 0 ? -1 : ga === gb ? 1 : 0;
  return swapped;
}

/** m and u probabilities per field and level, and the prior share of matches among candidates. */
export interface LinkageModel {
  readonly m: readonly (readonly number[])[];
  readonly u: readonly (readonly number[])[];
  /**
   * The prior probability of a match. After `linkRecords` it is the probability that two records
   * drawn at random from the input are the same person (see `estimatePairPrior`); before that
   * (EM, `defaultModel`, `modelFromLabels`) the share of matches among candidate pairs.
   */
  readonly lambda: number;
}

/** A reasonable model before any estimation (used to start EM and in tiny inputs). */
export function defaultModel(): LinkageModel {
  return {
    m: [
      [0.04, 0.08, 0.16, 0.72],
      [0.04, 0.06, 0.3, 0.6],
      [0.08, 0.1, 0.82],
      [0.03, 0.03, 0.14, 0.1, 0.7],
      [0.1, 0.03, 0.87],
      [0.08, 0.1, 0.82],
      [0.02, 0.98],
    ],
    u: [
      [0.9, 0.07, 0.02, 0.01],
      [0.85, 0.05, 0.05, 0.05],
      [0.85, 0.1, 0.05],
      [0.9, 0.07, 0.01, 0.01, 0.01],
      [0.998, 0.001, 0.001],
      [0.8, 0.1, 0.1],
      [0.5, 0.5],
    ],
    lambda: 0.1,
  };
}

const FLOOR = 1e-6;

/** Per-field, per-level weights log2(m/u), flattened: weights[f * 5 + level]. */
export function levelWeights(model: LinkageModel): Float64Array {
  const w = new Float64Array(FIELD_COUNT * 5);
  for (let f = 0; f < FIELD_COUNT; f++) {
    for (let l = 0; l < LEVEL_COUNTS[f]!; l++) {
      const m = Math.max(model.m[f]![l] ?? FLOOR, FLOOR);
      const u = Math.max(model.u[f]![l] ?? FLOOR, FLOOR);
      w[f * 5 + l] = Math.log2(m / u);
    }
  }
  return w;
}

/** Match weight of every pattern (without term-frequency adjustment), indexed by pattern code. */
export function patternWeights(model: LinkageModel): Float32Array {
  const w = levelWeights(model);
  const out = new Float32Array(PATTERN_COUNT);
  const gamma = new Int8Array(FIELD_COUNT);
  for (let code = 0; code < PATTERN_COUNT; code++) {
    decodePattern(code, gamma);
    let s = 0;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const l = gamma[f]!;
      if (l >= 0) s += w[f * 5 + l]!;
    }
    out[code] = s;
  }
  return out;
}

/** A deterministic pseudo-random generator (mulberry32), for sampling and the generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalise(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/**
 * Estimates u from random record pairs: almost all of them are different people, so the level
 * frequencies among them are the u probabilities. Add-one smoothing keeps every level possible.
 */
export function estimateU(store: RecordStore, samples: number, seed = 1): number[][] {
  const counts = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(1));
  const n = store.size;
  if (n < 2) return defaultModel().u.map((r) => [...r]);
  const rnd = seededRandom(seed);
  const gamma = new Int8Array(FIELD_COUNT);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(rnd() * n);
    let j = Math.floor(rnd() * (n - 1));
    if (j >= i) j++;
    compareRecords(store, i, j, gamma);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const l = gamma[f]!;
      if (l >= 0) counts[f]![l]! += 1;
    }
  }
  return counts.map(normalise);
}

/**
 * EM over a histogram of candidate-pair patterns (`histogram[code]` = number of candidate
 * pairs with that pattern). m, u and lambda are all re-estimated: blocked pairs are not random
 * pairs (many non-matches share a surname), so u from random pairs is only the starting point.
 * With `fixU`, u is kept as given.
 */
export function fitEm(
  histogram: Uint32Array,
  u0: number[][],
  iterations = 30,
  start = defaultModel(),
  fixU = false,
  ignored: readonly number[] = [],
  fixM = false,
): LinkageModel {
  const codes: number[] = [];
  const counts: number[] = [];
  for (let c = 0; c < histogram.length; c++) {
    const h = histogram[c]!;
    if (h > 0) {
      codes.push(c);
      counts.push(h);
    }
  }
  const gammas = codes.map((c) => {
    const g = new Int8Array(FIELD_COUNT);
    decodePattern(c, g);
    for (const f of ignored) g[f] = -1;
    return g;
  });
  let m = start.m.map((r) => [...r]);
  let u = u0.map((r) => [...r]);
  let lambda = start.lambda;
  for (let it = 0; it < iterations; it++) {
    const mCounts = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(0.5));
    const uCounts = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(0.5));
    let matchTotal = 0;
    let total = 0;
    for (let p = 0; p < gammas.length; p++) {
      const g = gammas[p]!;
      let pm = lambda;
      let pu = 1 - lambda;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const l = g[f]!;
        if (l < 0) continue;
        pm *= m[f]![l]!;
        pu *= u[f]![l]!;
      }
      const post = pm / (pm + pu);
      const c = counts[p]!;
      matchTotal += post * c;
      total += c;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const l = g[f]!;
        if (l >= 0) {
          mCounts[f]![l]! += post * c;
          uCounts[f]![l]! += (1 - post) * c;
        }
      }
    }
    lambda = Math.min(0.99, Math.max(1e-6, matchTotal / Math.max(total, 1)));
    if (!fixM) m = mCounts.map((row, f) => (ignored.includes(f) ? m[f]! : normalise(row)));
    if (!fixU) u = uCounts.map((row, f) => (ignored.includes(f) ? u[f]! : normalise(row)));
  }
  return { m, u, lambda };
}

const F_DATE = 3;

/** Keeps the patterns of a histogram that satisfy `keep(gamma)`. */
function filterHistogram(histogram: Uint32Array, keep: (gamma: Int8Array) => boolean): Uint32Array {
  const out = new Uint32Array(histogram.length);
  const g = new Int8Array(FIELD_COUNT);
  for (let c = 0; c < histogram.length; c++) {
    if (histogram[c] === 0) continue;
    decodePattern(c, g);
    if (keep(g)) out[c] = histogram[c]!;
  }
  return out;
}

/**
 * Estimates a model from candidate pairs without labels, the way Splink does: u from random
 * pairs (fixed), m by EM in two sessions that each condition on some fields and estimate the
 * others, so that the EM cannot mistake namesakes for one person:
 *   A. pairs with the same full birth date -> m of the name, phone and place fields;
 *   B. pairs with the same family and given name -> m of the birth date and the rest.
 * lambda is then fitted on all candidates with m and u fixed.
 */
export function estimateModel(histogram: Uint32Array, u: number[][], iterations = 25): LinkageModel {
  const start = defaultModel();
  const sessionA = fitEm(
    filterHistogram(histogram, (g) => g[F_DATE] === 4),
    u,
    iterations,
    { ...start, lambda: 0.3 },
    true,
    [F_DATE],
  );
  const sessionB = fitEm(
    filterHistogram(histogram, (g) => g[F_FAMILY] === 3 && g[F_GIVEN]! >= 2),
    u,
    iterations,
    { ...start, lambda: 0.3 },
    true,
    [F_FAMILY, F_GIVEN],
  );
  const m = start.m.map((row, f) => {
    if (f === F_FAMILY || f === F_GIVEN) return [...sessionA.m[f]!];
    if (f === F_DATE) return [...sessionB.m[f]!];
    return row.map((_, l) => (sessionA.m[f]![l]! + sessionB.m[f]![l]!) / 2);
  });
  return fitEm(histogram, u, iterations, { m, u, lambda: 0.1 }, true, [], true);
}

/**
 * The prior probability that two records drawn at random from the input are the same person,
 * estimated from the candidate pairs: the expected number of matches among them (each pattern's
 * posterior under this prior, times its count) over all n(n-1)/2 pairs, iterated to its fixed
 * point. Pairs that share no blocking key are taken to be non-matches.
 *
 * This is the prior that goes with u from random pairs. The share of matches among candidates
 * does not: blocking already selected pairs that agree on names, so that share stays about the
 * same as the input grows while the number of namesakes grows with it, and the posterior of a
 * namesake pair is then overstated more and more (precision fell from 0.96 at 100k records to
 * 0.81 at 1M). With this prior the evidence a link needs grows with log2(n), as it should.
 */
export function estimatePairPrior(
  histogram: Uint32Array,
  model: LinkageModel,
  records: number,
  iterations = 50,
): number {
  const totalPairs = (records * (records - 1)) / 2;
  if (totalPairs < 1) return model.lambda;
  const weights = patternWeights(model);
  let prior = Math.min(0.5, Math.max(1e-12, records / totalPairs));
  for (let it = 0; it < iterations; it++) {
    const odds = prior / (1 - prior);
    let expected = 0;
    for (let c = 0; c < histogram.length; c++) {
      const h = histogram[c]!;
      if (h === 0) continue;
      const ratio = odds * 2 ** weights[c]!;
      expected += (h * ratio) / (1 + ratio);
    }
    const next = Math.min(0.5, Math.max(1e-12, expected / totalPairs));
    if (Math.abs(next - prior) <= prior * 1e-6) {
      prior = next;
      break;
    }
    prior = next;
  }
  return prior;
}

/** A labelled pair: two record indices of the store and whether they are the same person. */
export interface LabelledPair {
  readonly a: number;
  readonly b: number;
  readonly match: boolean;
}

/**
 * m and u straight from labelled pairs (vetting decisions), with add-one smoothing. lambda is
 * taken from `lambda` (the share of matches among candidates is not what reviewers see).
 */
export function modelFromLabels(
  store: RecordStore,
  pairs: readonly LabelledPair[],
  lambda = 0.1,
): LinkageModel {
  const mc = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(1));
  const uc = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(1));
  const gamma = new Int8Array(FIELD_COUNT);
  for (const p of pairs) {
    compareRecords(store, p.a, p.b, gamma);
    const target = p.match ? mc : uc;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const l = gamma[f]!;
      if (l >= 0) target[f]![l]! += 1;
    }
  }
  return { m: mc.map(normalise), u: uc.map(normalise), lambda };
}

/** Term-frequency adjustment of an exact name agreement, clamped to ±4 bits. */
export function termFrequencyAdjustment(uExact: number, valueShare: number): number {
  const adj = Math.log2(Math.max(uExact, FLOOR) / Math.max(valueShare, FLOOR));
  return Math.max(-4, Math.min(4, adj));
}

/** One field's part in a link's explanation. */
export interface FieldContribution {
  readonly field: FieldName;
  /** Agreement level in words, or "missing". */
  readonly level: string;
  /** Contribution to the match weight, in bits (log2 of the likelihood ratio). */
  readonly weight: number;
}

/** Why two records were (or were not) linked. */
export interface PairExplanation {
  readonly a: string;
  readonly b: string;
  /** Total match weight in bits, prior included. */
  readonly weight: number;
  /** Posterior probability that the two records are the same person. */
  readonly probability: number;
  readonly swappedNames: boolean;
  readonly fields: readonly FieldContribution[];
}

/** Field-by-field explanation of the comparison of records i and j. */
export function explainPair(
  store: RecordStore,
  i: number,
  j: number,
  model: LinkageModel,
  useTermFrequencies: boolean,
): PairExplanation {
  const gamma = new Int8Array(FIELD_COUNT);
  const swapped = compareRecords(store, i, j, gamma);
  const w = levelWeights(model);
  const fields: FieldContribution[] = [];
  let total = Math.log2(model.lambda / (1 - model.lambda));
  for (let f = 0; f < FIELD_COUNT; f++) {
    const name = FIELDS[f]!;
    const l = gamma[f]!;
    if (l < 0) {
      fields.push({ field: name, level: 'missing', weight: 0 });
      continue;
    }
    let weight = w[f * 5 + l]!;
    if (useTermFrequencies) weight += tfAdjustFor(store, model, f, l, i, swapped);
    total += weight;
    fields.push({ field: name, level: LEVELS[name][l]!, weight: Math.round(weight * 100) / 100 });
  }
  return {
    a: store.ids[i]!,
    b: store.ids[j]!,
    weight: Math.round(total * 100) / 100,
    probability: 1 / (1 + 2 ** -total),
    swappedNames: swapped,
    fields,
  };
}

/** Term-frequency adjustment for field f at level l of a pair whose first record is i. */
export function tfAdjustFor(
  store: RecordStore,
  model: LinkageModel,
  f: number,
  l: number,
  i: number,
  swapped: boolean,
): number {
  if (swapped) return 0;
  const n = Math.max(store.size, 1);
  if (f === F_FAMILY && l === 3) {
    return termFrequencyAdjustment(model.u[F_FAMILY]![3]!, store.familyCount[store.family[i]!]! / n);
  }
  if (f === F_GIVEN && l === 3) {
    return termFrequencyAdjustment(model.u[F_GIVEN]![3]!, store.givenCount[store.given[i]!]! / n);
  }
  return 0;
}

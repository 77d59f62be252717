/**
 * The linkage engine's entry point: records in, one cluster per person out, each link with its
 * explanation. `createLinker` is streaming-friendly (records are normalised as they arrive and
 * the raw input is not kept); `linkRecords` is the one-call form.
 *
 * Plain mode: blocking -> Fellegi-Sunter scoring (m/u by EM unless a model is given) ->
 * guarded clustering. Private mode: each record becomes a keyed Bloom-filter encoding (CLK) and
 * keyed blocking tokens; the linker then sees only encodings (see clk.ts).
 */
import {
  BLOCK_LEVELS,
  buildBlocks,
  buildPlainBlocks,
  CORE_KEYS,
  forEachCandidatePair,
  KEYS_PER_RECORD,
} from './blocking.ts';
import { blockingTokenOf, type ClkOptions, type ClkRecord, createClkEncoder } from './clk.ts';
import { clusterLinks, createAverageLinkGuard, EdgeList } from './cluster.ts';
import { diceCoefficient } from './dice.ts';
import {
  defaultModel,
  estimateModel,
  estimatePairPrior,
  estimateU,
  explainPair,
  type LinkageModel,
  type PairExplanation,
  patternWeights,
} from './fellegi-sunter.ts';
import { type PersonRecord, RecordError, RecordStore } from './record-store.ts';
import { columnsOf, createPairScorer } from './score-kernel.ts';
import { defaultWorkers, scoreCandidatesInParallel } from './score-parallel.ts';

export type LinkMode = 'plain' | 'private';

/** Options of a linkage run. Every field has a default. */
export interface LinkOptions {
  mode?: LinkMode | undefined;
  /**
   * Plain mode: the match probability a link needs (default 0.5 under the random-pair prior; see docs/linkage.md).
   * Private mode: the score a link needs: Dice plus the shared-token credit (default 0.75).
   */
  threshold?: number | undefined;
  /** Blocks larger than this are subdivided by a refinement of their key (default 30; ADR 0025). */
  maxBlockSize?: number | undefined;
  /** No cluster grows beyond this many records (default 40). */
  maxClusterSize?: number | undefined;
  /** Term-frequency adjustment of exact name agreement (default true). */
  termFrequencies?: boolean | undefined;
  /** A ready model (e.g. from labelled pairs); when absent, u is sampled and m fitted by EM. */
  model?: LinkageModel | undefined;
  /** Private mode: score credit per shared blocking token beyond the first (see ADR 0028). */
  tokenBonus?: number | undefined;
  /** Private mode: the linkage secret shared by the partners (at least 32 bytes). */
  secret?: Uint8Array | undefined;
  /** Private mode: encoding parameters. */
  clk?: Partial<ClkOptions> | undefined;
  /**
   * Plain mode: threads that score candidate pairs (this one included; default 2 from 150,000
   * records, else 1). Results do not depend on it.
   */
  workers?: number | undefined;
  /** Called now and then with the phase and progress (0..1). */
  onProgress?: ((phase: string, fraction: number) => void) | undefined;
}

/** Counts and timings of a run (no personal data). */
export interface LinkStats {
  records: number;
  candidatePairs: number;
  links: number;
  refusedLinks: number;
  clusters: number;
  droppedBlocks: number;
  /** Threads that scored the candidate pairs. */
  scoringThreads: number;
  /** Milliseconds per phase. */
  timings: Record<string, number>;
}

/** Why a record is in its cluster. */
export interface RecordExplanation {
  readonly id: string;
  readonly clusterId: string;
  /** Other records of the cluster (at most 50). */
  readonly members: readonly string[];
  /** The links that joined this record to others during clustering. */
  readonly joinedBy: readonly { readonly other: string; readonly score: number }[];
  /** Plain mode: field-by-field comparison with each other member (strongest first, at most 20). */
  readonly comparisons: readonly PairExplanation[];
  /** Private mode: Dice coefficient with each other member. */
  readonly dice: readonly { readonly other: string; readonly dice: number }[];
}

/** The outcome of a linkage run. */
export interface LinkResult {
  readonly mode: LinkMode;
  readonly ids: readonly string[];
  /** Cluster number of each record (same order as ids). */
  readonly clusterOf: Int32Array;
  readonly stats: LinkStats;
  /** The model used (plain mode). */
  readonly model: LinkageModel | undefined;
  /** "c1", "c2", ... for record index i. */
  clusterId(i: number): string;
  /** Explanation for one record id; undefined if the id is unknown. */
  explain(id: string): RecordExplanation | undefined;
}

/** A streaming linker: `add` records one by one, then `finish` once. */
export interface Linker {
  /** Normalises and keeps one record. Throws RecordError on a duplicate id. */
  add(record: PersonRecord): void;
  readonly size: number;
  finish(): LinkResult;
}

/** Below this many records the model is not estimated but taken from `defaultModel()`. */
export const MIN_RECORDS_FOR_ESTIMATION = 2000;

const DEFAULTS = {
  threshold: 0.5,
  privateThreshold: 0.75,
  tokenBonus: 0.05,
  maxBlockSize: 30,
  maxClusterSize: 40,
};

function now(): number {
  return performance.now();
}

/** Creates a streaming linker. */
export function createLinker(options: LinkOptions = {}): Linker {
  const mode = options.mode ?? 'plain';
  const store = new RecordStore();
  const seen = new Map<string, number>();
  const clkEncoder =
    mode === 'private' ? createClkEncoder(requireSecret(options.secret), options.clk) : undefined;
  const timings: Record<string, number> = { normalise: 0 };
  let finished = false;
  return {
    get size() {
      return store.size;
    },
    add(record) {
      if (finished) throw new Error('linker already finished');
      if (seen.has(record.id))
        throw new RecordError(`duplicate id (first seen as record ${seen.get(record.id)! + 1})`);
      const t0 = now();
      const i = store.add(record);
      seen.set(record.id, i);
      timings.normalise! += now() - t0;
    },
    finish() {
      if (finished) throw new Error('linker already finished');
      finished = true;
      if (clkEncoder === undefined) return finishPlain(store, options, timings);
      // Encoded in bulk, so that the blocking tokens' HMACs can use worker threads.
      const t0 = now();
      const encodings = clkEncoder.encodeAll(store);
      timings.encoding = now() - t0;
      return finishPrivate(store, encodings, options, timings);
    },
  };
}

function requireSecret(secret: Uint8Array | undefined): Uint8Array {
  if (secret === undefined || secret.length < 32) {
    throw new Error('private mode needs a linkage secret of at least 32 bytes');
  }
  return secret;
}

/** Links records in one call. */
export function linkRecords(records: Iterable<PersonRecord>, options: LinkOptions = {}): LinkResult {
  const linker = createLinker(options);
  for (const r of records) linker.add(r);
  return linker.finish();
}

/** Match weight (bits) that a posterior probability corresponds to, given the prior lambda. */
function weightForProbability(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-9), 1 - 1e-9);
  return Math.log2(p / (1 - p));
}

function finishPlain(store: RecordStore, options: LinkOptions, timings: Record<string, number>): LinkResult {
  const n = store.size;
  const progress = options.onProgress;
  // Term frequencies mean nothing in a handful of records.
  const useTf = (options.termFrequencies ?? true) && store.size >= MIN_RECORDS_FOR_ESTIMATION;
  let t0 = now();
  const blocks = buildPlainBlocks(store, options.maxBlockSize ?? DEFAULTS.maxBlockSize);
  timings.blocking = now() - t0;

  t0 = now();
  const cols = columnsOf(store);
  const memoBits = n > 200_000 ? 23 : 20;
  const scorer = createPairScorer(cols, memoBits);
  const candidates = scoreCandidatesInParallel(
    cols,
    blocks,
    options.workers ?? defaultWorkers(n),
    scorer,
    memoBits,
  );
  const histogram = candidates.histogram;
  const candidatePairs = candidates.length;
  progress?.('scoring', 1);
  timings.scoring = now() - t0;

  t0 = now();
  let model = options.model;
  // Too few records to estimate anything: the prior model (documented in docs/linkage.md).
  if (model === undefined && n < MIN_RECORDS_FOR_ESTIMATION) model = defaultModel();
  if (model === undefined) {
    const u = estimateU(store, Math.min(200_000, Math.max(1000, n * 2)));
    model = estimateModel(histogram, u);
  }
  // The prior that goes with u from random pairs: P(match) for a random pair of the input
  // (tiny inputs keep the prior model's share among candidates; see docs/linkage.md).
  if (n >= MIN_RECORDS_FOR_ESTIMATION) model = { ...model, lambda: estimatePairPrior(histogram, model, n) };
  timings.estimation = now() - t0;

  t0 = now();
  const weights = patternWeights(model);
  const prior = Math.log2(model.lambda / (1 - model.lambda));
  const cut = weightForProbability(options.threshold ?? DEFAULTS.threshold) - prior;
  // Term-frequency adjustment per key id, computed once.
  const famAdj = new Float32Array(store.keys.length);
  const givAdj = new Float32Array(store.keys.length);
  if (useTf) {
    const uFam = Math.max(model.u[0]![3]!, 1e-6);
    const uGiv = Math.max(model.u[1]![3]!, 1e-6);
    for (let k = 1; k < store.keys.length; k++) {
      const fc = store.familyCount[k]!;
      const gc = store.givenCount[k]!;
      if (fc > 0) famAdj[k] = clampAdj(Math.log2(uFam / (fc / n)));
      if (gc > 0) givAdj[k] = clampAdj(Math.log2(uGiv / (gc / n)));
    }
  }
  const famExactDiv = familyExactDivisor();
  const weightOf = (code: number, i: number): number => {
    let w = weights[code]!;
    if (useTf && (code & 1) === 0) {
      const levels = Math.floor(code / 2);
      if (Math.floor(levels / famExactDiv.family) % 5 === 4) w += famAdj[store.family[i]!]!;
      if (Math.floor(levels / famExactDiv.given) % 5 === 4) w += givAdj[store.given[i]!]!;
    }
    return w;
  };
  const edges = new EdgeList();
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates.a[c]!;
    const w = weightOf(candidates.pattern[c]!, i);
    if (w >= cut) edges.push(i, candidates.b[c]!, w + prior);
  }
  const pairWeight = (i: number, j: number): number => weightOf(scorer.pattern(i, j), i);
  const clustering = clusterLinks(n, edges, {
    maxClusterSize: options.maxClusterSize ?? DEFAULTS.maxClusterSize,
    guard: createAverageLinkGuard(store, pairWeight, cut),
  });
  timings.clustering = now() - t0;
  progress?.('done', 1);
  const finalModel = model;
  return makeResult(
    'plain',
    store,
    clustering,
    edges,
    finalModel,
    {
      records: n,
      candidatePairs,
      links: edges.length,
      refusedLinks: clustering.refused,
      clusters: clustering.clusterCount,
      droppedBlocks: blocks.droppedBlocks,
      scoringThreads: candidates.threads,
      timings,
    },
    (i, j) => explainPair(store, i, j, finalModel, useTf),
    undefined,
  );
}

function clampAdj(x: number): number {
  return Math.max(-4, Math.min(4, x));
}

/** Positional divisors of the family and given name levels inside a pattern code (without the swap bit). */
function familyExactDivisor(): { family: number; given: number } {
  // Pattern = ((((((fam)*5+giv)*4+pat)*6+dob)*4+phone)*4+place)*3+gender; level+1 stored.
  const givenDiv = 4 * 6 * 4 * 4 * 3;
  return { family: givenDiv * 5, given: givenDiv };
}

function finishPrivate(
  store: RecordStore,
  encodings: ClkRecord[],
  options: LinkOptions,
  timings: Record<string, number>,
): LinkResult {
  const n = encodings.length;
  let t0 = now();
  // Tokens are level after level (see clk.ts): the keys, then their refinements, given in the
  // file or computed on demand for records whose block is too large.
  const first = encodings[0];
  const tokenCount = first?.blockingTokens.length ?? KEYS_PER_RECORD;
  const refinable =
    first !== undefined &&
    (first.refinedToken !== undefined || tokenCount === KEYS_PER_RECORD * BLOCK_LEVELS);
  const keysPer = refinable ? KEYS_PER_RECORD : tokenCount;
  const blocks = buildBlocks(
    n,
    keysPer,
    (i, out) => {
      const toks = encodings[i]!.blockingTokens;
      for (let k = 0; k < keysPer; k++) out[k] = toks[k] ?? '';
    },
    options.maxBlockSize ?? DEFAULTS.maxBlockSize,
    refinable ? (i, k, level) => blockingTokenOf(encodings[i]!, k, level) : undefined,
  );
  timings.blocking = now() - t0;
  t0 = now();
  const threshold = options.threshold ?? DEFAULTS.privateThreshold;
  const bonus = options.tokenBonus ?? DEFAULTS.tokenBonus;
  // Score = Dice + bonus for each blocking token the two share beyond the first (ADR 0028):
  // the tokens are exact agreement on compound keys (surname + year, phone, full date +
  // initial, ...) that the partner holds anyway, and Dice alone cannot tell a namesake from a
  // misspelt copy as well as "same phone and same birth date" can.
  const sharedTokens = (i: number, j: number): number => {
    const ta = encodings[i]!.blockingTokens;
    const tb = encodings[j]!.blockingTokens;
    let k = 0;
    // The credit counts the first six keys, as tuned (ADR 0028); keys 7 and 8 only block.
    const credited = Math.min(keysPer, CORE_KEYS);
    for (let t = 0; t < credited; t++) if (ta[t] !== '' && ta[t] === tb[t]) k++;
    return k;
  };
  const score = (i: number, j: number): number => {
    const ea = encodings[i]!;
    const eb = encodings[j]!;
    const d = diceCoefficient(ea.bits, eb.bits, ea.popcount, eb.popcount);
    return bonus === 0 ? d : d + bonus * Math.max(0, sharedTokens(i, j) - 1);
  };
  const edges = new EdgeList();
  const candidatePairs = forEachCandidatePair(blocks, n, (i, j) => {
    const s = score(i, j);
    if (s >= threshold) edges.push(i, j, s);
  });
  timings.scoring = now() - t0;
  t0 = now();
  const dice = (i: number, j: number): number =>
    diceCoefficient(encodings[i]!.bits, encodings[j]!.bits, encodings[i]!.popcount, encodings[j]!.popcount);
  const clustering = clusterLinks(n, edges, {
    maxClusterSize: options.maxClusterSize ?? DEFAULTS.maxClusterSize,
    guard: createAverageLinkGuard(store, score, threshold, 400, false),
  });
  timings.clustering = now() - t0;
  options.onProgress?.('done', 1);
  return makeResult(
    'private',
    store,
    clustering,
    edges,
    undefined,
    {
      records: n,
      candidatePairs,
      links: edges.length,
      refusedLinks: clustering.refused,
      clusters: clustering.clusterCount,
      droppedBlocks: blocks.droppedBlocks,
      scoringThreads: 1,
      timings,
    },
    undefined,
    dice,
  );
}

function makeResult(
  mode: LinkMode,
  store: RecordStore,
  clustering: ReturnType<typeof clusterLinks>,
  edges: EdgeList,
  model: LinkageModel | undefined,
  stats: LinkStats,
  explainPlain: ((i: number, j: number) => PairExplanation) | undefined,
  dice: ((i: number, j: number) => number) | undefined,
): LinkResult {
  const ids = store.ids;
  let index: Map<string, number> | undefined;
  let members: number[][] | undefined;
  const clusterOf = clustering.clusterOf;
  return {
    mode,
    ids,
    clusterOf,
    stats,
    model,
    clusterId: (i) => `c${clusterOf[i]! + 1}`,
    explain(id) {
      if (index === undefined) {
        index = new Map(ids.map((x, i) => [x, i]));
        members = Array.from({ length: clustering.clusterCount }, () => []);
        for (let i = 0; i < ids.length; i++) members[clusterOf[i]!]!.push(i);
      }
      const i = index.get(id);
      if (i === undefined) return undefined;
      const others = members![clusterOf[i]!]!.filter((j) => j !== i);
      const joinedBy: { other: string; score: number }[] = [];
      for (const e of clustering.accepted) {
        const a = edges.a[e]!;
        const b = edges.b[e]!;
        if (a === i || b === i) {
          joinedBy.push({ other: ids[a === i ? b : a]!, score: Math.round(edges.w[e]! * 1000) / 1000 });
        }
      }
      const comparisons =
        explainPlain === undefined
          ? []
          : others
              .slice(0, 50)
              .map((j) => explainPlain(i, j))
              .sort((x, y) => y.weight - x.weight)
              .slice(0, 20);
      const diceList =
        dice === undefined
          ? []
          : others.slice(0, 50).map((j) => ({ other: ids[j]!, dice: Math.round(dice(i, j) * 1000) / 1000 }));
      return {
        id,
        clusterId: `c${clusterOf[i]! + 1}`,
        members: others.slice(0, 50).map((j) => ids[j]!),
        joinedBy,
        comparisons,
        dice: diceList,
      };
    },
  };
}

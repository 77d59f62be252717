/**
 * The engine's pieces that the app's linkage job uses on a handful of records at a time:
 * blocking keys of one person (to be stored as blind indexes), Fellegi-Sunter explanations
 * of one person against a few decrypted candidates, the private-mode score of one encoding
 * against a watchlist entry, and m/u estimation from reviewers' labelled pairs blended with a
 * prior. Pure: no database, no keys (the caller blind-indexes the key texts).
 */
import {
  BLOCK_LEVELS,
  CORE_KEYS,
  KEYS_PER_RECORD,
  plainBlockingKeys,
  plainBlockingRefinement,
} from './blocking.ts';
import type { ClkRecord } from './clk.ts';
import { diceCoefficient } from './dice.ts';
import {
  compareRecords,
  defaultModel,
  explainPair,
  FIELD_COUNT,
  FIELDS,
  type LabelledPair,
  LEVELS,
  type LinkageModel,
  type PairExplanation,
} from './fellegi-sunter.ts';
import { type PersonRecord, RecordStore } from './record-store.ts';

/**
 * What each blocking key is, in words, in `plainBlockingKeys` order: the app stores all
 * KEYS_PER_RECORD of them, as `sanctuary link` blocks on all of them (the last two, without
 * the birth year, came with encodings version 2; ADR 0075).
 */
export const BLOCKING_KEY_NAMES = [
  'surname_year',
  'surname_given',
  'phone',
  'birth_date_initial',
  'names_swapped',
  'initial_given_year',
  'surname_day_month',
  'day_month_given',
] as const satisfies { length: typeof KEYS_PER_RECORD };
export type BlockingKeyName = (typeof BLOCKING_KEY_NAMES)[number];

/** Slot of key k at refinement `level`: k * BLOCK_LEVELS + level (0..BLOCKING_SLOTS-1). */
export function blockingSlot(k: number, level: number): number {
  return k * BLOCK_LEVELS + level;
}

/** Slots per person: 8 keys x 3 levels = 24 (the check of `linkage_block_index.key`). */
export const BLOCKING_SLOTS = KEYS_PER_RECORD * BLOCK_LEVELS;

/**
 * Every blocking key of one person, at every refinement level, exactly as `sanctuary link`
 * builds them (so the app and the CLI block alike): [{slot, text}], empty keys left out.
 */
export function personBlockingKeys(record: PersonRecord): Array<{ slot: number; text: string }> {
  const store = new RecordStore();
  store.add(record);
  const keys = new Array<string>(KEYS_PER_RECORD).fill('');
  plainBlockingKeys(store, 0, keys);
  const out: Array<{ slot: number; text: string }> = [];
  for (let k = 0; k < KEYS_PER_RECORD; k++) {
    let text = keys[k]!;
    for (let level = 0; level < BLOCK_LEVELS && text !== ''; level++) {
      if (level > 0) {
        const r = plainBlockingRefinement(store, 0, k, level);
        text = r === '' ? '' : `${text}|${r}`;
      }
      if (text !== '') out.push({ slot: blockingSlot(k, level), text });
    }
  }
  return out;
}

/** One candidate's comparison with the subject: the explanation and the raw levels. */
export interface CandidateComparison {
  readonly explanation: PairExplanation;
  /** Agreement level per field (FIELDS order), -1 when missing on either side. */
  readonly levels: readonly number[];
  /** Blocking keys (0..KEYS_PER_RECORD-1) that the two share exactly, unrefined. */
  readonly sharedKeys: readonly number[];
}

/**
 * Compares `subject` with each candidate under `model` (term frequencies off: a few records
 * say nothing about how common a name is). Returns one comparison per candidate, in order.
 */
export function compareWithCandidates(
  subject: PersonRecord,
  candidates: readonly PersonRecord[],
  model: LinkageModel,
): CandidateComparison[] {
  const store = new RecordStore();
  store.add(subject);
  for (const c of candidates) store.add(c);
  const gamma = new Int8Array(FIELD_COUNT);
  const ours = new Array<string>(KEYS_PER_RECORD).fill('');
  const theirs = new Array<string>(KEYS_PER_RECORD).fill('');
  plainBlockingKeys(store, 0, ours);
  return candidates.map((_, index) => {
    const j = index + 1;
    compareRecords(store, 0, j, gamma);
    theirs.fill('');
    plainBlockingKeys(store, j, theirs);
    const sharedKeys: number[] = [];
    for (let k = 0; k < KEYS_PER_RECORD; k++) {
      if (ours[k] !== '' && ours[k] === theirs[k]) sharedKeys.push(k);
    }
    return { explanation: explainPair(store, 0, j, model, false), levels: [...gamma], sharedKeys };
  });
}

/** Index of a field in FIELDS. */
export function fieldIndex(name: (typeof FIELDS)[number]): number {
  return FIELDS.indexOf(name);
}

/** The best level of a field ("same"). */
export function topLevel(name: (typeof FIELDS)[number]): number {
  return LEVELS[name].length - 1;
}

/** Private-mode score of our encoding against a watchlist entry (ADR 0028's rule). */
export interface PrivateMatch {
  readonly dice: number;
  /** Blocking keys (0..KEYS_PER_RECORD-1) whose level-0 tokens agree. */
  readonly sharedKeys: readonly number[];
  /**
   * Dice + `bonus` for each shared key of the first CORE_KEYS beyond the first: the credit
   * was tuned on those six (ADR 0028) and the CLI counts the same (ADR 0075).
   */
  readonly score: number;
}

export function scorePrivate(ours: ClkRecord, theirs: ClkRecord, bonus = 0.05): PrivateMatch {
  const dice =
    ours.bits.length === theirs.bits.length
      ? diceCoefficient(ours.bits, theirs.bits, ours.popcount, theirs.popcount)
      : 0;
  const sharedKeys: number[] = [];
  for (let k = 0; k < KEYS_PER_RECORD; k++) {
    const a = ours.blockingTokens[k] ?? '';
    if (a !== '' && a === theirs.blockingTokens[k]) sharedKeys.push(k);
  }
  const credited = sharedKeys.filter((k) => k < CORE_KEYS).length;
  return { dice, sharedKeys, score: dice + bonus * Math.max(0, credited - 1) };
}

/**
 * m and u from labelled pairs (reviewers' decisions), blended with a prior model: each level's
 * probability is (strength * prior + count) / (strength + total), per field, so that a few
 * decisions nudge the model and many decisions dominate it. Missing fields count for nothing.
 *
 * Caveat (docs/linkage.md): reviewed non-matches are look-alikes that reached the queue, not
 * random pairs, so they understate u's disagreement levels; `strength` keeps the prior's u in
 * charge until there are many of them.
 */
export function blendModelWithLabels(
  store: RecordStore,
  pairs: readonly LabelledPair[],
  prior: LinkageModel = defaultModel(),
  strength = 50,
): LinkageModel {
  const counts = () => FIELDS.map((f) => new Array<number>(LEVELS[f].length).fill(0));
  const mc = counts();
  const uc = counts();
  const gamma = new Int8Array(FIELD_COUNT);
  for (const p of pairs) {
    compareRecords(store, p.a, p.b, gamma);
    const target = p.match ? mc : uc;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const l = gamma[f]!;
      if (l >= 0) target[f]![l]! += 1;
    }
  }
  const blend = (priorRows: readonly (readonly number[])[], rows: number[][]) =>
    rows.map((row, f) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (strength * (priorRows[f]![l] ?? 0) + c) / (strength + total));
    });
  return { m: blend(prior.m, mc), u: blend(prior.u, uc), lambda: prior.lambda };
}

/** Checks that a stored model has the engine's shape (fields × levels, probabilities in (0, 1]). */
export function isLinkageModel(value: unknown): value is LinkageModel {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { m?: unknown; u?: unknown; lambda?: unknown };
  const okRows = (rows: unknown) =>
    Array.isArray(rows) &&
    rows.length === FIELD_COUNT &&
    rows.every(
      (row, f) =>
        Array.isArray(row) &&
        row.length === LEVELS[FIELDS[f]!].length &&
        row.every((p) => typeof p === 'number' && p > 0 && p <= 1),
    );
  return okRows(v.m) && okRows(v.u) && typeof v.lambda === 'number' && v.lambda > 0 && v.lambda < 1;
}

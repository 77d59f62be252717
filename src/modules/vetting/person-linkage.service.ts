import type { AppContext } from '../../context.ts';
import {
  blindIndex,
  type DataKey,
  decryptFieldText,
  encryptField,
  type Keyring,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { VettingSignalKind } from '../../db/types.ts';
import { recordAudit } from '../audit/index.ts';
import {
  findCasePerson,
  indexValue,
  normaliseDocumentNumber,
  type PersonDetails,
  personSearchTerms,
} from '../cases/index.ts';
import { openSubjectKey } from '../keys/index.ts';
import type { PersonRecord } from '../linkage/index.ts';
import {
  BLOCK_LEVELS,
  BLOCKING_KEY_NAMES,
  type BlockingKeyName,
  blockingSlot,
  blockingTokenOf,
  type ClkHardening,
  type ClkRecord,
  compareWithCandidates,
  createClkEncoder,
  defaultModel,
  type FieldContribution,
  fieldIndex,
  isLinkageModel,
  type LinkageModel,
  personBlockingKeys,
  popcountBits,
  scorePrivate,
  topLevel,
} from '../linkage/index.ts';
import {
  countBlockIndex,
  countWatchlistSignals,
  findBlockIndexCases,
  findLatestModel,
  findOpenSignalPartners,
  findPersonIndexCases,
  findWatchlistCandidates,
  listActiveWatchlists,
  replaceBlockIndex,
  supersedeCodenameSignals,
  upsertSignal,
} from './vetting.repository.ts';
import { openVettingKey, watchlistSubject } from './vetting-keys.ts';

/**
 * In-app record linkage of one person (the `linkage.person` job), without decrypting every row:
 *
 * 1. Decrypt the person of the case, compute the linkage engine's blocking keys (the same eight
 *    keys and refinements as `sanctuary link`, ADR 0075) and store them as blind indexes
 *    (`linkage_block_index`, 8 keys x 3 levels = 24 slots).
 * 2. Find candidates by exact lookups only: the blocking index (each key at the coarsest level
 *    whose block holds at most BLOCK_CAP cases, else a refinement of it, as the engine does),
 *    the search index's phone, document and given+family terms, and the cases that already
 *    share an open signal with this one (so those signals are re-scored).
 * 3. Decrypt those candidates only (at most MAX_CANDIDATES), compare them with the engine's
 *    Fellegi-Sunter model (the latest estimate, else the prior) and record signals with their
 *    explanation: possible duplicate, same phone under different names, several codenames.
 * 4. Check the person against every active watchlist, through that list's own index.
 *
 * Idempotent: signals are keyed by kind and the cases (or entry) they concern, so a re-run
 * refreshes open signals and never touches decided ones. Nothing here changes a case.
 */
export const DUPLICATE_THRESHOLD = 0.9;
export const PRIVATE_THRESHOLD = 0.75;
const BLOCK_CAP = 50;
const TERM_CAP = 50;
const MAX_CANDIDATES = 200;
const WATCHLIST_CANDIDATES = 100;
/** Signals one watchlist may raise in all; matches beyond it are not raised (ADR 0095). */
export const MAX_WATCHLIST_SIGNALS = 50;

/** The explanation stored with a signal (encrypted under the vetting key). */
export type SignalDetail =
  | {
      type: 'pair';
      probability: number;
      weight: number;
      swappedNames: boolean;
      fields: FieldContribution[];
      documentMatch: boolean;
      threshold: number;
      model: 'prior' | 'estimated';
      /**
       * Blocking keys the two records share exactly (unrefined). Absent in explanations stored
       * before the app blocked on all eight keys.
       */
      sharedKeys?: BlockingKeyName[];
      /** For a plain watchlist entry: the partner's id of the record. */
      entryRef?: string;
    }
  | {
      type: 'group';
      /** One pair explanation per other case, by case id. */
      pairs: Array<{ caseId: string; probability: number; fields: FieldContribution[] }>;
      threshold: number;
    }
  | {
      type: 'private';
      dice: number;
      score: number;
      sharedKeys: BlockingKeyName[];
      threshold: number;
      entryRef: string;
    };

/** A watchlist entry as stored (encrypted): the partner's record id and either an encoding or a record. */
export type WatchlistEntry =
  | { ref: string; clk: string; blocks: string[] }
  | { ref: string; record: Omit<PersonRecord, 'id'> };

/** The engine's record of a case's person: Cyrillic names first, Latin ones when those are missing. */
export function personRecordOf(id: string, p: PersonDetails): PersonRecord {
  return {
    id,
    givenName: p.givenName ?? p.givenNameLatin,
    familyName: p.familyName ?? p.familyNameLatin,
    patronymic: p.patronymic,
    birthDate: p.birthDate,
    phone: p.phone,
  };
}

function hasIdentity(r: PersonRecord): boolean {
  return [r.givenName, r.familyName, r.phone, r.birthDate].some((v) => v !== undefined && v !== '');
}

/** The model for in-app scoring: the latest estimate from labelled pairs, else the prior. */
export async function loadModel(db: Db): Promise<{ model: LinkageModel; source: 'prior' | 'estimated' }> {
  const row = await findLatestModel(db);
  if (row !== undefined && isLinkageModel(row.model)) return { model: row.model, source: 'estimated' };
  return { model: defaultModel(), source: 'prior' };
}

const encryptDetail = (key: DataKey, detail: SignalDetail) => (rowId: string) =>
  encryptField(key, JSON.stringify(detail), { table: 'vetting_signals', column: 'detail', rowId });

export function decryptDetail(key: DataKey, blob: Uint8Array, rowId: string): SignalDetail {
  return JSON.parse(
    decryptFieldText(key, toBuffer(blob), { table: 'vetting_signals', column: 'detail', rowId }),
  ) as SignalDetail;
}

export function decryptWatchlistEntry(key: DataKey, blob: Uint8Array, rowId: string): WatchlistEntry {
  return JSON.parse(
    decryptFieldText(key, toBuffer(blob), { table: 'watchlist_entries', column: 'entry', rowId }),
  ) as WatchlistEntry;
}

/** Names of blocking keys by index, for an explanation. */
const keyNames = (keys: readonly number[]): BlockingKeyName[] => keys.map((k) => BLOCKING_KEY_NAMES[k]!);

/** Pair key of a set of cases: their ids, sorted (the same cases give the same key). */
export const casePairKey = (ids: readonly string[]) => [...ids].sort().join(':');

function blockEntries(keyring: Keyring, record: PersonRecord): Array<{ slot: number; value: number }> {
  return personBlockingKeys(record).map((k) => ({
    slot: k.slot,
    value: blindIndex(keyring, 'person_block', k.text),
  }));
}

/** Per key, the coarsest level whose block is small enough; keys too common at every level are left out. */
function chooseLevels(
  entries: ReadonlyArray<{ slot: number; value: number }>,
  counts: Map<number, number>,
  selfIndexed = true,
): Array<{ slot: number; value: number }> {
  const bySlot = new Map(entries.map((e) => [e.slot, e]));
  const chosen: Array<{ slot: number; value: number }> = [];
  for (let k = 0; k < BLOCKING_KEY_NAMES.length; k++) {
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      const e = bySlot.get(blockingSlot(k, level));
      if (e === undefined) break;
      // The count includes this case itself (when it is a case, indexed first).
      const self = selfIndexed ? 1 : 0;
      if ((counts.get(e.slot) ?? self) - self <= BLOCK_CAP) {
        chosen.push(e);
        break;
      }
    }
  }
  return chosen;
}

/**
 * Step 2: the candidate cases of a person, by exact lookups only (the blocking index at the
 * levels chosen per key, the search index's terms, and `partners`, which come first), at most
 * MAX_CANDIDATES, never `selfId`.
 */
async function candidateCaseIds(
  db: Db,
  keyring: Keyring,
  entries: ReadonlyArray<{ slot: number; value: number }>,
  person: PersonDetails,
  selfId: string | null,
  partners: readonly string[] = [],
): Promise<string[]> {
  const hits = new Map<string, number>();
  const hit = (id: string) => {
    if (id !== selfId) hits.set(id, (hits.get(id) ?? 0) + 1);
  };
  const chosen = chooseLevels(entries, await countBlockIndex(db, entries), selfId !== null);
  for (const r of await findBlockIndexCases(db, chosen, (BLOCK_CAP + 1) * chosen.length)) hit(r.case_id);
  const terms = personSearchTerms(person)
    // A family name alone is too broad to block on; the blocking keys cover it with a year or name.
    .filter((t) => !(t.kind === 'name' && t.term.startsWith('f:')))
    .map((t) => ({ kind: t.kind, value: indexValue(keyring, t.kind, t.term) }));
  for (const r of await findPersonIndexCases(db, terms, TERM_CAP)) hit(r.case_id);
  for (const id of partners) hits.set(id, (hits.get(id) ?? 0) + 1_000);
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_CANDIDATES)
    .map(([id]) => id);
}

/** Step 3, first half: decrypts the candidates only. */
async function decryptCandidates(
  ctx: AppContext,
  db: Db,
  ids: readonly string[],
): Promise<Array<{ id: string; ref: string; person: PersonDetails }>> {
  const out: Array<{ id: string; ref: string; person: PersonDetails }> = [];
  for (const id of ids) {
    const c = await findCasePerson(ctx, db, id);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** The blind-indexed blocking keys of a person record (step 1), for a module that keeps its own index of them. */
export function personBlockEntries(
  keyring: Keyring,
  record: PersonRecord,
): Array<{ slot: number; value: number }> {
  return hasIdentity(record) ? blockEntries(keyring, record) : [];
}

/** One match found by `findPersonMatches`: a case's person or one of the caller's own records. */
export interface PersonMatch {
  /** A case id (kind 'case') or the caller's record id (kind 'record'). */
  id: string;
  kind: 'case' | 'record';
  probability: number;
  swappedNames: boolean;
  fields: FieldContribution[];
  sharedKeys: BlockingKeyName[];
}

/**
 * Steps 1 to 3 of `linkPerson` for a person who is not a case's (a tracing request's sought
 * person, issue 20): candidates among the cases by exact lookups, plus the caller's own
 * `records` (found through its own index of `personBlockEntries`), decrypted and compared
 * with the same model. Raises no signal and stores nothing; matches at or above `threshold`,
 * best first. `excludeCaseIds` are never candidates (the caller's own case).
 */
export async function findPersonMatches(
  ctx: AppContext,
  db: Db,
  person: PersonDetails,
  options: {
    threshold: number;
    excludeCaseIds?: readonly string[];
    records?: ReadonlyArray<{ id: string; person: PersonDetails }>;
  },
): Promise<PersonMatch[]> {
  const keyring = ctx.vault.requireKeyring();
  const record = personRecordOf('sought', person);
  if (!hasIdentity(record)) return [];
  const entries = blockEntries(keyring, record);
  const exclude = new Set(options.excludeCaseIds ?? []);
  const ids = (await candidateCaseIds(db, keyring, entries, person, null)).filter((id) => !exclude.has(id));
  const cases = await decryptCandidates(ctx, db, ids);
  const others = [
    ...cases.map((c) => ({ id: c.id, kind: 'case' as const, person: c.person })),
    ...(options.records ?? []).map((r) => ({ id: r.id, kind: 'record' as const, person: r.person })),
  ];
  if (others.length === 0) return [];
  const { model } = await loadModel(db);
  const comparisons = compareWithCandidates(
    record,
    others.map((o) => personRecordOf(o.id, o.person)),
    model,
  );
  const out: PersonMatch[] = [];
  others.forEach((o, i) => {
    const { explanation, sharedKeys } = comparisons[i]!;
    if (explanation.probability < options.threshold) return;
    out.push({
      id: o.id,
      kind: o.kind,
      probability: explanation.probability,
      swappedNames: explanation.swappedNames,
      fields: [...explanation.fields],
      sharedKeys: keyNames(sharedKeys),
    });
  });
  return out.sort((a, b) => b.probability - a.probability);
}

export interface LinkOutcome {
  candidates: number;
  raised: Array<{ id: string; kind: VettingSignalKind }>;
}

/** Links one case's person against the other cases and the watchlists (the `linkage.person` job). */
export async function linkPerson(ctx: AppContext, caseId: string): Promise<LinkOutcome> {
  const keyring = ctx.vault.requireKeyring();
  const db = ctx.database.db;
  const found = await findCasePerson(ctx, db, caseId);
  // The case is gone (deleted after the job was queued): nothing to do, and nothing to retry.
  if (found === undefined) return { candidates: 0, raised: [] };
  const { person } = found;
  const row = found;
  const record = personRecordOf(row.id, person);
  const entries = hasIdentity(record) ? blockEntries(keyring, record) : [];
  await db.transaction().execute((trx) => replaceBlockIndex(trx, row.id, entries));
  if (!hasIdentity(record)) return { candidates: 0, raised: [] };

  const partners = await findOpenSignalPartners(db, row.id);
  const candidateIds = await candidateCaseIds(db, keyring, entries, person, row.id, partners);

  const candidates = await decryptCandidates(ctx, db, candidateIds);
  const { model, source } = await loadModel(db);
  const comparisons = compareWithCandidates(
    record,
    candidates.map((c) => personRecordOf(c.id, c.person)),
    model,
  );
  const myDocs = new Set(
    person.documents.map((d) => normaliseDocumentNumber(d.number)).filter((d) => d.length >= 4),
  );
  const partnerSet = new Set(partners);
  const F_FAMILY = fieldIndex('familyName');
  const F_GIVEN = fieldIndex('givenName');
  const F_PHONE = fieldIndex('phone');

  const raised: LinkOutcome['raised'] = [];
  const watchlistMatches = await matchWatchlists(ctx, keyring, entries, record);
  await db.transaction().execute(async (trx) => {
    const key = await openVettingKey(ctx, trx);
    try {
      const raise = async (
        kind: VettingSignalKind,
        caseIds: string[],
        score: number,
        detail: SignalDetail,
        watchlistEntryId: string | null = null,
        pairKey = casePairKey(caseIds),
      ) => {
        const r = await upsertSignal(trx, {
          kind,
          pairKey,
          caseIds,
          watchlistEntryId,
          score,
          detail: encryptDetail(key, detail),
        });
        if (r.created) raised.push({ id: r.id, kind });
        return r;
      };
      const duplicates: Array<{ caseId: string; probability: number; fields: FieldContribution[] }> = [];
      for (let i = 0; i < candidates.length; i++) {
        const c = candidates[i]!;
        const { explanation, levels, sharedKeys } = comparisons[i]!;
        const documentMatch = c.person.documents.some((d) => myDocs.has(normaliseDocumentNumber(d.number)));
        const detail: SignalDetail = {
          type: 'pair',
          probability: explanation.probability,
          weight: explanation.weight,
          swappedNames: explanation.swappedNames,
          fields: [...explanation.fields],
          documentMatch,
          threshold: DUPLICATE_THRESHOLD,
          model: source,
          sharedKeys: keyNames(sharedKeys),
        };
        const pair = [row.id, c.id];
        const samePhone = levels[F_PHONE] === topLevel('phone');
        const namesDiffer = (levels[F_FAMILY] ?? -1) <= 1 && (levels[F_GIVEN] ?? -1) <= 1;
        if (explanation.probability >= DUPLICATE_THRESHOLD || documentMatch) {
          await raise('duplicate', pair, explanation.probability, detail);
          duplicates.push({ caseId: c.id, probability: explanation.probability, fields: detail.fields });
        } else if (samePhone && namesDiffer) {
          await raise('shared_phone', pair, explanation.probability, detail);
        } else if (partnerSet.has(c.id)) {
          // An open signal whose pair no longer qualifies: refresh it with the current comparison
          // (it stays for the officer to close; a job never decides).
          for (const kind of ['duplicate', 'shared_phone'] as const) {
            await upsertSignal(trx, {
              kind,
              pairKey: casePairKey(pair),
              caseIds: [],
              watchlistEntryId: null,
              score: explanation.probability,
              detail: encryptDetail(key, detail),
              refreshOnly: true,
            });
          }
        }
      }
      if (duplicates.length >= 2) {
        const members = [row.id, ...duplicates.map((d) => d.caseId)];
        const score = Math.min(...duplicates.map((d) => d.probability));
        const r = await raise('codenames', members, score, {
          type: 'group',
          pairs: duplicates,
          threshold: DUPLICATE_THRESHOLD,
        });
        await supersedeCodenameSignals(trx, r.id, members);
      }
      for (const m of watchlistMatches) {
        await raise('watchlist', [row.id], m.score, m.detail, m.entryId, `${row.id}:${m.entryId}`);
      }
    } finally {
      key.dispose();
    }
    await recordAudit(trx, {
      actor: 'system',
      action: 'linkage.compare',
      target: `case:${row.ref}`,
      reason: `${candidates.length} candidates decrypted; ${raised.length} new signals`,
    });
  });
  return { candidates: candidates.length, raised };
}

interface WatchlistMatch {
  entryId: string;
  score: number;
  detail: SignalDetail;
}

/** Pre-hardening Bloom filter length of an encodings file (its header gives the length after). */
function filterBits(encodedBits: number, hardening: ClkHardening): number {
  return hardening === 'xor-fold' ? encodedBits * 2 : hardening === 'balance' ? encodedBits / 2 : encodedBits;
}

/** Matches one person against every active watchlist, each through its own index. */
async function matchWatchlists(
  ctx: AppContext,
  keyring: Keyring,
  entries: ReadonlyArray<{ slot: number; value: number }>,
  record: PersonRecord,
): Promise<WatchlistMatch[]> {
  const db = ctx.database.db;
  const lists = await listActiveWatchlists(db);
  const raisedSoFar = await countWatchlistSignals(
    db,
    lists.map((l) => l.id),
  );
  const out: WatchlistMatch[] = [];
  for (const list of lists) {
    // Each list raises at most MAX_WATCHLIST_SIGNALS signals in all (ADR 0095): a list that
    // matches many applicants is a probe of the applicant base, not a list of infiltrators.
    const room = MAX_WATCHLIST_SIGNALS - (raisedSoFar.get(list.id) ?? 0);
    if (room <= 0) continue;
    const mine: WatchlistMatch[] = [];
    const key = await openSubjectKey(db, ctx.vault, watchlistSubject(list.id));
    try {
      if (list.format === 'plain') {
        const found = await findWatchlistCandidates(db, list.id, entries, WATCHLIST_CANDIDATES);
        const decoded = found.map((f) => ({
          id: f.id,
          entry: decryptWatchlistEntry(key, f.entry_enc, f.id),
        }));
        const plain = decoded.filter(
          (d): d is { id: string; entry: Extract<WatchlistEntry, { record: unknown }> } =>
            'record' in d.entry,
        );
        const { model, source } = await loadModel(db);
        const comparisons = compareWithCandidates(
          record,
          plain.map((d) => ({ ...d.entry.record, id: d.id })),
          model,
        );
        plain.forEach((d, i) => {
          const { explanation: e, sharedKeys } = comparisons[i]!;
          if (e.probability < DUPLICATE_THRESHOLD) return;
          mine.push({
            entryId: d.id,
            score: e.probability,
            detail: {
              type: 'pair',
              probability: e.probability,
              weight: e.weight,
              swappedNames: e.swappedNames,
              fields: [...e.fields],
              documentMatch: false,
              threshold: DUPLICATE_THRESHOLD,
              model: source,
              sharedKeys: keyNames(sharedKeys),
              entryRef: d.entry.ref,
            },
          });
        });
      } else if (list.secret_enc !== null && list.clk_bits !== null && list.clk_hardening !== null) {
        const secret = Buffer.from(
          decryptFieldText(key, toBuffer(list.secret_enc), {
            table: 'watchlists',
            column: 'secret',
            rowId: list.id,
          }),
          'base64',
        );
        const hardening = list.clk_hardening;
        const encoder = createClkEncoder(secret, { bits: filterBits(list.clk_bits, hardening), hardening });
        secret.fill(0);
        const ours = encoder.encode(record);
        const tokens: Array<{ slot: number; value: number }> = [];
        // Every key (a version 1 file has no tokens for keys 7 and 8: nothing found by those).
        for (let k = 0; k < BLOCKING_KEY_NAMES.length; k++) {
          for (let level = 0; level < BLOCK_LEVELS; level++) {
            const t = blockingTokenOf(ours, k, level);
            if (t !== '')
              tokens.push({ slot: blockingSlot(k, level), value: blindIndex(keyring, 'watchlist_token', t) });
          }
        }
        const found = await findWatchlistCandidates(db, list.id, tokens, WATCHLIST_CANDIDATES);
        for (const f of found) {
          const entry = decryptWatchlistEntry(key, f.entry_enc, f.id);
          if (!('clk' in entry)) continue;
          const theirs = clkRecordOf(f.id, entry);
          const m = scorePrivate(ours, theirs);
          if (m.score < PRIVATE_THRESHOLD) continue;
          mine.push({
            entryId: f.id,
            score: m.score,
            detail: {
              type: 'private',
              dice: Math.round(m.dice * 1000) / 1000,
              score: Math.round(m.score * 1000) / 1000,
              sharedKeys: keyNames(m.sharedKeys),
              threshold: PRIVATE_THRESHOLD,
              entryRef: entry.ref,
            },
          });
        }
      }
    } finally {
      key.dispose();
    }
    out.push(...mine.sort((a, b) => b.score - a.score).slice(0, room));
  }
  return out;
}

/** An imported encoding back as the engine's record. */
export function clkRecordOf(id: string, entry: { clk: string; blocks: string[] }): ClkRecord {
  const bytes = Buffer.from(entry.clk, 'base64');
  const bits = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { id, bits, popcount: popcountBits(bits), blockingTokens: entry.blocks };
}

/** A watchlist entry that a screened person (not a case) matches: the list's record id and the score. */
export interface ScreeningHit {
  entryRef: string;
  score: number;
}

/**
 * Screens a person who is not an applicant (a partner's host or contact, issue 14) against
 * every active watchlist with the same indexes, model and thresholds as a case's person. Nothing
 * is stored here: the caller keeps the outcome with its own record. Needs the keys (503 while sealed).
 */
export async function screenPersonAgainstWatchlists(
  ctx: AppContext,
  person: Pick<PersonRecord, 'givenName' | 'familyName' | 'birthDate' | 'phone'>,
): Promise<ScreeningHit[]> {
  const keyring = ctx.vault.requireKeyring();
  const record: PersonRecord = { id: 'screened', ...person };
  if (!hasIdentity(record)) return [];
  const matches = await matchWatchlists(ctx, keyring, blockEntries(keyring, record), record);
  return matches.map((m) => ({
    entryRef: m.detail.type === 'group' ? '' : (m.detail.entryRef ?? ''),
    score: m.score,
  }));
}

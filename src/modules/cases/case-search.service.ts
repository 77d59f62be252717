import { type Actor, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { recordAudit } from '../audit/index.ts';
import {
  canSearchCases,
  caseRefSchema,
  findCaseByRef,
  listTeams,
  scopeContext,
} from '../case-access/index.ts';
import { withSubjectKeys } from '../keys/index.ts';
import { decryptPerson } from './case-file.service.ts';
import { decryptText, subjectOf, today } from './case-helpers.ts';
import { indexValue, personSearchTerms, queryTerms } from './case-search.ts';
import {
  findQueueRowsByIds,
  findSearchCandidates,
  listRecentMessagesOf,
  listTextSearchCandidates,
  type QueueRow,
} from './cases.repository.ts';
import { searchQuerySchema } from './cases.schemas.ts';
import { presentQueueRows, type QueueItem, withKeyFacts } from './queue.service.ts';

/**
 * Search by case reference, or by exact phone number, document number or normalised name
 * (with diminutives) through blind indexes. Never decrypts every row:
 *
 * 1. the query's normalised terms become blind-index values (a few per query);
 * 2. one SQL query returns the cases holding any of those values *inside the actor's
 *    content scope* (so that cases the actor may not read are neither decrypted nor
 *    counted against the candidate limit), open and urgent first. A coordinator, who sees
 *    every case's queue row, finds by reference any case but by phone, document or name
 *    only the cases whose content they may read: otherwise a name search would tell them
 *    who is behind a case they may not open;
 * 3. candidates are decrypted in batches (their data keys fetched with one query per
 *    batch) and their own terms compared exactly, until SEARCH_RESULT_LIMIT matches.
 *
 * The leakage budget of the index is in src/crypto/blind-index.ts and docs/workspace.md.
 * The query text is not logged or audited; the audit entry names only the kinds searched.
 */
export const SEARCH_RESULT_LIMIT = 50;

/**
 * A reference however it is typed: any case, "c yazaxhen", "CYAZAXHEN" or " c-yazaxhen "
 * all name C-YAZAXHEN (the prefix is required, so an 8-letter Latin surname stays a name).
 */
export function asCaseRef(q: string): string {
  const m = /^C[\s-]?([0-9A-Z]{8})$/.exec(q.trim().toUpperCase());
  return m === null ? q : `C-${m[1]}`;
}
/** Candidates read per search: at the planned size (10^6 persons) a value has ~15 unrelated holders. */
const MAX_CANDIDATES = 500;
const DECRYPT_BATCH = 50;

export async function searchCases(ctx: AppContext, actor: Actor, input: unknown): Promise<QueueItem[]> {
  requireAllowed(canSearchCases(actor), 'search');
  const staff = actor as StaffActor;
  const db = ctx.database.db;
  const { q } = searchQuerySchema.parse(typeof input === 'object' && input !== null ? input : {});
  if (q === '') return [];
  const sc = await scopeContext(db, actor);
  const kinds = new Set<string>();
  let found: QueueRow[];
  const ref = caseRefSchema.safeParse(asCaseRef(q));
  if (ref.success) {
    kinds.add('ref');
    const row = await findCaseByRef(db, ref.data);
    // A reference names no one: the queue's (metadata) scope applies.
    found = row === undefined ? [] : await findQueueRowsByIds(db, sc.scope, [row.id]);
  } else {
    const terms = queryTerms(q);
    const keyring = ctx.vault.requireKeyring();
    for (const term of terms) kinds.add(term.kind);
    const candidates = await findSearchCandidates(
      db,
      sc.contentScope,
      terms.map((term) => ({ kind: term.kind, value: indexValue(keyring, term.kind, term.term) })),
      MAX_CANDIDATES,
    );
    found = await verifyCandidates(
      ctx,
      candidates,
      new Set(terms.map((term) => `${term.kind}|${term.term}`)),
    );
  }
  // Closed cases are found too (the queue shows only open ones). Names and key facts only on
  // the rows whose content the reader may read (ADR 0184).
  const items = await withKeyFacts(
    ctx,
    db,
    await presentQueueRows(ctx, db, staff, found, today(), {
      scope: sc,
      teams: await listTeams(db, sc.facts.teamIds),
    }),
  );
  const identity = kinds.has('phone') || kinds.has('document');
  await recordAudit(db, {
    actor: staff.id,
    action: 'case.search',
    target: null,
    reason: `kinds=${[...kinds].sort().join(',') || 'none'} results=${items.length}${identity ? ' identity' : ''}`,
  });
  return items;
}

/**
 * Keeps the candidates whose decrypted person has one of the wanted terms (a blind index
 * only narrows: equal index values may come from different values). Stops at
 * SEARCH_RESULT_LIMIT matches; every data key opened is disposed.
 */
async function verifyCandidates<T extends QueueRow & { person_enc: Uint8Array | null }>(
  ctx: AppContext,
  candidates: readonly T[],
  wanted: ReadonlySet<string>,
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < candidates.length && out.length < SEARCH_RESULT_LIMIT; start += DECRYPT_BATCH) {
    const batch = candidates.slice(start, start + DECRYPT_BATCH);
    await withSubjectKeys(
      ctx,
      batch.map((c) => subjectOf(c.id)),
      (keys) => {
        for (const c of batch) {
          const key = keys.get(subjectOf(c.id));
          if (key === undefined || out.length >= SEARCH_RESULT_LIMIT) continue;
          const have = personSearchTerms(decryptPerson(key, c)).map((t) => `${t.kind}|${t.term}`);
          if (have.some((t) => wanted.has(t))) out.push(c);
        }
      },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Free text over the story and messages (ADR 0185)

/** Cases read per free-text search: the most recently active ones in the reader's content scope. */
export const TEXT_SEARCH_CASES = 2000;
/** Messages read per case: the most recent ones. */
export const TEXT_SEARCH_MESSAGES = 50;
const TEXT_BATCH = 200;

/** Words of at least 3 letters, lower case, ё as е, NFKC (the same on both sides). */
export function textWords(text: string): string[] {
  return [
    ...new Set(
      foldText(text)
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length >= 3),
    ),
  ].slice(0, 8);
}

function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replaceAll('ё', 'е');
}

export interface TextSearchResult {
  items: QueueItem[];
  /** More cases were in scope than TEXT_SEARCH_CASES: the oldest were not searched. */
  bounded: boolean;
  /** No word of 3 letters or more in the query. */
  tooShort: boolean;
}

/**
 * Decrypt-and-search inside the reader's content scope, bounded (ADR 0185): no index of
 * words exists anywhere, so neither a seized disk nor a database writer learns which words
 * a story holds. Reads the TEXT_SEARCH_CASES most recently active cases the reader may read
 * (never a coordinator's metadata-only rows, never a restricted case outside its team),
 * decrypts their story and last TEXT_SEARCH_MESSAGES messages in batches (one key query per
 * batch), and keeps the cases holding every word. The plaintext lives only in this call;
 * the query is not logged; one audit entry names the kind and the count.
 */
export async function searchCaseText(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  bound: { cases: number } = { cases: TEXT_SEARCH_CASES },
): Promise<TextSearchResult> {
  requireAllowed(canSearchCases(actor), 'search');
  const staff = actor as StaffActor;
  const db = ctx.database.db;
  const { q } = searchQuerySchema.parse(typeof input === 'object' && input !== null ? input : {});
  const words = textWords(q);
  if (words.length === 0) return { items: [], bounded: false, tooShort: true };
  const sc = await scopeContext(db, actor);
  const candidates = await listTextSearchCandidates(db, sc.contentScope, bound.cases);
  const bounded = candidates.length > bound.cases;
  const scanned = candidates.slice(0, bound.cases);
  const found: QueueRow[] = [];
  for (let start = 0; start < scanned.length && found.length < SEARCH_RESULT_LIMIT; start += TEXT_BATCH) {
    const batch = scanned.slice(start, start + TEXT_BATCH);
    const messages = await listRecentMessagesOf(
      db,
      batch.map((c) => c.id),
      TEXT_SEARCH_MESSAGES,
    );
    const byCase = new Map<string, typeof messages>();
    for (const msg of messages) byCase.set(msg.case_id, [...(byCase.get(msg.case_id) ?? []), msg]);
    await withSubjectKeys(
      ctx,
      batch.map((c) => subjectOf(c.id)),
      (keys) => {
        for (const c of batch) {
          const key = keys.get(subjectOf(c.id));
          if (key === undefined || found.length >= SEARCH_RESULT_LIMIT) continue;
          const texts = [
            decryptText(key, c.story_enc, 'cases', 'story', c.id),
            ...(byCase.get(c.id) ?? []).map((msg) =>
              decryptText(key, msg.body_enc, 'case_messages', 'body', msg.id),
            ),
          ];
          const haystack = foldText(texts.join('\n'));
          if (words.every((w) => haystack.includes(w))) found.push(c);
        }
      },
      db,
    );
  }
  const items = await withKeyFacts(
    ctx,
    db,
    await presentQueueRows(ctx, db, staff, found, today(), {
      scope: sc,
      teams: await listTeams(db, sc.facts.teamIds),
    }),
  );
  await recordAudit(db, {
    actor: staff.id,
    action: 'case.search',
    target: null,
    reason: `kinds=text results=${items.length} scanned=${scanned.length}${bounded ? ' bounded' : ''}`,
  });
  return { items, bounded, tooShort: false };
}

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
import { subjectOf, today } from './case-helpers.ts';
import { indexValue, personSearchTerms, queryTerms } from './case-search.ts';
import { findQueueRowsByIds, findSearchCandidates, type QueueRow } from './cases.repository.ts';
import { searchQuerySchema } from './cases.schemas.ts';
import { presentQueueRows, type QueueItem } from './queue.service.ts';

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
  const ref = caseRefSchema.safeParse(q);
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
  // Closed cases are found too (the queue shows only open ones).
  const items = await presentQueueRows(ctx, db, staff, found, today(), {
    scope: sc,
    teams: await listTeams(db, sc.facts.teamIds),
  });
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

import type { AppContext } from '../../context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Actor, StaffActor } from '../auth/auth.policy.ts';
import { indexValue, personSearchTerms, queryTerms } from './case-search.ts';
import { canSearchCases, requireAllowed } from './cases.policy.ts';
import {
  findCaseByRef,
  findCaseIdsByIndex,
  findCasesByIds,
  findQueueRowsByIds,
  listTeams,
} from './cases.repository.ts';
import { caseRefSchema, searchQuerySchema } from './cases.schemas.ts';
import { presentQueueRows, type QueueItem, readPerson, scopeContext, today } from './cases.service.ts';

/**
 * Search by case reference, or by exact phone number, document number or normalised name
 * through blind indexes. Never decrypts every row: the index gives a few candidates
 * (the leakage budget in src/crypto/blind-index.ts keeps 2 or more rows per index value at
 * the expected size), candidates outside the actor's queue scope are dropped in SQL, and
 * only the rest are decrypted and compared exactly. Cases the actor may not see never
 * appear. The query text is not logged or audited; the audit entry names only the kinds.
 */
const MAX_CANDIDATES = 200;

export async function searchCases(ctx: AppContext, actor: Actor, input: unknown): Promise<QueueItem[]> {
  requireAllowed(canSearchCases(actor), 'search');
  const staff = actor as StaffActor;
  const db = ctx.database.db;
  const { q } = searchQuerySchema.parse(typeof input === 'object' && input !== null ? input : {});
  if (q === '') return [];
  const sc = await scopeContext(db, actor);
  const scope = sc.scope;
  const ids = new Set<string>();
  const kinds = new Set<string>();
  const ref = caseRefSchema.safeParse(q);
  if (ref.success) {
    kinds.add('ref');
    const row = await findCaseByRef(db, ref.data);
    if (row !== undefined) ids.add(row.id);
  }
  const terms = ref.success ? [] : queryTerms(q);
  const keyring = ctx.vault.requireKeyring();
  const candidates = new Map<string, Set<string>>();
  for (const term of terms) {
    kinds.add(term.kind);
    for (const id of await findCaseIdsByIndex(
      db,
      term.kind,
      indexValue(keyring, term.kind, term.term),
      MAX_CANDIDATES,
    )) {
      const wanted = candidates.get(id) ?? new Set<string>();
      wanted.add(`${term.kind}|${term.term}`);
      candidates.set(id, wanted);
    }
  }
  // Scope first (SQL), then decrypt only what the actor may see, and compare exactly.
  const visibleCandidates = await findQueueRowsByIds(
    db,
    scope,
    [...candidates.keys()].slice(0, MAX_CANDIDATES),
  );
  const rows = await findCasesByIds(
    db,
    visibleCandidates.map((c) => c.id),
  );
  for (const row of rows) {
    const have = new Set(personSearchTerms(await readPerson(ctx, db, row)).map((t) => `${t.kind}|${t.term}`));
    if ([...(candidates.get(row.id) ?? [])].some((w) => have.has(w))) ids.add(row.id);
  }
  const found = await findQueueRowsByIds(db, scope, [...ids]);
  // Closed cases are found too (the queue shows only open ones).
  const items = await presentQueueRows(ctx, db, staff, found, today(), {
    scope: sc,
    teams: await listTeams(db),
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

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { notifySignalRaised } from './vetting.signal-hooks.ts';
import type { VettingDecisionKind, VettingSignalKind, VettingSignalStatus } from '../../db/types.ts';

/**
 * Typed SQL of linkage and vetting: blocking indexes, signals and the cases they concern,
 * decisions, labelled pairs, models and watchlists. Plain functions, `db` or `trx` first;
 * they return rows and never throw HTTP errors.
 */

// ---- blocking index -----------------------------------------------------------------------

/** Replaces a case's blocking-index rows (slot → blind index value). */
export async function replaceBlockIndex(
  trx: Db,
  caseId: string,
  entries: ReadonlyArray<{ slot: number; value: number }>,
): Promise<void> {
  await trx.deleteFrom('linkage_block_index').where('case_id', '=', caseId).execute();
  if (entries.length === 0) return;
  await trx
    .insertInto('linkage_block_index')
    .values(entries.map((e) => ({ case_id: caseId, key: e.slot, value: e.value })))
    .execute();
}

/** How many cases share each (slot, value): to pick the refinement level of each key. */
export async function countBlockIndex(
  db: Db,
  entries: ReadonlyArray<{ slot: number; value: number }>,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (entries.length === 0) return out;
  const rows = await db
    .selectFrom('linkage_block_index')
    .select(['key', (eb) => eb.fn.countAll<string>().as('n')])
    .where((eb) => eb.or(entries.map((e) => eb.and([eb('key', '=', e.slot), eb('value', '=', e.value)]))))
    .groupBy('key')
    .execute();
  for (const r of rows) out.set(r.key, Number(r.n));
  return out;
}

/** Cases that share one (slot, value) of the blocking index, at most `limit`. */
export async function findBlockIndexCases(
  db: Db,
  entries: ReadonlyArray<{ slot: number; value: number }>,
  limit: number,
): Promise<Array<{ case_id: string; key: number }>> {
  if (entries.length === 0) return [];
  return db
    .selectFrom('linkage_block_index')
    .select(['case_id', 'key'])
    .where((eb) => eb.or(entries.map((e) => eb.and([eb('key', '=', e.slot), eb('value', '=', e.value)]))))
    .limit(limit)
    .execute();
}

/** Cases whose search index holds one of these (kind, value) entries, at most `limit` per entry. */
export async function findPersonIndexCases(
  db: Db,
  entries: ReadonlyArray<{ kind: 'phone' | 'document' | 'name'; value: number }>,
  limit: number,
): Promise<Array<{ case_id: string; kind: string }>> {
  const out: Array<{ case_id: string; kind: string }> = [];
  for (const e of entries) {
    const rows = await db
      .selectFrom('case_person_index')
      .select(['case_id', 'kind'])
      .where('kind', '=', e.kind)
      .where('value', '=', e.value)
      .limit(limit + 1)
      .execute();
    // A term shared by more cases than the cap is too common to block on (a name like Иванов).
    if (rows.length <= limit) out.push(...rows);
  }
  return out;
}

/** Case ids, oldest first, after `afterId` (the backfill pages through them). */
export async function listCaseIdsAfter(db: Db, afterId: string | null, limit: number): Promise<string[]> {
  let q = db.selectFrom('cases').select('id').orderBy('id').limit(limit);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return (await q.execute()).map((r) => r.id);
}

// ---- signals ------------------------------------------------------------------------------

export interface SignalUpsert {
  kind: VettingSignalKind;
  pairKey: string;
  caseIds: readonly string[];
  watchlistEntryId: string | null;
  score: number;
  /** Encrypts the detail for a given row id (AAD binds it to the row). */
  detail: (rowId: string) => Uint8Array;
  /** Only refresh an existing open signal; never raise a new one. */
  refreshOnly?: boolean;
}

/**
 * Raises a signal, or refreshes an open one (score and explanation) with the same kind and
 * pair key. A decided or superseded signal is left as it is: a decision is never undone by a
 * job. Returns the signal id and whether it was new.
 */
export async function upsertSignal(trx: Db, s: SignalUpsert): Promise<{ id: string; created: boolean }> {
  const existing = await trx
    .selectFrom('vetting_signals')
    .select(['id', 'status'])
    .where('kind', '=', s.kind)
    .where('pair_key', '=', s.pairKey)
    .forUpdate()
    .executeTakeFirst();
  if (existing !== undefined) {
    if (existing.status === 'open' || existing.status === 'more_info') {
      await trx
        .updateTable('vetting_signals')
        .set({
          score: s.score,
          detail_enc: s.detail(existing.id),
          updated_at: sql<Date>`now()`,
          version: sql<number>`version + 1`,
        })
        .where('id', '=', existing.id)
        .execute();
    }
    return { id: existing.id, created: false };
  }
  if (s.refreshOnly === true) return { id: '', created: false };
  const id = randomUUID();
  const inserted = await trx
    .insertInto('vetting_signals')
    .values({
      id,
      kind: s.kind,
      pair_key: s.pairKey,
      watchlist_entry_id: s.watchlistEntryId,
      score: s.score,
      detail_enc: s.detail(id),
    })
    .onConflict((oc) => oc.columns(['kind', 'pair_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) return { id: '', created: false };
  await trx
    .insertInto('vetting_signal_cases')
    .values(s.caseIds.map((caseId) => ({ signal_id: id, case_id: caseId })))
    .execute();
  await notifySignalRaised(trx, s.caseIds);
  return { id, created: true };
}

/** Open "several codenames" signals of a case whose members are all within `members` (superseded by a larger group). */
export async function supersedeCodenameSignals(
  trx: Db,
  keepId: string,
  members: readonly string[],
): Promise<number> {
  const rows = await trx
    .selectFrom('vetting_signals as s')
    .innerJoin('vetting_signal_cases as c', 'c.signal_id', 's.id')
    .select(['s.id', (eb) => eb.fn.agg<string[]>('array_agg', ['c.case_id']).as('cases')])
    .where('s.kind', '=', 'codenames')
    .where('s.status', 'in', ['open', 'more_info'])
    .where('s.id', '<>', keepId)
    .groupBy('s.id')
    .execute();
  const set = new Set(members);
  const ids = rows.filter((r) => r.cases.every((c) => set.has(c))).map((r) => r.id);
  if (ids.length === 0) return 0;
  await trx
    .updateTable('vetting_signals')
    .set({ status: 'superseded', updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
    .where('id', 'in', ids)
    .execute();
  return ids.length;
}

/** Other cases that share an open signal with this case (re-scored when it is linked again). */
export async function findOpenSignalPartners(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('vetting_signal_cases as mine')
    .innerJoin('vetting_signals as s', 's.id', 'mine.signal_id')
    .innerJoin('vetting_signal_cases as other', 'other.signal_id', 's.id')
    .select('other.case_id')
    .distinct()
    .where('mine.case_id', '=', caseId)
    .where('other.case_id', '<>', caseId)
    .where('s.kind', 'in', ['duplicate', 'shared_phone'])
    .where('s.status', 'in', ['open', 'more_info'])
    .execute();
  return rows.map((r) => r.case_id);
}

export interface SignalListRow {
  id: string;
  kind: VettingSignalKind;
  score: number;
  status: VettingSignalStatus;
  raised_on: string;
  refs: string[];
}

/** A page of the queue, best score first within a status filter. */
export async function listSignals(
  db: Db,
  filter: { statuses: readonly VettingSignalStatus[]; kind: VettingSignalKind | undefined },
  offset: number,
  limit: number,
): Promise<SignalListRow[]> {
  let q = db
    .selectFrom('vetting_signals as s')
    .leftJoin('vetting_signal_cases as sc', 'sc.signal_id', 's.id')
    .leftJoin('cases as c', 'c.id', 'sc.case_id')
    .select([
      's.id',
      's.kind',
      's.score',
      's.status',
      's.raised_on',
      sql<string[]>`coalesce(array_agg(c.ref order by c.ref) filter (where c.ref is not null), '{}')`.as(
        'refs',
      ),
    ])
    .where('s.status', 'in', filter.statuses)
    .groupBy(['s.id', 's.kind', 's.score', 's.status', 's.raised_on'])
    .orderBy('s.score', 'desc')
    .orderBy('s.id')
    .offset(offset)
    .limit(limit);
  if (filter.kind !== undefined) q = q.where('s.kind', '=', filter.kind);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, raised_on: String(r.raised_on) }));
}

/** Open signals per kind (the queue's summary and the navigation badge). */
export async function countOpenSignals(db: Db): Promise<number> {
  const row = await db
    .selectFrom('vetting_signals')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'in', ['open', 'more_info'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findSignal(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  let q = db.selectFrom('vetting_signals').selectAll().where('id', '=', id);
  if (options.forUpdate === true) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The cases a signal concerns, oldest reference first. */
export async function listSignalCases(db: Db, signalId: string) {
  return db
    .selectFrom('vetting_signal_cases as sc')
    .innerJoin('cases as c', 'c.id', 'sc.case_id')
    .select(['c.id', 'c.ref', 'c.created_on', 'c.status'])
    .where('sc.signal_id', '=', signalId)
    .orderBy('c.created_on')
    .orderBy('c.ref')
    .execute();
}

export async function updateSignalStatus(
  trx: Db,
  id: string,
  version: number,
  status: VettingSignalStatus,
): Promise<boolean> {
  const r = await trx
    .updateTable('vetting_signals')
    .set({ status, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- decisions and labels -----------------------------------------------------------------

export async function insertDecision(
  trx: Db,
  row: {
    id: string;
    signal_id: string;
    decision: VettingDecisionKind;
    reason_enc: Uint8Array;
    decided_by: string;
  },
): Promise<void> {
  await trx.insertInto('vetting_decisions').values(row).execute();
}

export async function listDecisions(db: Db, signalId: string) {
  return db
    .selectFrom('vetting_decisions')
    .select(['id', 'decision', 'reason_enc', 'decided_by', 'decided_at'])
    .where('signal_id', '=', signalId)
    .orderBy('decided_at')
    .execute();
}

/** Records (or replaces) the label of a pair of cases: the latest decision wins. */
export async function upsertLabel(
  trx: Db,
  caseA: string,
  caseB: string,
  match: boolean,
  decisionId: string,
): Promise<void> {
  const [a, b] = caseA < caseB ? [caseA, caseB] : [caseB, caseA];
  await trx
    .insertInto('linkage_labels')
    .values({ case_a: a, case_b: b, match, decision_id: decisionId })
    .onConflict((oc) =>
      oc
        .columns(['case_a', 'case_b'])
        .doUpdateSet({ match, decision_id: decisionId, labelled_at: sql`now()` }),
    )
    .execute();
}

export async function listLabels(db: Db, limit: number) {
  return db
    .selectFrom('linkage_labels')
    .select(['case_a', 'case_b', 'match'])
    .orderBy('labelled_at', 'desc')
    .limit(limit)
    .execute();
}

// ---- models -------------------------------------------------------------------------------

export async function insertModel(
  trx: Db,
  row: { model: string; matches: number; non_matches: number },
): Promise<void> {
  await trx.insertInto('linkage_models').values(row).execute();
}

export async function findLatestModel(db: Db) {
  return db
    .selectFrom('linkage_models')
    .select(['model', 'matches', 'non_matches', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

// ---- watchlists ---------------------------------------------------------------------------

export async function insertWatchlist(
  trx: Db,
  row: {
    id: string;
    label_enc: Uint8Array;
    format: 'clk' | 'plain';
    fingerprint: string | null;
    secret_enc: Uint8Array | null;
    clk_bits: number | null;
    clk_hardening: 'none' | 'xor-fold' | 'balance' | null;
    entries: number;
    imported_by: string;
    source_enc: Uint8Array;
  },
): Promise<void> {
  // Every import waits for a second person (ADR 0095): nothing is matched until then.
  await trx
    .insertInto('watchlists')
    .values({ ...row, status: 'pending' })
    .execute();
}

export async function insertWatchlistEntries(
  trx: Db,
  entries: ReadonlyArray<{ id: string; watchlist_id: string; entry_enc: Uint8Array }>,
  index: ReadonlyArray<{ entry_id: string; watchlist_id: string; key: number; value: number }>,
): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    await trx
      .insertInto('watchlist_entries')
      .values(entries.slice(i, i + 1000))
      .execute();
  }
  for (let i = 0; i < index.length; i += 2000) {
    await trx
      .insertInto('watchlist_block_index')
      .values(index.slice(i, i + 2000))
      .execute();
  }
}

export async function listActiveWatchlists(db: Db) {
  return db
    .selectFrom('watchlists')
    .selectAll()
    .where('retired_at', 'is', null)
    .where('status', '=', 'active')
    .orderBy('imported_at')
    .execute();
}

/** Signals raised so far by each of these lists (their entries' signals). */
export async function countWatchlistSignals(
  db: Db,
  watchlistIds: readonly string[],
): Promise<Map<string, number>> {
  if (watchlistIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('vetting_signals as s')
    .innerJoin('watchlist_entries as e', 'e.id', 's.watchlist_entry_id')
    .select(['e.watchlist_id', db.fn.countAll<string>().as('n')])
    .where('e.watchlist_id', 'in', watchlistIds)
    .groupBy('e.watchlist_id')
    .execute();
  return new Map(rows.map((r) => [r.watchlist_id, Number(r.n)]));
}

/** A pending list becomes active (approved by a second person); false if it was not pending. */
export async function activateWatchlist(trx: Db, id: string, approvedBy: string): Promise<boolean> {
  const r = await trx
    .updateTable('watchlists')
    .set({ status: 'active', approved_by: approvedBy, approved_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A refused import: marked rejected and retired (entries and secret deleted). */
export async function rejectWatchlist(trx: Db, id: string): Promise<void> {
  await trx.updateTable('watchlists').set({ status: 'rejected' }).where('id', '=', id).execute();
  await retireWatchlist(trx, id);
}

export async function listAllWatchlists(db: Db) {
  return db.selectFrom('watchlists').selectAll().orderBy('imported_at', 'desc').limit(200).execute();
}

export async function findWatchlist(db: Db, id: string) {
  return db.selectFrom('watchlists').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Entries of one list that share one of these (slot, value) index entries, at most `limit`. */
export async function findWatchlistCandidates(
  db: Db,
  watchlistId: string,
  entries: ReadonlyArray<{ slot: number; value: number }>,
  limit: number,
) {
  if (entries.length === 0) return [];
  return db
    .selectFrom('watchlist_block_index as i')
    .innerJoin('watchlist_entries as e', 'e.id', 'i.entry_id')
    .select(['e.id', 'e.entry_enc'])
    .distinct()
    .where('i.watchlist_id', '=', watchlistId)
    .where((eb) => eb.or(entries.map((e) => eb.and([eb('i.key', '=', e.slot), eb('i.value', '=', e.value)]))))
    .limit(limit)
    .execute();
}

export async function findWatchlistEntry(db: Db, id: string) {
  return db
    .selectFrom('watchlist_entries')
    .select(['id', 'watchlist_id', 'entry_enc'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Retires a list: its entries and index go (signals keep their explanation, lose the link). */
export async function retireWatchlist(trx: Db, id: string): Promise<boolean> {
  const r = await trx
    .updateTable('watchlists')
    .set({ retired_at: sql<Date>`now()`, secret_enc: null })
    .where('id', '=', id)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  await trx.deleteFrom('watchlist_entries').where('watchlist_id', '=', id).execute();
  return true;
}

/** Whether a case is named by a signal still open (or waiting for more information). */
export async function caseHasOpenSignal(db: Db, caseId: string): Promise<boolean> {
  const row = await db
    .selectFrom('vetting_signal_cases as c')
    .innerJoin('vetting_signals as s', 's.id', 'c.signal_id')
    .select('s.id')
    .where('c.case_id', '=', caseId)
    .where('s.status', 'in', ['open', 'more_info'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

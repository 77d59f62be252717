import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CaseEventsTable, CaseRow, CasesTable, CaseTasksTable, Database } from '../../db/types.ts';
import type { QueueScope } from '../case-access/index.ts';
import { emitCaseActivity } from './case-activity.ts';

/**
 * Typed SQL of the cases module. Plain functions taking `db` or `trx` first; they return
 * rows and never throw HTTP errors. Every query that serves a page uses an index: see
 * bench/workspace.bench.ts, which checks the plans with EXPLAIN on 100,000 cases.
 */

// ---------------------------------------------------------------------------------------------
// Cases

export async function insertCase(
  db: Db,
  row: {
    id: string;
    ref: string;
    urgency: number;
    person_enc: Uint8Array | null;
    story_enc: Uint8Array | null;
    intake_enc?: Uint8Array | null;
    applicant_type?: CasesTable['applicant_type']['__insert__'];
    country?: string | null;
    created_on?: string;
  },
): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

type CaseUpdate = Partial<{
  status: string;
  urgency: number;
  person_enc: Uint8Array;
  story_enc: Uint8Array;
  intake_enc: Uint8Array;
  applicant_type: CaseRow['applicant_type'];
  country: string | null;
  team_id: string | null;
  assignee_id: string | null;
  closing_reason: CaseRow['closing_reason'];
  waiting_for_us: boolean;
  waiting_since: string;
  next_due_on: string | null;
}>;

/**
 * Optimistic concurrency: updates only if the row still has `version`, and bumps it.
 * Returns false when someone else changed the case in the meantime.
 */
export async function updateCaseIfVersion(
  db: Db,
  id: string,
  version: number,
  values: CaseUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable('cases')
    .set({
      ...values,
      version: sql<number>`version + 1`,
      updated_at: new Date(),
      last_activity_on: sql<string>`current_date`,
    })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Updates bookkeeping columns without a version check (append-only events: notes, messages, tasks). */
export async function touchCase(db: Db, id: string, values: CaseUpdate = {}): Promise<void> {
  await db
    .updateTable('cases')
    .set({ ...values, updated_at: new Date(), last_activity_on: sql<string>`current_date` })
    .where('id', '=', id)
    .execute();
}

/** Recomputes the earliest open due date, so overdue cases rise in the queue. */
export async function refreshNextDue(db: Db, caseId: string): Promise<void> {
  await db
    .updateTable('cases')
    .set({
      next_due_on: (eb) =>
        eb
          .selectFrom('case_tasks')
          .select((e) => e.fn.min('due_on').as('d'))
          .where('case_id', '=', caseId)
          .where('done_at', 'is', null),
    })
    .where('id', '=', caseId)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Queue

export interface QueueFilter {
  status?: string | undefined;
  applicantType?: string | undefined;
  country?: string | undefined;
  /** A staff id, or null for "unassigned". */
  assigneeId?: string | null | undefined;
  teamId?: string | undefined;
  waitingForUs?: boolean | undefined;
  /** Only cases with an open task due before `today` (the "overdue" view). */
  overdueBefore?: string | undefined;
}

/** @internal the queue scope as a condition on `cases` (also the home page's, case-home.ts). */
export function scopeWhere(eb: ExpressionBuilder<Database, 'cases'>, scope: QueueScope) {
  // Coordinators: every case but the restricted ones outside their own teams (ADR 0158).
  if (scope.all) {
    return scope.teamIds.length === 0
      ? eb('cases.restricted', '=', false)
      : eb.or([eb('cases.restricted', '=', false), eb('cases.team_id', 'in', scope.teamIds)]);
  }
  const ors = [eb('cases.assignee_id', '=', scope.staffId)];
  if (scope.teamIds.length > 0) ors.push(eb('cases.team_id', 'in', scope.teamIds));
  if (scope.triage) ors.push(eb.and([eb('cases.team_id', 'is', null), eb('cases.assignee_id', 'is', null)]));
  if (scope.grantCaseIds.length > 0) ors.push(eb('cases.id', 'in', scope.grantCaseIds));
  return eb.or(ors);
}

function filterWhere(eb: ExpressionBuilder<Database, 'cases'>, f: QueueFilter) {
  const ands = [eb('cases.status', '<>', 'closed')];
  if (f.status !== undefined) ands.push(eb('cases.status', '=', f.status));
  if (f.applicantType !== undefined)
    ands.push(eb('cases.applicant_type', '=', f.applicantType as CaseRow['applicant_type']));
  if (f.country !== undefined) ands.push(eb('cases.country', '=', f.country));
  if (f.assigneeId === null) ands.push(eb('cases.assignee_id', 'is', null));
  else if (f.assigneeId !== undefined) ands.push(eb('cases.assignee_id', '=', f.assigneeId));
  if (f.teamId !== undefined) ands.push(eb('cases.team_id', '=', f.teamId));
  if (f.waitingForUs === true) ands.push(eb('cases.waiting_for_us', '=', true));
  if (f.overdueBefore !== undefined) ands.push(eb('cases.next_due_on', '<', f.overdueBefore));
  return eb.and(ands);
}

const QUEUE_COLUMNS = [
  'cases.id',
  'cases.ref',
  'cases.status',
  'cases.urgency',
  'cases.applicant_type',
  'cases.country',
  'cases.created_on',
  'cases.last_activity_on',
  'cases.waiting_for_us',
  'cases.waiting_since',
  'cases.next_due_on',
  'cases.team_id',
  'cases.assignee_id',
  'cases.restricted',
] as const;

export type QueueRow = Pick<
  CaseRow,
  | 'id'
  | 'ref'
  | 'status'
  | 'urgency'
  | 'applicant_type'
  | 'country'
  | 'created_on'
  | 'last_activity_on'
  | 'waiting_for_us'
  | 'waiting_since'
  | 'next_due_on'
  | 'team_id'
  | 'assignee_id'
  | 'restricted'
>;

/**
 * One page of the queue: overdue cases first (earliest due first), then by urgency and
 * waiting time. Two index-ordered queries instead of one sort over every open case: the
 * overdue set is small (partial index on next_due_on), the rest is read in index order and
 * stops after `limit` rows. Returns `limit + 1` rows at most, to tell whether a next page exists.
 */
export async function listQueuePage(
  db: Db,
  scope: QueueScope,
  filter: QueueFilter,
  today: string,
  offset: number,
  limit: number,
): Promise<QueueRow[]> {
  const want = limit + 1;
  const overdue = await db
    .selectFrom('cases')
    .select(QUEUE_COLUMNS)
    .where((eb) =>
      eb.and([scopeWhere(eb, scope), filterWhere(eb, filter), eb('cases.next_due_on', '<', today)]),
    )
    .orderBy('cases.next_due_on')
    .orderBy('cases.urgency', 'desc')
    .orderBy('cases.id')
    .limit(offset + want)
    .execute();
  const fromOverdue = overdue.slice(offset, offset + want);
  if (fromOverdue.length >= want) return fromOverdue;
  const restOffset = Math.max(0, offset - overdue.length);
  const rest = await db
    .selectFrom('cases')
    .select(QUEUE_COLUMNS)
    .where((eb) =>
      eb.and([
        scopeWhere(eb, scope),
        filterWhere(eb, filter),
        eb.or([eb('cases.next_due_on', 'is', null), eb('cases.next_due_on', '>=', today)]),
      ]),
    )
    .orderBy('cases.urgency', 'desc')
    .orderBy('cases.waiting_since')
    .orderBy('cases.id')
    .offset(restOffset)
    .limit(want - fromOverdue.length)
    .execute();
  return [...fromOverdue, ...rest];
}

/**
 * Sortable queue columns (ADR 0184): the allow-list from a sort key to the SQL column and the
 * direction that "descending" means for it. Only these keys ever reach `orderBy`; the route's
 * schema refuses every other value before the service runs.
 */
const SORT_COLUMNS = {
  // Age descending = oldest first = created_on ascending.
  age: { column: 'cases.created_on', invert: true },
  urgency: { column: 'cases.urgency', invert: false },
  activity: { column: 'cases.last_activity_on', invert: false },
  country: { column: 'cases.country', invert: false },
} as const;
export type QueueSortKey = keyof typeof SORT_COLUMNS;

/**
 * One page of the queue sorted by a column, in SQL over the scope and the filter (so the
 * order is over everything the reader may see, not over one page). Ties fall back to
 * urgency, waiting time and id, so paging is stable. Returns `limit + 1` rows at most.
 */
export async function listQueuePageSorted(
  db: Db,
  scope: QueueScope,
  filter: QueueFilter,
  sort: { key: QueueSortKey; dir: 'asc' | 'desc' },
  offset: number,
  limit: number,
): Promise<QueueRow[]> {
  const { column, invert } = SORT_COLUMNS[sort.key];
  const descending = (sort.dir === 'desc') !== invert;
  return db
    .selectFrom('cases')
    .select(QUEUE_COLUMNS)
    .where((eb) => eb.and([scopeWhere(eb, scope), filterWhere(eb, filter)]))
    .orderBy(column, (ob) => (descending ? ob.desc().nullsLast() : ob.asc().nullsLast()))
    .orderBy('cases.urgency', 'desc')
    .orderBy('cases.waiting_since')
    .orderBy('cases.id')
    .offset(offset)
    .limit(limit + 1)
    .execute();
}

/**
 * How many open cases the scope and filter hold, counted up to `cap` + 1 rows (so a count
 * never reads every case of a large installation; the page says "more than {cap}").
 */
export async function countQueue(
  db: Db,
  scope: QueueScope,
  filter: QueueFilter,
  cap: number,
): Promise<number> {
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('cases')
        .select('cases.id')
        .where((w) => w.and([scopeWhere(w, scope), filterWhere(w, filter)]))
        .limit(cap + 1)
        .as('c'),
    )
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findQueueRowsByIds(
  db: Db,
  scope: QueueScope,
  ids: readonly string[],
): Promise<QueueRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(QUEUE_COLUMNS)
    .where('cases.id', 'in', ids)
    .where((eb) => scopeWhere(eb, scope))
    .orderBy('cases.ref')
    .execute();
}

/** The encrypted persons of cases by id (the queue and search's key facts). */
export async function findPersonsByIds(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('cases').select(['id', 'person_enc']).where('id', 'in', ids).execute();
}

export async function replacePersonIndex(
  db: Db,
  caseId: string,
  entries: ReadonlyArray<{ kind: 'phone' | 'document' | 'name'; value: number }>,
): Promise<void> {
  await db.deleteFrom('case_person_index').where('case_id', '=', caseId).execute();
  const unique = [...new Map(entries.map((e) => [`${e.kind}:${e.value}`, e])).values()];
  if (unique.length > 0) {
    await db
      .insertInto('case_person_index')
      .values(unique.map((e) => ({ case_id: caseId, kind: e.kind, value: e.value })))
      .execute();
  }
}

/** A page of cases by id with their encrypted person (re-indexing in the background). */
export async function listPersonsAfter(db: Db, after: string | null, limit: number) {
  let q = db.selectFrom('cases').select(['id', 'person_enc']).orderBy('id').limit(limit);
  if (after !== null) q = q.where('id', '>', after);
  return q.execute();
}

/**
 * Search candidates in one query: cases holding any of the blind-index values, inside the
 * actor's scope (so that a candidate limit never hides a case the actor may see behind
 * ones they may not), open cases first, then by urgency and waiting time. Served by the
 * index's primary key (kind, value, case_id) and the cases primary key: it reads the rows
 * sharing the values, never all cases. Returns the queue columns and the encrypted person
 * for verification.
 */
export async function findSearchCandidates(
  db: Db,
  scope: QueueScope,
  lookups: ReadonlyArray<{ kind: 'phone' | 'document' | 'name'; value: number }>,
  limit: number,
): Promise<Array<QueueRow & { person_enc: CaseRow['person_enc'] }>> {
  if (lookups.length === 0) return [];
  const byKind = new Map<'phone' | 'document' | 'name', number[]>();
  for (const l of lookups) byKind.set(l.kind, [...(byKind.get(l.kind) ?? []), l.value]);
  return db
    .selectFrom('cases')
    .select([...QUEUE_COLUMNS, 'cases.person_enc'])
    .where('cases.id', 'in', (eb) =>
      eb
        .selectFrom('case_person_index')
        .select('case_person_index.case_id')
        .where((w) =>
          w.or(
            [...byKind].map(([kind, values]) =>
              w.and([w('case_person_index.kind', '=', kind), w('case_person_index.value', 'in', values)]),
            ),
          ),
        ),
    )
    .where((eb) => scopeWhere(eb, scope))
    .orderBy(sql`cases.status = 'closed'`)
    .orderBy('cases.urgency', 'desc')
    .orderBy('cases.waiting_since')
    .orderBy('cases.id')
    .limit(limit)
    .execute();
}

/**
 * Free-text search's candidates (ADR 0185): the `limit` most recently active cases inside
 * the reader's content scope, open or closed, with the queue columns and the encrypted
 * story. `limit + 1` rows tell the caller that the bound was hit.
 */
export async function listTextSearchCandidates(
  db: Db,
  scope: QueueScope,
  limit: number,
): Promise<Array<QueueRow & { story_enc: CaseRow['story_enc'] }>> {
  return db
    .selectFrom('cases')
    .select([...QUEUE_COLUMNS, 'cases.story_enc'])
    .where((eb) => scopeWhere(eb, scope))
    .orderBy('cases.last_activity_on', 'desc')
    .orderBy('cases.id')
    .limit(limit + 1)
    .execute();
}

/** The last `perCase` messages of each case (free-text search reads no more of a long thread). */
export async function listRecentMessagesOf(db: Db, caseIds: readonly string[], perCase: number) {
  if (caseIds.length === 0) return [];
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('case_messages')
        .select([
          'case_messages.id',
          'case_messages.case_id',
          'case_messages.body_enc',
          sql<number>`row_number() over (partition by case_messages.case_id order by case_messages.seq desc)`.as(
            'rn',
          ),
        ])
        .where('case_messages.case_id', 'in', caseIds)
        .as('m'),
    )
    .select(['m.id', 'm.case_id', 'm.body_enc'])
    .where('m.rn', '<=', perCase)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Timeline: notes, messages, tasks, events

export async function insertCaseNote(
  db: Db,
  row: { id: string; case_id: string; author_id: string | null; body_enc: Uint8Array },
): Promise<void> {
  await db.insertInto('case_notes').values(row).execute();
}

export async function listCaseNotes(db: Db, caseId: string) {
  return db
    .selectFrom('case_notes')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

export async function insertCaseMessage(
  db: Db,
  row: {
    id: string;
    case_id: string;
    direction: 'in' | 'out';
    author_id: string | null;
    body_enc: Uint8Array;
  },
): Promise<void> {
  await db.insertInto('case_messages').values(row).execute();
}

export async function listCaseMessages(db: Db, caseId: string) {
  return db
    .selectFrom('case_messages')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

export async function insertCaseTask(
  db: Db,
  row: Pick<
    CaseTasksTable,
    'id' | 'case_id' | 'kind' | 'title_enc' | 'due_on' | 'assignee_id' | 'created_by'
  >,
): Promise<void> {
  await db.insertInto('case_tasks').values(row).execute();
}

export async function listCaseTasks(db: Db, caseId: string) {
  return db
    .selectFrom('case_tasks')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

export async function findCaseTask(db: Db, caseId: string, taskId: string) {
  return db
    .selectFrom('case_tasks')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', taskId)
    .executeTakeFirst();
}

export async function markTaskDone(db: Db, taskId: string, staffId: string): Promise<boolean> {
  const r = await db
    .updateTable('case_tasks')
    .set({ done_at: new Date(), done_by: staffId })
    .where('id', '=', taskId)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Open tasks due on or before `until`, on cases in the scope, earliest first. */
export async function listDueTasks(db: Db, scope: QueueScope, until: string, limit = 200) {
  return db
    .selectFrom('case_tasks')
    .innerJoin('cases', 'cases.id', 'case_tasks.case_id')
    .select([
      'case_tasks.id',
      'case_tasks.case_id',
      'case_tasks.kind',
      'case_tasks.due_on',
      'case_tasks.assignee_id',
      'case_tasks.title_enc',
      'cases.ref',
      'cases.team_id',
      'cases.assignee_id as case_assignee_id',
    ])
    .where('case_tasks.done_at', 'is', null)
    .where('case_tasks.due_on', '<=', until)
    .where((eb) => scopeWhere(eb, scope))
    .orderBy('case_tasks.due_on')
    .limit(limit)
    .execute();
}

export async function insertCaseEvent(
  db: Db,
  row: Pick<CaseEventsTable, 'id' | 'case_id' | 'kind' | 'actor_id'> & { detail_enc: Uint8Array | null },
): Promise<void> {
  await db.insertInto('case_events').values(row).execute();
}

export async function listCaseEvents(db: Db, caseId: string) {
  return db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

/**
 * Documents on a case: the files the applicant uploaded and those staff added. The intake
 * module owns the table and its blobs; this read is shaped for the case timeline (metadata
 * and the encrypted name only, never the blob).
 */
export async function listCaseDocuments(db: Db, caseId: string) {
  return db
    .selectFrom('intake_attachments')
    .select([
      'id',
      'media_type',
      'size_bytes',
      'name_enc',
      'created_on',
      'uploaded_by',
      'original_blob_id',
      'seq',
    ])
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Break-glass

/**
 * Serialises one staff member's PDF exports (the quota check and its audit entry, ADR 0096)
 * for the rest of the transaction.
 */
export async function lockPdfExports(trx: Db, staffId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`case_pdf:${staffId}`}))`.execute(trx);
}

/**
 * Deletes a case row (erasure, ADR 0139); its notes, messages, tasks, events, persons and
 * other dependent rows go with it (foreign keys on delete cascade). True when it existed.
 */
export async function deleteCaseRow(trx: Db, caseId: string): Promise<boolean> {
  const result = await trx.deleteFrom('cases').where('id', '=', caseId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Marks a case just opened through a contact code as restricted and gives it to its team, in
 * the caller's transaction (the high-assurance path, ADR 0158). Nothing clears the mark.
 */
export async function markCaseRestricted(trx: Db, caseId: string, teamId: string): Promise<void> {
  await trx
    .updateTable('cases')
    .set({ restricted: true, team_id: teamId })
    .where('id', '=', caseId)
    .execute();
  // Notifications follow the case into its team (ADR 0187).
  await emitCaseActivity('caseRestricted', trx, caseId);
}

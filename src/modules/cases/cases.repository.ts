import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  ApprovalKind,
  CaseApprovalsTable,
  CaseEventsTable,
  CaseRow,
  CasesTable,
  CaseTasksTable,
  Database,
} from '../../db/types.ts';

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

export async function findCaseById(db: Db, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCaseByRef(db: Db, ref: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('ref', '=', ref).executeTakeFirst();
}

/** Locks the case row for the rest of the transaction (serialises writers of one case). */
export async function lockCaseForUpdate(db: Db, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
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

/** What one actor may see in the queue. `all` is for coordinators (metadata only). */
export type QueueScope =
  | { all: true }
  | {
      all: false;
      staffId: string;
      teamIds: readonly string[];
      triage: boolean;
      grantCaseIds: readonly string[];
    };

export interface QueueFilter {
  status?: string | undefined;
  applicantType?: string | undefined;
  country?: string | undefined;
  /** A staff id, or null for "unassigned". */
  assigneeId?: string | null | undefined;
  teamId?: string | undefined;
  waitingForUs?: boolean | undefined;
}

function scopeWhere(eb: ExpressionBuilder<Database, 'cases'>, scope: QueueScope) {
  if (scope.all) return eb.lit(true);
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

/** Open cases and open tasks per assignee, for the workload view. */
export async function countWorkload(
  db: Db,
): Promise<Array<{ staff_id: string; cases: number; tasks: number }>> {
  const cases = await db
    .selectFrom('cases')
    .select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '<>', 'closed')
    .where('assignee_id', 'is not', null)
    .groupBy('assignee_id')
    .execute();
  const tasks = await db
    .selectFrom('case_tasks')
    .select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('done_at', 'is', null)
    .where('assignee_id', 'is not', null)
    .groupBy('assignee_id')
    .execute();
  const out = new Map<string, { staff_id: string; cases: number; tasks: number }>();
  for (const c of cases) out.set(c.assignee_id!, { staff_id: c.assignee_id!, cases: Number(c.n), tasks: 0 });
  for (const t of tasks) {
    const row = out.get(t.assignee_id!) ?? { staff_id: t.assignee_id!, cases: 0, tasks: 0 };
    row.tasks = Number(t.n);
    out.set(t.assignee_id!, row);
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Teams

export async function findTeamsOfStaff(
  db: Db,
  staffId: string,
): Promise<Array<{ id: string; triage: boolean }>> {
  return db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.triage'])
    .where('team_members.staff_id', '=', staffId)
    .execute();
}

export async function listTeams(db: Db): Promise<Array<{ id: string; name: string; triage: boolean }>> {
  return db.selectFrom('teams').select(['id', 'name', 'triage']).orderBy('name').execute();
}

export async function findTeamById(db: Db, id: string) {
  return db.selectFrom('teams').select(['id', 'name', 'triage']).where('id', '=', id).executeTakeFirst();
}

export async function findTeamByName(db: Db, name: string) {
  return db.selectFrom('teams').select(['id']).where('name', '=', name).executeTakeFirst();
}

export async function insertTeam(db: Db, row: { id: string; name: string; triage: boolean }): Promise<void> {
  await db.insertInto('teams').values(row).execute();
}

export async function insertTeamMember(db: Db, teamId: string, staffId: string): Promise<void> {
  await db
    .insertInto('team_members')
    .values({ team_id: teamId, staff_id: staffId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listTeamMembers(db: Db): Promise<Array<{ team_id: string; staff_id: string }>> {
  return db.selectFrom('team_members').select(['team_id', 'staff_id']).execute();
}

/** Active staff who can hold cases (for assignment lists). */
export async function listAssignableStaff(db: Db): Promise<Array<{ id: string; role: string }>> {
  return db
    .selectFrom('staff')
    .select(['id', 'role'])
    .where('status', '=', 'active')
    .where('role', 'in', ['caseworker', 'lawyer', 'coordinator'])
    .orderBy('created_at')
    .limit(1000)
    .execute();
}

export async function findActiveStaff(db: Db, id: string) {
  return db
    .selectFrom('staff')
    .select(['id', 'role', 'email_enc'])
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Blind-index entries (search)

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

export async function insertBreakGlassGrant(
  db: Db,
  row: { id: string; staff_id: string; case_id: string; reason_enc: Buffer; expires_at: Date },
): Promise<void> {
  await db.insertInto('break_glass_grants').values(row).execute();
}

export async function hasActiveGrant(db: Db, staffId: string, caseId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('case_id', '=', caseId)
    .where('expires_at', '>', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findActiveGrantExpiry(
  db: Db,
  staffId: string,
  caseId: string,
  now: Date,
): Promise<Date | null> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select((eb) => eb.fn.max('expires_at').as('until'))
    .where('staff_id', '=', staffId)
    .where('case_id', '=', caseId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return (row?.until as Date | null | undefined) ?? null;
}

export async function listActiveGrantCaseIds(db: Db, staffId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('break_glass_grants')
    .select('case_id')
    .distinct()
    .where('staff_id', '=', staffId)
    .where('expires_at', '>', now)
    .limit(100)
    .execute();
  return rows.map((r) => r.case_id);
}

export async function listGrantsForReview(db: Db, includeReviewed: boolean, limit = 200) {
  let q = db
    .selectFrom('break_glass_grants')
    .innerJoin('cases', 'cases.id', 'break_glass_grants.case_id')
    .select([
      'break_glass_grants.id',
      'break_glass_grants.staff_id',
      'break_glass_grants.case_id',
      'break_glass_grants.reason',
      'break_glass_grants.reason_enc',
      'break_glass_grants.granted_at',
      'break_glass_grants.expires_at',
      'break_glass_grants.reviewed_by',
      'break_glass_grants.reviewed_at',
      'break_glass_grants.review_note',
      'break_glass_grants.review_note_enc',
      'cases.ref',
    ])
    .orderBy('break_glass_grants.granted_at', 'desc')
    .limit(limit);
  if (!includeReviewed) q = q.where('break_glass_grants.reviewed_at', 'is', null);
  return q.execute();
}

/** Grants that still hold plaintext written before ADR 0087 (for the legacy job). */
export async function listLegacyPlaintextGrants(db: Db, limit: number) {
  return db
    .selectFrom('break_glass_grants')
    .select(['id', 'case_id', 'reason', 'reason_enc', 'review_note', 'review_note_enc'])
    .where((eb) =>
      eb.or([eb('reason', 'is not', null).and('reason', '!=', ''), eb('review_note', 'is not', null)]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function setGrantCiphertexts(
  db: Db,
  id: string,
  values: {
    reason: string | null;
    reason_enc: Buffer | null;
    review_note: null;
    review_note_enc: Buffer | null;
  },
): Promise<void> {
  await db.updateTable('break_glass_grants').set(values).where('id', '=', id).execute();
}

export async function countUnreviewedGrants(db: Db): Promise<number> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reviewed_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findGrant(db: Db, id: string) {
  return db.selectFrom('break_glass_grants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markGrantReviewed(
  db: Db,
  id: string,
  reviewerId: string,
  noteEnc: Buffer | null,
): Promise<boolean> {
  const r = await db
    .updateTable('break_glass_grants')
    .set({ reviewed_by: reviewerId, reviewed_at: new Date(), review_note_enc: noteEnc })
    .where('id', '=', id)
    .where('reviewed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Four-eyes approvals and settings

export async function insertApproval(
  db: Db,
  row: Pick<
    CaseApprovalsTable,
    'id' | 'kind' | 'case_id' | 'requested_by' | 'payload_enc' | 'expected_version'
  > & { watchlist_id?: string | null },
): Promise<void> {
  await db.insertInto('case_approvals').values(row).execute();
}

/** The four-eyes requests of these watchlists' imports (ADR 0095), newest first. */
export async function listWatchlistApprovals(db: Db, watchlistIds: readonly string[]) {
  if (watchlistIds.length === 0) return [];
  return db
    .selectFrom('case_approvals')
    .select(['id', 'watchlist_id', 'status', 'requested_by', 'decided_by', 'decided_at'])
    .where('kind', '=', 'watchlist_import')
    .where('watchlist_id', 'in', watchlistIds)
    .orderBy('requested_at', 'desc')
    .execute();
}

export async function findApproval(db: Db, id: string) {
  return db.selectFrom('case_approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The pending request of one kind on a case (by default the "not genuine" closing that blocks the workflow). */
export async function findPendingApprovalForCase(
  db: Db,
  caseId: string,
  kind: ApprovalKind = 'close_not_genuine',
) {
  return db
    .selectFrom('case_approvals')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', kind)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

export async function listApprovals(db: Db, limit = 200) {
  return db
    .selectFrom('case_approvals')
    .leftJoin('cases', 'cases.id', 'case_approvals.case_id')
    .select([
      'case_approvals.id',
      'case_approvals.kind',
      'case_approvals.status',
      'case_approvals.requested_by',
      'case_approvals.requested_at',
      'case_approvals.decided_by',
      'case_approvals.decided_at',
      'cases.ref',
    ])
    .where((eb) =>
      eb.or([
        eb('case_approvals.status', '=', 'pending'),
        eb('case_approvals.requested_at', '>', sql<Date>`now() - interval '7 days'`),
      ]),
    )
    .orderBy('case_approvals.requested_at', 'desc')
    .limit(limit)
    .execute();
}

export async function setApprovalStatus(
  db: Db,
  id: string,
  from: 'pending' | 'approved',
  to: 'approved' | 'rejected' | 'used',
  deciderId: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('case_approvals')
    .set(to === 'used' ? { status: to } : { status: to, decided_by: deciderId, decided_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('case_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function putSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('case_settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Audit reads for the access log and the anomaly report (the audit module owns the table;
// these are read-only queries shaped for this module, served by indexes on target and at).

export async function listAuditSince(db: Db, since: Date, actions: readonly string[], limit = 50_000) {
  return db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor', 'action', 'target', 'reason'])
    .where('at', '>=', since)
    .where('action', 'in', actions)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/**
 * Serialises one staff member's PDF exports (the quota check and its audit entry, ADR 0096)
 * for the rest of the transaction.
 */
export async function lockPdfExports(trx: Db, staffId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`case_pdf:${staffId}`}))`.execute(trx);
}

export async function findCaseScopeFacts(db: Db, refs: readonly string[]) {
  if (refs.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(['id', 'ref', 'team_id', 'assignee_id'])
    .where('ref', 'in', refs)
    .execute();
}

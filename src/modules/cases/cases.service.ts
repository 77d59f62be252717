import { randomInt, randomUUID } from 'node:crypto';
import { type Actor, actorLabel, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CaseRow, ClosingReason } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { getStaffEmailLabels } from '../auth/staff.service.ts';
import { createSubjectKey, openSubjectKey } from '../keys/keys.service.ts';
import { enqueuePersonLinkage } from '../vetting/vetting.enqueue.ts';
import { addPathwayChecksToTimeline, type PathwayCheckView } from './case-pathways.timeline.ts';
import { personIndexEntries } from './case-search.ts';
import { type CaseStatus, decideTransition, isCaseStatus, TRANSITIONS } from './case-workflow.ts';
import {
  type ActorFacts,
  type CaseAccess,
  type CaseFacts,
  canAssignCase,
  canBreakGlass,
  canReadCaseContent,
  canSeeAccessLog,
  canSeeAllQueueRows,
  canUseQueue,
  canWriteCase,
  caseAccess,
  isNeedToKnow,
  isSelfAssignment,
  requireAllowed,
} from './cases.policy.ts';
import {
  findActiveStaff,
  findCaseById,
  findCaseByRef,
  findCaseTask,
  findPendingApprovalForCase,
  findTeamById,
  findTeamsOfStaff,
  getSetting,
  hasActiveGrant,
  insertApproval,
  insertCase,
  insertCaseEvent,
  insertCaseMessage,
  insertCaseNote,
  insertCaseTask,
  listActiveGrantCaseIds,
  listCaseDocuments,
  listCaseEvents,
  listCaseMessages,
  listCaseNotes,
  listCaseTasks,
  listDueTasks,
  listQueuePage,
  listTeams,
  lockCaseForUpdate,
  markTaskDone,
  type QueueRow,
  type QueueScope,
  refreshNextDue,
  replacePersonIndex,
  touchCase,
  updateCaseIfVersion,
} from './cases.repository.ts';
import {
  assignFormSchema,
  caseRefSchema,
  type IntakeAnswers,
  intakeAnswersSchema,
  intakeFormSchema,
  type NewCaseInput,
  newCaseSchema,
  noteFormSchema,
  type PersonDetails,
  parseAnswers,
  personFormSchema,
  personSchema,
  type QueueQuery,
  replyFormSchema,
  taskFormSchema,
  transitionFormSchema,
  uuidSchema,
} from './cases.schemas.ts';

/**
 * The case aggregate: creation, the case file, person details with optimistic concurrency,
 * the workflow, assignment, notes, replies, applicant messages and tasks.
 *
 * Every exported function that acts for staff authorises first (through `authoriseCase`,
 * which answers 404 for a case the actor may not see), then decides, then writes in one
 * transaction together with its audit entry.
 */
export type { PersonDetails } from './cases.schemas.ts';

export const subjectOf = (caseId: string) => `case:${caseId}`;
const bind = (table: string, column: string, rowId: string) => ({ table, column, rowId });
const PAGE_SIZE = 50;
export const SETTING_FOUR_EYES = 'four_eyes_not_genuine';

/** Today as YYYY-MM-DD (UTC): the granularity of every applicant-visible date. */
export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A short pseudonymous reference, never derived from the person: "C-" + 8 characters. */
export function newCaseRef(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let out = 'C-';
  for (let i = 0; i < 8; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function validation(error: {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? 'form');
    fields[name] = issue.message.startsWith('field.') ? issue.message : 'field.invalid';
  }
  return new AppError('validation_failed', 'invalid input', { fields });
}

function decryptJson<T>(
  key: DataKey,
  blob: Uint8Array | null,
  table: string,
  column: string,
  rowId: string,
  fallback: T,
): T {
  if (blob === null) return fallback;
  return JSON.parse(decryptFieldText(key, toBuffer(blob), bind(table, column, rowId))) as T;
}

function decryptText(
  key: DataKey,
  blob: Uint8Array | null,
  table: string,
  column: string,
  rowId: string,
): string {
  if (blob === null) return '';
  return decryptFieldText(key, toBuffer(blob), bind(table, column, rowId));
}

async function withCaseKey<T>(
  ctx: AppContext,
  db: Db,
  caseId: string,
  work: (key: DataKey) => Promise<T>,
): Promise<T> {
  const key = await openSubjectKey(db, ctx.vault, subjectOf(caseId));
  try {
    return await work(key);
  } finally {
    key.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Access

/** Team membership and break-glass state of an actor, for the policies. */
export async function actorFacts(db: Db, actor: Actor, caseId?: string): Promise<ActorFacts> {
  if (actor.kind !== 'staff') return { teamIds: [], triage: false, breakGlass: false };
  const teams = await findTeamsOfStaff(db, actor.id);
  return {
    teamIds: teams.map((t) => t.id),
    triage: teams.some((t) => t.triage),
    breakGlass: caseId === undefined ? false : await hasActiveGrant(db, actor.id, caseId, new Date()),
  };
}

export function caseFacts(row: Pick<CaseRow, 'team_id' | 'assignee_id'>): CaseFacts {
  return { teamId: row.team_id, assigneeId: row.assignee_id };
}

export interface AuthorisedCase {
  row: CaseRow;
  facts: ActorFacts;
  access: CaseAccess;
  /** Content is open only through an active break-glass grant. */
  viaBreakGlass: boolean;
}

/**
 * Loads a case by reference and decides the actor's access. A case the actor may not see
 * at the level asked for answers 404 exactly like a missing one, so that probing references
 * tells nothing (DESIGN.md §2.4).
 */
export async function authoriseCase(
  db: Db,
  actor: Actor,
  refInput: unknown,
  need: 'metadata' | 'content' | 'write',
  options: { forUpdate?: boolean } = {},
): Promise<AuthorisedCase> {
  const ref = caseRefSchema.safeParse(refInput);
  if (!ref.success) throw new AppError('not_found', 'malformed case reference');
  let row = await findCaseByRef(db, ref.data);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  if (options.forUpdate === true) row = (await lockCaseForUpdate(db, row.id)) ?? row;
  const facts = await actorFacts(db, actor, row.id);
  const c = caseFacts(row);
  const access = caseAccess(actor, c, facts);
  const allowed =
    need === 'write'
      ? canWriteCase(actor, c, facts)
      : need === 'content'
        ? access === 'content'
        : access !== 'none';
  requireAllowed(allowed, `case ${need}`);
  return { row, facts, access, viaBreakGlass: access === 'content' && !isNeedToKnow(actor, c, facts) };
}

function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

export interface ScopeContext {
  /** What the queue lists: every case for coordinators (metadata), else the content scope. */
  scope: QueueScope;
  /** The cases whose content the actor may read: need-to-know plus break-glass grants. */
  contentScope: QueueScope;
  facts: ActorFacts;
  grants: Set<string>;
}

/** @internal the actor's queue and content scopes with the facts behind them (one read of teams and grants). */
export async function scopeContext(db: Db, actor: Actor): Promise<ScopeContext> {
  const staff = staffOnly(actor);
  const [facts, grantIds] = await Promise.all([
    actorFacts(db, actor),
    listActiveGrantCaseIds(db, staff.id, new Date()),
  ]);
  const grants = new Set(grantIds);
  const readsAssigned = isNeedToKnow(staff, { teamId: null, assigneeId: staff.id }, facts);
  const contentScope: QueueScope = {
    all: false,
    // Roles without cases.read_assigned (vetting, admin) see only their break-glass cases.
    staffId: readsAssigned ? staff.id : '00000000-0000-0000-0000-000000000000',
    teamIds: readsAssigned ? facts.teamIds : [],
    triage: readsAssigned && facts.triage,
    grantCaseIds: grantIds,
  };
  return { scope: canSeeAllQueueRows(actor) ? { all: true } : contentScope, contentScope, facts, grants };
}

/** The queue scope of an actor (coordinators: every case; others: need-to-know plus grants). */
export async function queueScope(db: Db, actor: Actor): Promise<QueueScope> {
  return (await scopeContext(db, actor)).scope;
}

// ---------------------------------------------------------------------------------------------
// Creation (intake and the CLI call this)

async function recordEvent(
  trx: Db,
  key: DataKey,
  caseId: string,
  kind: 'created' | 'status' | 'assign' | 'person' | 'intake',
  actorId: string | null,
  detail: Record<string, string | null> | null,
): Promise<void> {
  const id = randomUUID();
  await insertCaseEvent(trx, {
    id,
    case_id: caseId,
    kind,
    actor_id: actorId,
    detail_enc:
      detail === null ? null : encryptField(key, JSON.stringify(detail), bind('case_events', 'detail', id)),
  });
}

/**
 * Creates a case with its own data key: person details, story and intake answers
 * encrypted, search index entries written, all in one transaction with the audit entry.
 * Intake calls this with `{ kind: 'applicant' }`.
 */
export async function createCase(
  ctx: AppContext,
  actor: Actor | { kind: 'applicant' },
  input: NewCaseInput | unknown,
  options: { trx?: Db } = {},
): Promise<{ id: string; ref: string }> {
  const parsed = newCaseSchema.safeParse(input);
  if (!parsed.success) throw validation(parsed.error);
  const keyring = ctx.vault.requireKeyring();
  const id = randomUUID();
  const ref = newCaseRef();
  const work = async (trx: Db) => {
    const key = await createSubjectKey(trx, ctx.vault, subjectOf(id));
    try {
      await insertCase(trx, {
        id,
        ref,
        urgency: parsed.data.urgency,
        applicant_type: parsed.data.applicantType,
        country: parsed.data.country ?? null,
        person_enc: encryptField(key, JSON.stringify(parsed.data.person), bind('cases', 'person', id)),
        story_enc: encryptField(key, parsed.data.story, bind('cases', 'story', id)),
        intake_enc: encryptField(key, JSON.stringify(parsed.data.answers), bind('cases', 'intake', id)),
      });
      await replacePersonIndex(trx, id, personIndexEntries(keyring, parsed.data.person));
      // Record linkage runs in the background; its job commits with the person (issue 6).
      await enqueuePersonLinkage(trx, id);
      await recordEvent(trx, key, id, 'created', actor.kind === 'staff' ? actor.id : null, null);
    } finally {
      key.dispose();
    }
    await recordAudit(trx, {
      actor: actor.kind === 'applicant' ? 'applicant' : actorLabel(actor),
      action: 'case.create',
      target: `case:${ref}`,
    });
  };
  if (options.trx !== undefined) await work(options.trx);
  else await ctx.database.db.transaction().execute(work);
  return { id, ref };
}

// ---------------------------------------------------------------------------------------------
// Queue and due-soon

export interface QueueItem {
  id: string;
  ref: string;
  status: CaseStatus;
  urgency: number;
  applicantType: string;
  country: string | null;
  createdOn: string;
  lastActivityOn: string;
  waitingForUs: boolean;
  waitingSince: string;
  nextDueOn: string | null;
  overdue: boolean;
  teamName: string | null;
  assignee: string | null;
  /** False for coordinators' rows of cases whose content they may not read. */
  contentVisible: boolean;
}

export interface QueuePage {
  items: QueueItem[];
  page: number;
  hasNext: boolean;
  teams: Array<{ id: string; name: string }>;
}

/** @internal queue rows → items, for the queue and search. */
export async function presentQueueRows(
  ctx: AppContext,
  db: Db,
  actor: StaffActor,
  rows: QueueRow[],
  day: string,
  known?: { scope: ScopeContext; teams: Array<{ id: string; name: string }> },
): Promise<QueueItem[]> {
  const [sc, teamList, labels] = await Promise.all([
    known?.scope ?? scopeContext(db, actor),
    known?.teams ?? listTeams(db),
    getStaffEmailLabels(
      ctx,
      db,
      rows.map((r) => r.assignee_id),
    ),
  ]);
  const teams = new Map(teamList.map((t) => [t.id, t.name]));
  return rows.map((r) => ({
    id: r.id,
    ref: r.ref,
    status: isCaseStatus(r.status) ? r.status : 'new',
    urgency: r.urgency,
    applicantType: r.applicant_type,
    country: r.country,
    createdOn: r.created_on,
    lastActivityOn: r.last_activity_on,
    waitingForUs: r.waiting_for_us,
    waitingSince: r.waiting_since,
    nextDueOn: r.next_due_on,
    overdue: r.next_due_on !== null && r.next_due_on < day,
    teamName: r.team_id === null ? null : (teams.get(r.team_id) ?? null),
    assignee: r.assignee_id === null ? null : (labels.get(r.assignee_id) ?? null),
    contentVisible: canReadCaseContent(actor, caseFacts(r), { ...sc.facts, breakGlass: sc.grants.has(r.id) }),
  }));
}

/** The work queue: open cases the actor may see, overdue first, then urgency, then waiting time. */
export async function listQueue(ctx: AppContext, actor: Actor, query: QueueQuery): Promise<QueuePage> {
  requireAllowed(canUseQueue(actor), 'queue');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const [sc, teams] = await Promise.all([scopeContext(db, actor), listTeams(db)]);
  const day = today();
  const rows = await listQueuePage(
    db,
    sc.scope,
    {
      status: query.status,
      applicantType: query.type,
      country: query.country,
      assigneeId: query.assignee === 'me' ? staff.id : query.assignee === 'none' ? null : query.assignee,
      teamId: query.team,
      waitingForUs: query.waiting === '1' ? true : undefined,
    },
    day,
    (query.page - 1) * PAGE_SIZE,
    PAGE_SIZE,
  );
  const hasNext = rows.length > PAGE_SIZE;
  const items = await presentQueueRows(ctx, db, staff, rows.slice(0, PAGE_SIZE), day, { scope: sc, teams });
  return { items, page: query.page, hasNext, teams: teams.map((t) => ({ id: t.id, name: t.name })) };
}

export interface DueTask {
  id: string;
  ref: string;
  kind: string;
  title: string;
  dueOn: string;
  overdue: boolean;
  assignee: string | null;
}

/**
 * Open tasks due within `days` on cases whose content the actor may read. Titles are
 * decrypted per case; a coordinator's metadata-only view shows no title.
 */
export async function listDueSoon(ctx: AppContext, actor: Actor, days = 7): Promise<DueTask[]> {
  requireAllowed(canUseQueue(actor), 'due soon');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const day = today();
  const rows = await listDueTasks(db, await queueScope(db, actor), addDays(day, days));
  const facts = await actorFacts(db, actor);
  const grants = new Set(await listActiveGrantCaseIds(db, staff.id, new Date()));
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    rows.map((r) => r.assignee_id),
  );
  const out: DueTask[] = [];
  for (const r of rows) {
    const readable = canReadCaseContent(
      staff,
      { teamId: r.team_id, assigneeId: r.case_assignee_id },
      { ...facts, breakGlass: grants.has(r.case_id) },
    );
    const title = readable
      ? await withCaseKey(ctx, db, r.case_id, async (key) =>
          decryptText(key, r.title_enc, 'case_tasks', 'title', r.id),
        )
      : '';
    out.push({
      id: r.id,
      ref: r.ref,
      kind: r.kind,
      title,
      dueOn: r.due_on,
      overdue: r.due_on < day,
      assignee: r.assignee_id === null ? null : (labels.get(r.assignee_id) ?? null),
    });
  }
  if (out.length > 0) {
    await recordAudit(db, {
      actor: staff.id,
      action: 'case.due_list',
      target: null,
      reason: `${out.length} tasks`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The case file

export type TimelineItem =
  | { kind: 'message'; seq: number; direction: 'in' | 'out'; on: string; by: string | null; body: string }
  | { kind: 'note'; seq: number; at: Date; by: string | null; body: string }
  | { kind: 'task'; seq: number; at: Date; by: string | null; task: TaskView }
  | { kind: 'pathways'; seq: number; at: Date; by: string | null; caseRef: string; check: PathwayCheckView }
  | { kind: 'document'; seq: number; on: string; by: string | null; document: DocumentView }
  | {
      kind: 'event';
      seq: number;
      at: Date;
      by: string | null;
      event: 'created' | 'status' | 'assign' | 'person' | 'intake';
      detail: Record<string, string | null>;
    };

export interface TaskView {
  id: string;
  kind: string;
  title: string;
  dueOn: string;
  done: boolean;
  overdue: boolean;
  assignee: string | null;
}

/** A file on the case: uploaded by the applicant (`byStaff` false) or added by staff. */
export interface DocumentView {
  id: string;
  name: string;
  type: 'image/jpeg' | 'image/png' | 'application/pdf';
  size: number;
  /** Day only (the applicant's uploads carry no finer time). */
  on: string;
  byStaff: boolean;
  /** The staff member who added it (their label), when `byStaff`. */
  uploadedBy: string | null;
  hasOriginal: boolean;
}

export interface CaseFile {
  id: string;
  ref: string;
  version: number;
  status: CaseStatus;
  urgency: number;
  applicantType: string;
  country: string | null;
  createdOn: string;
  lastActivityOn: string;
  waitingForUs: boolean;
  closingReason: ClosingReason | null;
  team: { id: string; name: string } | null;
  assignee: { id: string; label: string } | null;
  access: 'content' | 'metadata';
  viaBreakGlass: boolean;
  canWrite: boolean;
  canAssignOthers: boolean;
  canBreakGlass: boolean;
  canSeeAccessLog: boolean;
  allowedTransitions: CaseStatus[];
  pendingApproval: { id: string; requestedBy: string | null } | null;
  /** Present with content access only. */
  content: {
    person: PersonDetails;
    story: string;
    answers: IntakeAnswers;
    timeline: TimelineItem[];
    tasks: TaskView[];
    documents: DocumentView[];
  } | null;
}

async function loadContent(ctx: AppContext, db: Db, row: CaseRow): Promise<NonNullable<CaseFile['content']>> {
  const [notes, messages, tasks, events, documents] = await Promise.all([
    listCaseNotes(db, row.id),
    listCaseMessages(db, row.id),
    listCaseTasks(db, row.id),
    listCaseEvents(db, row.id),
    listCaseDocuments(db, row.id),
  ]);
  const labels = await getStaffEmailLabels(ctx, db, [
    ...notes.map((n) => n.author_id),
    ...messages.map((m) => m.author_id),
    ...tasks.flatMap((t) => [t.created_by, t.assignee_id]),
    ...events.map((e) => e.actor_id),
    ...documents.map((d) => d.uploaded_by),
  ]);
  const label = (id: string | null) => (id === null ? null : (labels.get(id) ?? null));
  const day = today();
  return withCaseKey(ctx, db, row.id, async (key) => {
    const taskViews = tasks.map((t) => ({
      view: {
        id: t.id,
        kind: t.kind,
        title: decryptText(key, t.title_enc, 'case_tasks', 'title', t.id),
        dueOn: t.due_on,
        done: t.done_at !== null,
        overdue: t.done_at === null && t.due_on < day,
        assignee: label(t.assignee_id),
      } satisfies TaskView,
      row: t,
    }));
    const documentViews = documents.map((d) => ({
      view: {
        id: d.id,
        // Same binding as the intake module, which wrote it.
        name: decryptText(key, d.name_enc, 'intake_attachments', 'name', d.id),
        type: d.media_type,
        size: d.size_bytes,
        on: d.created_on,
        byStaff: d.uploaded_by !== null,
        uploadedBy: label(d.uploaded_by),
        hasOriginal: d.original_blob_id !== null,
      } satisfies DocumentView,
      row: d,
    }));
    const timeline: TimelineItem[] = [
      ...messages.map(
        (m): TimelineItem => ({
          kind: 'message',
          seq: m.seq,
          direction: m.direction,
          on: m.created_on,
          by: label(m.author_id),
          body: decryptText(key, m.body_enc, 'case_messages', 'body', m.id),
        }),
      ),
      ...notes.map(
        (n): TimelineItem => ({
          kind: 'note',
          seq: n.seq,
          at: n.created_at,
          by: label(n.author_id),
          body: decryptText(key, n.body_enc, 'case_notes', 'body', n.id),
        }),
      ),
      ...taskViews.map(
        ({ view, row: t }): TimelineItem => ({
          kind: 'task',
          seq: t.seq,
          at: t.created_at,
          by: label(t.created_by),
          task: view,
        }),
      ),
      ...documentViews.map(
        ({ view, row: d }): TimelineItem => ({
          kind: 'document',
          seq: Number(d.seq),
          on: d.created_on,
          by: label(d.uploaded_by),
          document: view,
        }),
      ),
      ...events.map(
        (e): TimelineItem => ({
          kind: 'event',
          seq: e.seq,
          at: e.at,
          by: label(e.actor_id),
          event: e.kind,
          detail: decryptJson(key, e.detail_enc, 'case_events', 'detail', e.id, {}),
        }),
      ),
    ].sort((a, b) => a.seq - b.seq);
    return {
      person: personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {})),
      story: decryptText(key, row.story_enc, 'cases', 'story', row.id),
      answers: intakeAnswersSchema.parse(decryptJson(key, row.intake_enc, 'cases', 'intake', row.id, {})),
      timeline,
      tasks: taskViews.map((t) => t.view),
      documents: documentViews.map((d) => d.view),
    };
  });
}

/**
 * The case file. Content (person, story, timeline) only with need-to-know or break-glass;
 * coordinators otherwise get the metadata they need to assign. Every content read is
 * audited, marked "break-glass" when that is how it was opened.
 */
export async function getCaseFile(ctx: AppContext, actor: Actor, ref: unknown): Promise<CaseFile> {
  const db = ctx.database.db;
  const auth = await authoriseCase(db, actor, ref, 'metadata');
  const staff = staffOnly(actor);
  const { row, facts } = auth;
  const c = caseFacts(row);
  const content = auth.access === 'content' ? await loadContent(ctx, db, row) : null;
  // Saved pathway checks (case-pathways.*) join the timeline in sequence order.
  if (content !== null) await addPathwayChecksToTimeline(ctx, db, row, content.timeline);
  const team = row.team_id === null ? undefined : await findTeamById(db, row.team_id);
  const labels = await getStaffEmailLabels(ctx, db, [row.assignee_id]);
  const pending = await findPendingApprovalForCase(db, row.id);
  const status = isCaseStatus(row.status) ? row.status : 'new';
  if (content !== null) {
    await recordAudit(db, {
      actor: staff.id,
      action: 'case.read',
      target: `case:${row.ref}`,
      reason: auth.viaBreakGlass ? 'break-glass' : null,
    });
  }
  const canWrite = canWriteCase(actor, c, facts);
  return {
    id: row.id,
    ref: row.ref,
    version: row.version,
    status,
    urgency: row.urgency,
    applicantType: row.applicant_type,
    country: row.country,
    createdOn: row.created_on,
    lastActivityOn: row.last_activity_on,
    waitingForUs: row.waiting_for_us,
    closingReason: row.closing_reason,
    team: team === undefined ? null : { id: team.id, name: team.name },
    assignee:
      row.assignee_id === null ? null : { id: row.assignee_id, label: labels.get(row.assignee_id) ?? '?' },
    access: auth.access === 'content' ? 'content' : 'metadata',
    viaBreakGlass: auth.viaBreakGlass,
    canWrite,
    canAssignOthers: canAssignCase(actor, c, facts, {
      teamId: null,
      assigneeId: '00000000-0000-4000-8000-000000000000',
    }),
    canBreakGlass: auth.access !== 'content' && canBreakGlass(actor, c, facts),
    canSeeAccessLog: canSeeAccessLog(actor, c, facts),
    allowedTransitions: canWrite && pending === undefined ? [...TRANSITIONS[status]] : [],
    pendingApproval:
      pending === undefined
        ? null
        : {
            id: pending.id,
            requestedBy:
              (await getStaffEmailLabels(ctx, db, [pending.requested_by])).get(pending.requested_by) ?? null,
          },
    content,
  };
}

/** @internal decrypts a case's person details (exports, vetting). */
export async function readPerson(ctx: AppContext, db: Db, row: CaseRow): Promise<PersonDetails> {
  return withCaseKey(ctx, db, row.id, async (key) => decryptPerson(key, row));
}

/** @internal decrypts a case's person details with its already opened data key (search verification). */
export function decryptPerson(key: DataKey, row: Pick<CaseRow, 'id' | 'person_enc'>): PersonDetails {
  return personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {}));
}

// ---------------------------------------------------------------------------------------------
// Edits with optimistic concurrency

function conflict(): AppError {
  return new AppError('conflict', 'stale version');
}

/** What an action's own step receives: the case as loaded (and locked, if versioned), the form, the member. */
interface CaseStep<F> {
  trx: Db;
  row: CaseRow;
  auth: AuthorisedCase;
  staff: StaffActor;
  form: F;
  /** Runs `work` with the case's data key, disposed afterwards. */
  withKey<T>(work: (key: DataKey) => Promise<T>): Promise<T>;
}

type Parsed<F> =
  | { success: true; data: F }
  | {
      success: false;
      error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
    };

/** What differs between the staff actions on one case; `actOnCase` does the rest. */
interface CaseActionSpec<F, R> {
  /** Parses the input; a failure answers 400, but only after the access check (others get 404). */
  parse(input: unknown): Parsed<F>;
  /** Access to load the case with: 'write' (the default) or 'metadata'. */
  need?: 'write' | 'metadata';
  /** A further access check before the input is looked at (404 when false). */
  allowed?(auth: AuthorisedCase): boolean;
  /** A check that needs the form, before the version (throws, e.g. 404 for a refused target). */
  decide?(auth: AuthorisedCase, form: F): void;
  /** Versioned edits: the row is locked and must still have this version (409 otherwise). */
  version?(form: F): number;
  /** The action itself. */
  step(s: CaseStep<F>): Promise<R>;
  /** The audit entry, on the case; omitted when the step audits itself. */
  audit?(form: F, result: R): { action: string; reason?: string | null };
}

/**
 * The shape every staff action on one case shares, in one transaction: load the case with
 * the access check (404 for a case the actor may not see, exactly like a missing one), then
 * the input (400), then the version (409: no silent overwrite, ADR 0051), then the action's
 * own step, then its audit entry. A refusal at any point leaves nothing written.
 */
async function actOnCase<F, R>(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
  spec: CaseActionSpec<F, R>,
): Promise<R> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const auth = await authoriseCase(trx, actor, ref, spec.need ?? 'write', {
      forUpdate: spec.version !== undefined,
    });
    requireAllowed(spec.allowed?.(auth) ?? true, 'case action');
    const parsed = spec.parse(input);
    if (!parsed.success) throw validation(parsed.error);
    const form = parsed.data;
    spec.decide?.(auth, form);
    if (spec.version !== undefined && auth.row.version !== spec.version(form)) throw conflict();
    const staff = staffOnly(actor);
    const result = await spec.step({
      trx,
      row: auth.row,
      auth,
      staff,
      form,
      withKey: (work) => withCaseKey(ctx, trx, auth.row.id, work),
    });
    const entry = spec.audit?.(form, result);
    if (entry !== undefined) {
      await recordAudit(trx, {
        actor: actorLabel(actor),
        action: entry.action,
        target: `case:${auth.row.ref}`,
        reason: entry.reason ?? null,
      });
    }
    return result;
  });
}

/**
 * Records a four-eyes request on the case at its current version (ADR 0056), the details
 * sealed with the case's data key. Returns the request's id.
 */
async function requestCaseApproval(
  s: Pick<CaseStep<unknown>, 'trx' | 'row' | 'staff' | 'withKey'>,
  kind: 'close_not_genuine' | 'self_assign',
  payload: Record<string, string | null>,
): Promise<string> {
  const id = randomUUID();
  await s.withKey((key) =>
    insertApproval(s.trx, {
      id,
      kind,
      case_id: s.row.id,
      requested_by: s.staff.id,
      expected_version: s.row.version,
      payload_enc: encryptField(key, JSON.stringify(payload), bind('case_approvals', 'payload', id)),
    }),
  );
  return id;
}

/** A versioned write of the case row and its timeline event; 409 if the case changed meanwhile. */
async function updateVersioned(
  s: CaseStep<{ version: number }>,
  key: DataKey,
  values: Parameters<typeof updateCaseIfVersion>[3],
  event: 'status' | 'assign' | 'person' | 'intake',
  detail: Record<string, string | null> | null = null,
): Promise<void> {
  if (!(await updateCaseIfVersion(s.trx, s.row.id, s.form.version, values))) throw conflict();
  await recordEvent(s.trx, key, s.row.id, event, s.staff.id, detail);
}

/** Person details, type, country and urgency. A stale `version` answers 409; nothing is written. */
export async function updatePerson(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, input, {
    parse: (i) => personFormSchema.safeParse(i),
    version: (f) => f.version,
    step: (s) =>
      s.withKey(async (key) => {
        const { trx, row, form } = s;
        await updateVersioned(
          s,
          key,
          {
            person_enc: encryptField(key, JSON.stringify(form.person), bind('cases', 'person', row.id)),
            country: form.country,
            applicant_type: form.applicantType,
            urgency: form.urgency,
          },
          'person',
        );
        await replacePersonIndex(trx, row.id, personIndexEntries(ctx.vault.requireKeyring(), form.person));
        await enqueuePersonLinkage(trx, row.id);
      }),
    audit: () => ({ action: 'case.person_update' }),
  });
}

function parseIntakeForm(input: unknown): Parsed<{ version: number; answers: IntakeAnswers }> {
  const form = intakeFormSchema.safeParse(input);
  if (!form.success) return form;
  const answers = intakeAnswersSchema.safeParse(parseAnswers(form.data.answers));
  return answers.success
    ? { success: true, data: { version: form.data.version, answers: answers.data } }
    : answers;
}

/** The answers from intake, edited as a whole ("question: answer" lines). */
export async function updateIntakeAnswers(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, input, {
    parse: parseIntakeForm,
    version: (f) => f.version,
    step: (s) =>
      s.withKey((key) =>
        updateVersioned(
          s,
          key,
          {
            intake_enc: encryptField(key, JSON.stringify(s.form.answers), bind('cases', 'intake', s.row.id)),
          },
          'intake',
        ),
      ),
    audit: () => ({ action: 'case.intake_update' }),
  });
}

async function fourEyesNotGenuine(db: Db): Promise<boolean> {
  return (await getSetting(db, SETTING_FOUR_EYES)) !== 'off';
}

/**
 * A status change through the state machine. Closing needs a closing reason, reopening a
 * reason. Closing as "not genuine" with four-eyes on creates a pending approval instead;
 * a second person applies it (see case-access.service.ts `decideApproval`).
 */
export async function changeStatus(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ applied: boolean; approvalId?: string }> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => transitionFormSchema.safeParse(i),
    version: (f) => f.version,
    // Both outcomes audit themselves: applyTransition is shared with the four-eyes approval.
    step: async ({ trx, row, staff, form, withKey }) => {
      if ((await findPendingApprovalForCase(trx, row.id)) !== undefined) throw conflict();
      const from = isCaseStatus(row.status) ? row.status : 'new';
      const decision = decideTransition({
        from,
        to: form.to,
        closingReason: form.closingReason,
        reason: form.reason,
        fourEyesNotGenuine: await fourEyesNotGenuine(trx),
      });
      if (!decision.ok) {
        throw new AppError('validation_failed', `transition ${from} -> ${form.to}: ${decision.problem}`, {
          fields: { to: `cases.problem.${decision.problem}` },
        });
      }
      if (!decision.needsApproval) {
        await applyTransition(ctx, trx, row, staff.id, form.to, form.closingReason ?? null, form.reason);
        return { applied: true };
      }
      const id = await requestCaseApproval({ trx, row, staff, withKey }, 'close_not_genuine', {
        reason: form.reason,
      });
      await recordAudit(trx, {
        actor: staff.id,
        action: 'case.approval_request',
        target: `case:${row.ref}`,
        reason: 'close as not genuine',
      });
      return { applied: false, approvalId: id };
    },
  });
}

/** @internal applies a decided transition (also used when a four-eyes approval is granted). */
export async function applyTransition(
  ctx: AppContext,
  trx: Db,
  row: CaseRow,
  actorId: string,
  to: CaseStatus,
  closingReason: ClosingReason | null,
  reason: string,
): Promise<void> {
  const ok = await updateCaseIfVersion(trx, row.id, row.version, {
    status: to,
    closing_reason: to === 'closed' ? closingReason : null,
    ...(to === 'waiting_applicant' || to === 'closed' ? { waiting_for_us: false } : {}),
  });
  if (!ok) throw conflict();
  await withCaseKey(ctx, trx, row.id, (key) =>
    recordEvent(trx, key, row.id, 'status', actorId, {
      from: row.status,
      to,
      closingReason,
      reason: reason === '' ? null : reason,
    }),
  );
  await recordAudit(trx, {
    actor: actorId,
    action: to === 'closed' ? 'case.close' : row.status === 'closed' ? 'case.reopen' : 'case.status',
    target: `case:${row.ref}`,
    reason: `${row.status} -> ${to}${closingReason === null ? '' : ` (${closingReason})`}`,
  });
}

/**
 * Assigns a case to a team and/or a person. Coordinators assign freely; others may take a
 * case themselves or move it to one of their teams. The assignee must be active staff and,
 * when a team is named, a member of it.
 *
 * An assignment that would open the case's content to the actor (`isSelfAssignment`) applies
 * at once only under an active break-glass grant, audited as `case.self_assign`; otherwise it
 * becomes a four-eyes request (`case.self_assign_request`) that another coordinator or admin
 * decides, and nothing changes until then (ADR 0094).
 */
export async function assignCase(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ applied: boolean; approvalId?: string }> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => assignFormSchema.safeParse(i),
    // Coordinators assign cases whose content they may not read.
    need: 'metadata',
    allowed: ({ row, facts }) => canWriteCase(actor, caseFacts(row), facts) || canSeeAllQueueRows(actor),
    decide: ({ row, facts }, form) =>
      requireAllowed(
        canAssignCase(actor, caseFacts(row), facts, { teamId: form.teamId, assigneeId: form.assigneeId }),
        'assign',
      ),
    version: (f) => f.version,
    step: async (s) => {
      const { teamId, assigneeId } = s.form;
      if (teamId !== null && (await findTeamById(s.trx, teamId)) === undefined) {
        throw new AppError('validation_failed', 'no such team', { fields: { teamId: 'field.invalid' } });
      }
      if (assigneeId !== null) {
        const person = await findActiveStaff(s.trx, assigneeId);
        if (person === undefined || !['caseworker', 'lawyer', 'coordinator'].includes(person.role)) {
          throw new AppError('validation_failed', 'not assignable', {
            fields: { assigneeId: 'field.invalid' },
          });
        }
      }
      const self = isSelfAssignment(actor, caseFacts(s.row), s.auth.facts, { teamId, assigneeId });
      if (self && !s.auth.facts.breakGlass) {
        if ((await findPendingApprovalForCase(s.trx, s.row.id, 'self_assign')) !== undefined)
          throw conflict();
        const id = await requestCaseApproval(s, 'self_assign', { teamId, assigneeId });
        return { applied: false, approvalId: id, self };
      }
      await s.withKey((key) =>
        applyAssignment(s.trx, key, s.row, s.staff.id, s.form.version, { teamId, assigneeId }),
      );
      return { applied: true, self };
    },
    audit: (f, result) => ({
      action: !result.self ? 'case.assign' : result.applied ? 'case.self_assign' : 'case.self_assign_request',
      reason: `team ${f.teamId ?? '-'}, staff ${f.assigneeId ?? '-'}${result.self && result.applied ? ', break-glass' : ''}`,
    }),
  }).then(({ self: _self, ...result }) => result);
}

/** The assignment itself: a versioned write of team and assignee with its timeline event. */
async function applyAssignment(
  trx: Db,
  key: DataKey,
  row: CaseRow,
  actorId: string,
  version: number,
  target: { teamId: string | null; assigneeId: string | null },
): Promise<void> {
  if (
    !(await updateCaseIfVersion(trx, row.id, version, {
      team_id: target.teamId,
      assignee_id: target.assigneeId,
    }))
  ) {
    throw conflict();
  }
  await recordEvent(trx, key, row.id, 'assign', actorId, { ...target });
}

/**
 * @internal applies an approved self-assignment (case-access.service.ts `decideApproval`),
 * if the case has not changed since the request (409 otherwise). The assignment is the
 * requester's, audited as theirs; the approval is audited by its caller.
 */
export async function applyApprovedSelfAssignment(
  ctx: AppContext,
  trx: Db,
  row: CaseRow,
  approval: {
    id: string;
    requested_by: string;
    expected_version: number | null;
    payload_enc: Uint8Array | null;
  },
): Promise<void> {
  if (approval.expected_version === null || row.version !== approval.expected_version) throw conflict();
  const target = await withCaseKey(ctx, trx, row.id, async (key) => {
    const t = decryptJson<{ teamId: string | null; assigneeId: string | null }>(
      key,
      approval.payload_enc,
      'case_approvals',
      'payload',
      approval.id,
      { teamId: null, assigneeId: null },
    );
    await applyAssignment(trx, key, row, approval.requested_by, row.version, t);
    return t;
  });
  await recordAudit(trx, {
    actor: approval.requested_by,
    action: 'case.self_assign',
    target: `case:${row.ref}`,
    reason: `team ${target.teamId ?? '-'}, staff ${target.assigneeId ?? '-'}, approved ${approval.id}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Notes, replies and applicant messages

/** An internal note: never visible to the applicant. */
export async function addNote(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => noteFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      const id = randomUUID();
      await withKey((key) =>
        insertCaseNote(trx, {
          id,
          case_id: row.id,
          author_id: staff.id,
          body_enc: encryptField(key, form.body, bind('case_notes', 'body', id)),
        }),
      );
      await touchCase(trx, row.id);
      return id;
    },
    audit: () => ({ action: 'case.note_add' }),
  });
}

/**
 * A staff reply to the applicant: stored in case_messages (direction "out"), where the
 * applicant's inbox reads it through `listApplicantVisibleMessages`.
 */
export async function addReply(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => replyFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      const id = randomUUID();
      await withKey((key) =>
        insertCaseMessage(trx, {
          id,
          case_id: row.id,
          direction: 'out',
          author_id: staff.id,
          body_enc: encryptField(key, form.body, bind('case_messages', 'body', id)),
        }),
      );
      await touchCase(trx, row.id, { waiting_for_us: false, waiting_since: today() });
      return id;
    },
    audit: () => ({ action: 'case.reply' }),
  });
}

const MAX_MESSAGE = 20_000;

/**
 * For intake: stores a message the applicant wrote (direction "in") and puts the case back
 * into "waiting for us". The caller has already authenticated the applicant by codename;
 * this function trusts `caseId`. Pass `trx` to join the caller's transaction.
 */
export async function addApplicantMessage(
  ctx: AppContext,
  caseId: string,
  body: string,
  options: { trx?: Db } = {},
): Promise<{ id: string; createdOn: string }> {
  if (!uuidSchema.safeParse(caseId).success) throw new AppError('not_found', 'malformed case id');
  if (typeof body !== 'string' || body.trim().length === 0 || body.length > MAX_MESSAGE) {
    throw new AppError('validation_failed', 'message length', { fields: { body: 'field.invalid' } });
  }
  const id = randomUUID();
  const work = async (trx: Db) => {
    const row = await findCaseById(trx, caseId);
    if (row === undefined) throw new AppError('not_found', 'no such case');
    await withCaseKey(ctx, trx, row.id, async (key) => {
      await insertCaseMessage(trx, {
        id,
        case_id: row.id,
        direction: 'in',
        author_id: null,
        body_enc: encryptField(key, body, bind('case_messages', 'body', id)),
      });
    });
    await touchCase(trx, row.id, row.waiting_for_us ? {} : { waiting_for_us: true, waiting_since: today() });
    await recordAudit(trx, { actor: 'applicant', action: 'case.message_in', target: `case:${row.ref}` });
  };
  if (options.trx !== undefined) await work(options.trx);
  else await ctx.database.db.transaction().execute(work);
  return { id, createdOn: today() };
}

export interface ApplicantMessage {
  id: string;
  direction: 'in' | 'out';
  body: string;
  /** Day only (YYYY-MM-DD). */
  createdOn: string;
}

/**
 * For intake: the applicant's conversation (their messages and staff replies, oldest
 * first), never internal notes, tasks or staff identities. The caller has authenticated
 * the applicant by codename for this `caseId`.
 */
export async function listApplicantVisibleMessages(
  ctx: AppContext,
  caseId: string,
): Promise<ApplicantMessage[]> {
  if (!uuidSchema.safeParse(caseId).success) throw new AppError('not_found', 'malformed case id');
  const db = ctx.database.db;
  const row = await findCaseById(db, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  const messages = await listCaseMessages(db, row.id);
  if (messages.length === 0) return [];
  return withCaseKey(ctx, db, row.id, async (key) =>
    messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      body: decryptText(key, m.body_enc, 'case_messages', 'body', m.id),
      createdOn: m.created_on,
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// Tasks

export async function addTask(ctx: AppContext, actor: Actor, ref: unknown, input: unknown): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => taskFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) => {
      if (form.assigneeId !== null && (await findActiveStaff(trx, form.assigneeId)) === undefined) {
        throw new AppError('validation_failed', 'no such staff', { fields: { assigneeId: 'field.invalid' } });
      }
      const id = randomUUID();
      await withKey((key) =>
        insertCaseTask(trx, {
          id,
          case_id: row.id,
          kind: form.kind,
          title_enc: encryptField(key, form.title, bind('case_tasks', 'title', id)),
          due_on: form.dueOn,
          assignee_id: form.assigneeId,
          created_by: staff.id,
        }),
      );
      await refreshNextDue(trx, row.id);
      await touchCase(trx, row.id);
      return id;
    },
    audit: (f) => ({ action: 'case.task_add', reason: f.kind }),
  });
}

export async function completeTask(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  taskId: unknown,
): Promise<void> {
  await actOnCase(ctx, actor, ref, taskId, {
    // A malformed or foreign task id is "not found", like a missing one: no 400 here.
    parse: (i) => ({ success: true, data: i }),
    step: async ({ trx, row, staff, form }) => {
      const id = uuidSchema.safeParse(form);
      if (!id.success) throw new AppError('not_found', 'malformed task id');
      const task = await findCaseTask(trx, row.id, id.data);
      if (task === undefined) throw new AppError('not_found', 'no such task');
      if (!(await markTaskDone(trx, task.id, staff.id))) throw conflict();
      await refreshNextDue(trx, row.id);
      await touchCase(trx, row.id);
    },
    audit: () => ({ action: 'case.task_done' }),
  });
}

export { fourEyesNotGenuine };

/**
 * The trusted local reader (CLI through the admin channel, and key-rotation checks): person,
 * story and notes of a case by id, audited. Staff go through `getCaseFile`, which applies
 * need-to-know; a staff actor here is refused unless the same rules allow content.
 */
export async function readCase(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
): Promise<{
  id: string;
  ref: string;
  person: PersonDetails;
  story: string;
  notes: Array<{ id: string; body: string }>;
}> {
  const db = ctx.database.db;
  ctx.vault.requireKeyring();
  if (!uuidSchema.safeParse(caseId).success) throw new AppError('not_found', 'malformed case id');
  const row = await findCaseById(db, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  if (actor.kind === 'staff') await authoriseCase(db, actor, row.ref, 'content');
  const notes = await listCaseNotes(db, row.id);
  const out = await withCaseKey(ctx, db, row.id, async (key) => ({
    id: row.id,
    ref: row.ref,
    person: personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {})),
    story: decryptText(key, row.story_enc, 'cases', 'story', row.id),
    notes: notes.map((n) => ({ id: n.id, body: decryptText(key, n.body_enc, 'case_notes', 'body', n.id) })),
  }));
  await recordAudit(db, { actor: actorLabel(actor), action: 'case.read', target: `case:${row.ref}` });
  return out;
}

import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { DataKey } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { CaseRow, ClosingReason } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels, listAssignableStaff } from '../auth/index.ts';
import {
  type AccessLogEntry,
  authoriseCase,
  canAssignCase,
  canBreakGlass,
  canSeeAccessLog,
  canWriteCase,
  caseFacts,
  findActiveGrantExpiry,
  findCaseById,
  findPendingApprovalForCase,
  findTeamById,
  labelAccessEntries,
  listCaseAccessEntries,
  listTeams,
  staffOnly,
  uuidSchema,
} from '../case-access/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { findDraftRow, openDraft } from './case-drafts.service.ts';
import { pdfQuotaReached } from './case-export.service.ts';
import { type ExtensionTimelineItem, type TimelineSource, timelineSources } from './case-extensions.ts';
import { decryptJson, decryptText, subjectOf, today } from './case-helpers.ts';
import { type CaseStatus, isCaseStatus, TRANSITIONS } from './case-workflow.ts';
import {
  listCaseDocuments,
  listCaseEvents,
  listCaseMessages,
  listCaseNotes,
  listCaseTasks,
} from './cases.repository.ts';
import {
  type IntakeAnswers,
  intakeAnswersSchema,
  type PersonDetails,
  personSchema,
} from './cases.schemas.ts';

/** Reading the case file: its content, timeline, tasks and documents. */

export type TimelineItem =
  | { kind: 'message'; seq: number; direction: 'in' | 'out'; on: string; by: string | null; body: string }
  | { kind: 'note'; seq: number; at: Date; by: string | null; body: string }
  | { kind: 'task'; seq: number; at: Date; by: string | null; task: TaskView }
  | ExtensionTimelineItem
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
  /** Opened through a contact code: seen only by its restricted team (ADR 0158). */
  restricted: boolean;
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
    /** The reader's own reply draft on this case (ADR 0181), '' when there is none. */
    replyDraft: string;
  } | null;
}

/** The rows behind a case file's content, read before its key is opened. */
interface ContentRows {
  notes: Awaited<ReturnType<typeof listCaseNotes>>;
  messages: Awaited<ReturnType<typeof listCaseMessages>>;
  tasks: Awaited<ReturnType<typeof listCaseTasks>>;
  events: Awaited<ReturnType<typeof listCaseEvents>>;
  documents: Awaited<ReturnType<typeof listCaseDocuments>>;
  /** Rows of the registered timeline sources (case pathways' saved checks). */
  extensions: Array<{ source: TimelineSource; rows: unknown[] }>;
  /** The reader's encrypted reply draft. */
  draft: Awaited<ReturnType<typeof findDraftRow>>;
  staffId: string;
}

async function readContentRows(db: Db, caseId: string, staffId: string): Promise<ContentRows> {
  const [notes, messages, tasks, events, documents, extensions, draft] = await Promise.all([
    listCaseNotes(db, caseId),
    listCaseMessages(db, caseId),
    listCaseTasks(db, caseId),
    listCaseEvents(db, caseId),
    listCaseDocuments(db, caseId),
    Promise.all(timelineSources().map(async (source) => ({ source, rows: await source.load(db, caseId) }))),
    findDraftRow(db, caseId, staffId),
  ]);
  return { notes, messages, tasks, events, documents, extensions, draft, staffId };
}

/** Every staff id the content names (authors, assignees, uploaders), for the one label lookup. */
function contentStaffIds(r: ContentRows): Array<string | null> {
  return [
    ...r.notes.map((n) => n.author_id),
    ...r.messages.map((m) => m.author_id),
    ...r.tasks.flatMap((t) => [t.created_by, t.assignee_id]),
    ...r.events.map((e) => e.actor_id),
    ...r.documents.map((d) => d.uploaded_by),
    ...r.extensions.flatMap((e) => e.source.staffIds(e.rows)),
  ];
}

/** Decrypts and shapes the content with the case key the caller holds open. */
function buildContent(
  key: DataKey,
  row: CaseRow,
  r: ContentRows,
  labels: ReadonlyMap<string, string>,
): NonNullable<CaseFile['content']> {
  const { notes, messages, tasks, events, documents } = r;
  const label = (id: string | null) => (id === null ? null : (labels.get(id) ?? null));
  const day = today();
  {
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
      // Saved pathway checks (and any other registered source) join in sequence order.
      ...r.extensions.flatMap((e) => e.source.items(key, e.rows, label, row.ref)),
    ].sort((a, b) => a.seq - b.seq);
    return {
      person: personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {})),
      story: decryptText(key, row.story_enc, 'cases', 'story', row.id),
      answers: intakeAnswersSchema.parse(decryptJson(key, row.intake_enc, 'cases', 'intake', row.id, {})),
      timeline,
      tasks: taskViews.map((t) => t.view),
      documents: documentViews.map((d) => d.view),
      replyDraft: openDraft(key, r.draft, row.id, r.staffId),
    };
  }
}

/** Everything the case page shows, from one service call (see getCasePage). */
export interface CasePage {
  file: CaseFile;
  /** Choices of the assignment form. */
  teams: Array<{ id: string; name: string }>;
  staff: Array<{ id: string; label: string }>;
  /** The latest entries of the case's access log, when the actor may see it. */
  accessLog: AccessLogEntry[] | null;
  pdfQuotaReached: boolean;
  /** The end of the actor's break-glass grant, when that is how the content is open. */
  breakGlassUntil: Date | null;
}

/**
 * The case page. Content (person, story, timeline) only with need-to-know or break-glass;
 * coordinators otherwise get the metadata they need to assign. Every content read is
 * audited, marked "break-glass" when that is how it was opened.
 *
 * One request opens the case key once and looks staff labels up once: the rows are read
 * first; then, with the key open, the read is audited, the access log (which then shows
 * this read) is read, every label the page names is looked up in one call, and the content
 * is decrypted.
 */
export async function getCasePage(ctx: AppContext, actor: Actor, ref: unknown): Promise<CasePage> {
  const db = ctx.database.db;
  const auth = await authoriseCase(db, actor, ref, 'metadata');
  const staff = staffOnly(actor);
  const { row, facts } = auth;
  const c = caseFacts(row);
  const hasContent = auth.access === 'content';
  const seesLog = canSeeAccessLog(actor, c, facts);
  const [rows, team, pending, teams, assignable, quotaReached, breakGlassUntil] = await Promise.all([
    hasContent ? readContentRows(db, row.id, staff.id) : undefined,
    row.team_id === null ? undefined : findTeamById(db, row.team_id),
    findPendingApprovalForCase(db, row.id),
    listTeams(db, facts.teamIds),
    listAssignableStaff(db),
    hasContent ? pdfQuotaReached(ctx, actor) : false,
    auth.viaBreakGlass ? findActiveGrantExpiry(db, staff.id, row.id, new Date()) : null,
  ]);
  const finish = async (key: DataKey | undefined) => {
    if (rows !== undefined) {
      await recordAudit(db, {
        actor: staff.id,
        action: 'case.read',
        target: `case:${row.ref}`,
        reason: auth.viaBreakGlass ? 'break-glass' : null,
      });
    }
    const log = seesLog ? await listCaseAccessEntries(db, row.ref) : undefined;
    const labels = await getStaffEmailLabels(ctx, db, [
      row.assignee_id,
      pending?.requested_by ?? null,
      ...assignable.map((s) => s.id),
      ...(rows === undefined ? [] : contentStaffIds(rows)),
      ...(log?.staffIds ?? []),
    ]);
    const content = rows === undefined || key === undefined ? null : buildContent(key, row, rows, labels);
    return { labels, log, content };
  };
  const { labels, log, content } = hasContent
    ? await withSubjectKey(ctx, subjectOf(row.id), (key) => finish(key), db)
    : await finish(undefined);
  const status = isCaseStatus(row.status) ? row.status : 'new';
  const canWrite = canWriteCase(actor, c, facts);
  const file: CaseFile = {
    id: row.id,
    ref: row.ref,
    restricted: row.restricted,
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
    access: hasContent ? 'content' : 'metadata',
    viaBreakGlass: auth.viaBreakGlass,
    canWrite,
    canAssignOthers: canAssignCase(actor, c, facts, {
      teamId: null,
      assigneeId: '00000000-0000-4000-8000-000000000000',
    }),
    canBreakGlass: !hasContent && canBreakGlass(actor, c, facts),
    canSeeAccessLog: seesLog,
    allowedTransitions: canWrite && pending === undefined ? [...TRANSITIONS[status]] : [],
    pendingApproval:
      pending === undefined
        ? null
        : { id: pending.id, requestedBy: labels.get(pending.requested_by) ?? null },
    content,
  };
  return {
    file,
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    staff: assignable.map((s) => ({ id: s.id, label: labels.get(s.id) ?? '?' })),
    accessLog: log === undefined ? null : labelAccessEntries(log.entries, labels).slice(0, 20),
    pdfQuotaReached: content !== null && quotaReached,
    breakGlassUntil,
  };
}

/** The case file alone (the case page's, for callers that render no page: the benchmark, tests). */
export async function getCaseFile(ctx: AppContext, actor: Actor, ref: unknown): Promise<CaseFile> {
  return (await getCasePage(ctx, actor, ref)).file;
}

/**
 * A case's reference and decrypted person, by id, without an access check: for background
 * work that reads persons by design (record linkage, model estimates, vetting's comparison
 * view, which authorises its own staff first). Undefined when the case is gone.
 */
export async function findCasePerson(
  ctx: AppContext,
  db: Db,
  caseId: string,
): Promise<{ id: string; ref: string; person: PersonDetails } | undefined> {
  const row = await findCaseById(db, caseId);
  // The linkage (vetting's signals, tracing's proposals) never sees a restricted case: its
  // matches would show its reference to people outside its team (ADR 0158).
  if (row === undefined || row.restricted) return undefined;
  return { id: row.id, ref: row.ref, person: await readPerson(ctx, db, row) };
}

/** @internal decrypts a case's person details (exports, vetting). */
export async function readPerson(ctx: AppContext, db: Db, row: CaseRow): Promise<PersonDetails> {
  return withSubjectKey(ctx, subjectOf(row.id), async (key) => decryptPerson(key, row), db);
}

/** @internal decrypts a case's person details with its already opened data key (search verification). */
export function decryptPerson(key: DataKey, row: Pick<CaseRow, 'id' | 'person_enc'>): PersonDetails {
  return personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {}));
}

// ---------------------------------------------------------------------------------------------
// Edits with optimistic concurrency

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
  const out = await withSubjectKey(
    ctx,
    subjectOf(row.id),
    async (key) => ({
      id: row.id,
      ref: row.ref,
      person: personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {})),
      story: decryptText(key, row.story_enc, 'cases', 'story', row.id),
      notes: notes.map((n) => ({ id: n.id, body: decryptText(key, n.body_enc, 'case_notes', 'body', n.id) })),
    }),
    db,
  );
  await recordAudit(db, { actor: actorLabel(actor), action: 'case.read', target: `case:${row.ref}` });
  return out;
}

import type { Actor, StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import {
  actorFacts,
  canReadCaseContent,
  canUseQueue,
  caseFacts,
  listActiveGrantCaseIds,
  listTeams,
  queueScope,
  requireAllowed,
  type ScopeContext,
  scopeContext,
  staffOnly,
} from '../case-access/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { addDays, decryptText, PAGE_SIZE, subjectOf, today } from './case-helpers.ts';
import { type CaseStatus, isCaseStatus } from './case-workflow.ts';
import { listDueTasks, listQueuePage, type QueueRow } from './cases.repository.ts';
import type { QueueQuery } from './cases.schemas.ts';

/** The queue and the due-soon list. */

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
  const scope = known?.scope ?? (await scopeContext(db, actor));
  const [sc, teamList, labels] = await Promise.all([
    scope,
    // Restricted teams only for their members (ADR 0158).
    known?.teams ?? listTeams(db, scope.facts.teamIds),
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
  const sc = await scopeContext(db, actor);
  const teams = await listTeams(db, sc.facts.teamIds);
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
      ? await withSubjectKey(
          ctx,
          subjectOf(r.case_id),
          async (key) => decryptText(key, r.title_enc, 'case_tasks', 'title', r.id),
          db,
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

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
import { withSubjectKey, withSubjectKeys } from '../keys/index.ts';
import { decryptPerson } from './case-file.service.ts';
import { addDays, decryptText, PAGE_SIZE, subjectOf, today } from './case-helpers.ts';
import { type CaseStatus, isCaseStatus } from './case-workflow.ts';
import {
  countQueue,
  findPersonsByIds,
  listDueTasks,
  listQueuePage,
  listQueuePageSorted,
  type QueueFilter,
  type QueueRow,
} from './cases.repository.ts';
import type { PersonDetails, QueueQuery } from './cases.schemas.ts';

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
  /**
   * The person's key facts, only when the reader may read the case's content (never for a
   * metadata-only row): enough to tell namesakes apart without opening each case (ADR 0184).
   */
  person?: KeyFacts | undefined;
}

export interface KeyFacts {
  name: string;
  birthDate: string | null;
  location: string | null;
}

export interface QueuePage {
  items: QueueItem[];
  page: number;
  hasNext: boolean;
  /** Open cases in the scope and filter, counted up to QUEUE_COUNT_CAP (more: `totalCapped`). */
  total: number;
  totalCapped: boolean;
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

/** Counting stops here: a larger queue says "more than 1,000" (ADR 0184). */
export const QUEUE_COUNT_CAP = 1000;

/**
 * The work queue: open cases the actor may see. Without a sort: overdue first, then urgency,
 * then waiting time; with one, in SQL by the allow-listed column over the whole scope. A
 * built-in view ("mine", "waiting for us", "overdue") adds its condition to the filters.
 */
export async function listQueue(ctx: AppContext, actor: Actor, query: QueueQuery): Promise<QueuePage> {
  requireAllowed(canUseQueue(actor), 'queue');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const sc = await scopeContext(db, actor);
  const teams = await listTeams(db, sc.facts.teamIds);
  const day = today();
  const filter: QueueFilter = {
    status: query.status,
    applicantType: query.type,
    country: query.country,
    assigneeId: query.assignee === 'me' ? staff.id : query.assignee === 'none' ? null : query.assignee,
    teamId: query.team,
    waitingForUs: query.waiting === '1' ? true : undefined,
  };
  if (query.view === 'mine') filter.assigneeId = staff.id;
  if (query.view === 'waiting') filter.waitingForUs = true;
  if (query.view === 'overdue') filter.overdueBefore = day;
  const offset = (query.page - 1) * PAGE_SIZE;
  const [rows, total] = await Promise.all([
    query.sort === undefined
      ? listQueuePage(db, sc.scope, filter, day, offset, PAGE_SIZE)
      : listQueuePageSorted(
          db,
          sc.scope,
          filter,
          { key: query.sort, dir: query.dir ?? (query.sort === 'country' ? 'asc' : 'desc') },
          offset,
          PAGE_SIZE,
        ),
    countQueue(db, sc.scope, filter, QUEUE_COUNT_CAP),
  ]);
  const hasNext = rows.length > PAGE_SIZE;
  const items = await withKeyFacts(
    ctx,
    db,
    await presentQueueRows(ctx, db, staff, rows.slice(0, PAGE_SIZE), day, { scope: sc, teams }),
  );
  return {
    items,
    page: query.page,
    hasNext,
    total: Math.min(total, QUEUE_COUNT_CAP),
    totalCapped: total > QUEUE_COUNT_CAP,
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
  };
}

/**
 * Adds the person's key facts to the rows whose content the reader may read (one query for
 * the encrypted persons, one for their keys). Listing them is not a case access: the
 * reader may open these cases anyway, and the page is audited as a whole where it is a
 * search (ADR 0184). Metadata-only rows stay without.
 */
export async function withKeyFacts(ctx: AppContext, db: Db, items: QueueItem[]): Promise<QueueItem[]> {
  const readable = items.filter((i) => i.contentVisible);
  if (readable.length === 0) return items;
  const persons = await findPersonsByIds(
    db,
    readable.map((i) => i.id),
  );
  const facts = new Map<string, KeyFacts>();
  await withSubjectKeys(
    ctx,
    persons.map((p) => subjectOf(p.id)),
    (keys) => {
      for (const row of persons) {
        const key = keys.get(subjectOf(row.id));
        if (key === undefined) continue;
        facts.set(row.id, keyFactsOf(decryptPerson(key, row)));
      }
    },
    db,
  );
  return items.map((i) => (i.contentVisible && facts.has(i.id) ? { ...i, person: facts.get(i.id) } : i));
}

export function keyFactsOf(p: PersonDetails): KeyFacts {
  const native = [p.givenName, p.patronymic, p.familyName].filter((v) => v !== undefined).join(' ');
  const latin = [p.givenNameLatin, p.familyNameLatin].filter((v) => v !== undefined).join(' ');
  const name = native !== '' && latin !== '' ? `${native} (${latin})` : native || latin;
  return { name, birthDate: p.birthDate ?? null, location: p.location ?? null };
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

import type { ExpressionBuilder } from 'kysely';
import type { Actor } from '../../access/index.ts';
import type { Db } from '../../db/database.ts';
import type { CaseTasksTable, Database } from '../../db/types.ts';
import { actorFacts, canUseQueue, queueScope, staffOnly } from '../case-access/index.ts';
import { addDays } from './case-helpers.ts';
import { scopeWhere } from './cases.repository.ts';

/**
 * The case core's part of the staff home page (issue 21 item 3): references, kinds and days
 * only, never a name, a title or a message, so nothing here is decrypted or audited as a read.
 * Every list stays inside the reader's queue scope (restricted cases only inside their team,
 * ADR 0158). Each read takes the caller's transaction.
 */
export interface HomeCases {
  /** Open tasks given to the reader, due within a week or overdue. */
  myTasks: Array<{ ref: string; kind: CaseTasksTable['kind']; dueOn: string; overdue: boolean }>;
  /** Cases opened this week in the reader's teams (and, for those who assign, the unassigned ones). */
  newCases: Array<{ ref: string; createdOn: string; urgency: number; unassigned: boolean }>;
  /** Open cases of the reader's (own or team) whose earliest open task is past due. */
  overdue: Array<{ ref: string; nextDueOn: string }>;
}

const LIMIT = 20;

export async function listHomeCases(db: Db, actor: Actor, day: string): Promise<HomeCases> {
  const staff = staffOnly(actor);
  if (!canUseQueue(actor)) return { myTasks: [], newCases: [], overdue: [] };
  const [scope, facts] = await Promise.all([queueScope(db, actor), actorFacts(db, actor)]);
  const mine = (eb: ExpressionBuilder<Database, 'cases'>) => {
    const ors = [eb('cases.assignee_id', '=', staff.id)];
    if (facts.teamIds.length > 0) ors.push(eb('cases.team_id', 'in', facts.teamIds));
    return eb.or(ors);
  };
  const [tasks, fresh, overdue] = await Promise.all([
    db
      .selectFrom('case_tasks')
      .innerJoin('cases', 'cases.id', 'case_tasks.case_id')
      .select(['cases.ref', 'case_tasks.kind', 'case_tasks.due_on'])
      .where('case_tasks.done_at', 'is', null)
      .where('case_tasks.assignee_id', '=', staff.id)
      .where('case_tasks.due_on', '<=', addDays(day, 7))
      .where((eb) => scopeWhere(eb, scope))
      .orderBy('case_tasks.due_on')
      .limit(LIMIT)
      .execute(),
    db
      .selectFrom('cases')
      .select(['ref', 'created_on', 'urgency', 'team_id', 'assignee_id'])
      .where('status', '<>', 'closed')
      .where('created_on', '>=', addDays(day, -7))
      .where((eb) => scopeWhere(eb, scope))
      .where((eb) => {
        const ors = [mine(eb)];
        // The unassigned ones are "new for my teams" to those who may place them (coordinators, triage).
        if (scope.all || scope.triage) {
          ors.push(eb.and([eb('cases.team_id', 'is', null), eb('cases.assignee_id', 'is', null)]));
        }
        return eb.or(ors);
      })
      .orderBy('urgency', 'desc')
      .orderBy('created_on', 'desc')
      .limit(LIMIT)
      .execute(),
    db
      .selectFrom('cases')
      .select(['ref', 'next_due_on'])
      .where('status', '<>', 'closed')
      .where('next_due_on', '<', day)
      .where((eb) => scopeWhere(eb, scope))
      .where((eb) => mine(eb))
      .orderBy('next_due_on')
      .limit(LIMIT)
      .execute(),
  ]);
  return {
    myTasks: tasks.map((t) => ({
      ref: t.ref,
      kind: t.kind,
      dueOn: String(t.due_on),
      overdue: String(t.due_on) < day,
    })),
    newCases: fresh.map((c) => ({
      ref: c.ref,
      createdOn: String(c.created_on),
      urgency: c.urgency,
      unassigned: c.team_id === null && c.assignee_id === null,
    })),
    overdue: overdue.map((c) => ({ ref: c.ref, nextDueOn: String(c.next_due_on) })),
  };
}

/**
 * Of these cases, those the reader's queue lists (restricted ones only inside their team), by
 * id with their reference: what a notification may show (ADR 0187).
 */
export async function listCaseRefsInScope(
  db: Db,
  actor: Actor,
  caseIds: readonly string[],
): Promise<Map<string, string>> {
  staffOnly(actor);
  if (caseIds.length === 0 || !canUseQueue(actor)) return new Map();
  const scope = await queueScope(db, actor);
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'ref'])
    .where('id', 'in', [...new Set(caseIds)])
    .where((eb) => scopeWhere(eb, scope))
    .execute();
  return new Map(rows.map((r) => [r.id, r.ref]));
}

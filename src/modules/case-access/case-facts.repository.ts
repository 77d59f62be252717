import type { Db } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';

/**
 * The reads of case access on the `cases` table (owned by the case core, which alone writes
 * it): a case by reference or id for the access check, its team and assignee, and the open
 * work per person. Read-only: no statement here writes a case.
 */

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

/**
 * What one actor may see in the queue. `all` is for coordinators (metadata only): every case
 * except the restricted ones (ADR 0158), of which only those of `teamIds` (the coordinator's
 * own teams).
 */
export type QueueScope =
  | { all: true; teamIds: readonly string[] }
  | {
      all: false;
      staffId: string;
      teamIds: readonly string[];
      triage: boolean;
      grantCaseIds: readonly string[];
    };

/** Open cases and open tasks per assignee, for the workload view. */
export async function countWorkload(
  db: Db,
): Promise<Array<{ staff_id: string; cases: number; tasks: number }>> {
  const cases = await db
    .selectFrom('cases')
    .select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '<>', 'closed')
    .where('assignee_id', 'is not', null)
    // Restricted cases are counted for no one outside their team (ADR 0158).
    .where('restricted', '=', false)
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

export async function findCaseScopeFacts(db: Db, refs: readonly string[]) {
  if (refs.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(['id', 'ref', 'team_id', 'assignee_id', 'restricted'])
    .where('ref', 'in', refs)
    .execute();
}

/** The restricted cases among these ids, with their team and assignee (ADR 0158). */
export async function findRestrictedCaseFacts(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(['id', 'team_id', 'assignee_id'])
    .where('id', 'in', ids)
    .where('restricted', '=', true)
    .execute();
}

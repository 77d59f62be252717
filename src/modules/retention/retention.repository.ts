import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** Retention rules and legal holds (ADR 0139). */

export interface RuleRow {
  status: string;
  closing_reason: string;
  after_days: number;
}

export async function listRules(db: Db): Promise<RuleRow[]> {
  return db.selectFrom('retention_rules').selectAll().orderBy('status').orderBy('closing_reason').execute();
}

export async function replaceRules(trx: Db, rules: readonly RuleRow[]): Promise<void> {
  await trx.deleteFrom('retention_rules').execute();
  if (rules.length > 0)
    await trx
      .insertInto('retention_rules')
      .values([...rules])
      .execute();
}

export async function insertHold(db: Db, caseId: string, placedBy: string): Promise<boolean> {
  const r = await db
    .insertInto('legal_holds')
    .values({ case_id: caseId, placed_by: placedBy })
    .onConflict((oc) => oc.column('case_id').doNothing())
    .returning('case_id')
    .executeTakeFirst();
  return r !== undefined;
}

export async function deleteHold(db: Db, caseId: string): Promise<boolean> {
  const r = await db.deleteFrom('legal_holds').where('case_id', '=', caseId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function isHeld(db: Db, caseId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('legal_holds')
      .select('case_id')
      .where('case_id', '=', caseId)
      .executeTakeFirst()) !== undefined
  );
}

export async function listHolds(db: Db) {
  return db
    .selectFrom('legal_holds')
    .innerJoin('cases', 'cases.id', 'legal_holds.case_id')
    .select(['cases.ref', 'legal_holds.placed_at'])
    .orderBy('legal_holds.placed_at')
    .execute();
}

export interface DueRow {
  id: string;
  ref: string;
  status: string;
  closing_reason: string | null;
  erase_on: string;
  after_days: number;
}

/**
 * Cases a rule makes due for erasure on or before `asOf` (a day), not under a legal hold:
 * the last activity day plus the shortest matching rule's days. Oldest first.
 */
export async function listDue(
  db: Db,
  asOf: string,
  limit: number,
  registered: readonly RegisteredRule[] = [],
): Promise<DueRow[]> {
  // The administrators' rules, plus the rules other modules registered for their own kind of
  // case (a restricted case's minimum retention, ADR 0160): the shortest matching rule wins.
  const extra =
    registered.length === 0
      ? sql``
      : sql`union all select * from (values ${sql.join(
          registered.map(
            (r) =>
              sql`(${r.status ?? '*'}::text, ''::text, ${r.afterDays}::int, ${r.applies === 'restricted'}::boolean)`,
          ),
        )}) as x (status, closing_reason, after_days, restricted_only)`;
  const r = await sql<DueRow>`
    select c.id, c.ref, c.status, c.closing_reason,
           to_char(min(c.last_activity_on::date + r.after_days), 'YYYY-MM-DD') as erase_on,
           min(r.after_days)::int as after_days
    from cases c
    join (select status, closing_reason, after_days, false as restricted_only from retention_rules ${extra}) r
      on (r.status = c.status or r.status = '*')
     and (r.closing_reason = '' or r.closing_reason = coalesce(c.closing_reason, ''))
     and (not r.restricted_only or c.restricted)
    where not exists (select 1 from legal_holds h where h.case_id = c.id)
    group by c.id, c.ref, c.status, c.closing_reason
    having min(c.last_activity_on::date + r.after_days) <= ${asOf}::date
    order by 5, c.ref
    limit ${limit}`.execute(db);
  return r.rows;
}

/**
 * A retention rule a module registers for its own kind of case (`registerRetentionRule`):
 * cases of that kind in `status` (any status when null) are erased `afterDays` after their
 * last activity, unless an administrator's rule is shorter or a legal hold keeps them.
 */
export interface RegisteredRule {
  module: string;
  applies: 'restricted';
  status: string | null;
  afterDays: number;
}

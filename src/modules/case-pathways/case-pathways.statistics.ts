import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** Pathway checks saved to cases in the period [from, to), by week of evaluation (issue 19). */
export async function countPathwayChecksByWeek(
  db: Db,
  period: { from: string; to: string },
): Promise<Array<{ key: string; count: number }>> {
  const { rows } = await sql<{ key: string; count: string }>`
    select to_char(date_trunc('week', k.evaluated_on), 'YYYY-MM-DD') as key, count(*) as count
      from case_pathway_checks k
      join cases c on c.id = k.case_id
     where k.evaluated_on >= ${period.from}::date and k.evaluated_on < ${period.to}::date
       -- A restricted case does not exist outside its team, not even as a count (ADR 0211).
       and not c.restricted
     group by 1`.execute(db);
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

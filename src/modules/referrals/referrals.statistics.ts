import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * Referrals by state for the reports dashboard (issue 19, through REPORT_SOURCES): referrals
 * created in the half-open day range [from, to), by their present state ("paused" when paused).
 * Counts over clear columns only; no partner, no case.
 */
export async function countReferralsByState(
  db: Db,
  period: { from: string; to: string },
): Promise<Array<{ key: string; count: number }>> {
  const { rows } = await sql<{ key: string; count: string }>`
    select case when r.paused then 'paused' else r.state end as key, count(*) as count
      from referrals r
      join cases c on c.id = r.case_id
     where r.created_at >= ${period.from}::date and r.created_at < ${period.to}::date
       -- A restricted case does not exist outside its team, not even as a count (ADR 0211).
       and not c.restricted
     group by 1`.execute(db);
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

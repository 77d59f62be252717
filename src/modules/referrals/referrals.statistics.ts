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
    select case when paused then 'paused' else state end as key, count(*) as count
      from referrals
     where created_at >= ${period.from}::date and created_at < ${period.to}::date
     group by 1`.execute(db);
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * First contacts that came through Telegram in the period [from, to), by week (issue 19). The
 * other channels (the web form, partners' API) leave no plaintext mark on a case, so reports
 * show them together as the rest of the cases opened.
 */
export async function countTelegramContactsByWeek(
  db: Db,
  period: { from: string; to: string },
): Promise<Array<{ key: string; count: number }>> {
  const { rows } = await sql<{ key: string; count: string }>`
    select to_char(date_trunc('week', created_on), 'YYYY-MM-DD') as key, count(*) as count
      from intake_telegram_links
     where created_on >= ${period.from}::date and created_on < ${period.to}::date
     group by 1`.execute(db);
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

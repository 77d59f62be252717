import type { Db } from '../../db/database.ts';

/** The correction that already reverses this transfer, if any (a transfer is reversed at most once). */
export async function findCorrectionOf(db: Db, transferId: string): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('ledger_transfers')
    .select('id')
    .where('reverses_id', '=', transferId)
    .where('kind', '=', 'correction')
    .executeTakeFirst();
}

/** Of these transfers, the ids that a correction already reverses. */
export async function listReversedIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('ledger_transfers')
    .select('reverses_id')
    .where('reverses_id', 'in', [...ids])
    .where('kind', '=', 'correction')
    .execute();
  return new Set(rows.flatMap((r) => (r.reverses_id === null ? [] : [r.reverses_id])));
}

/** The newest exchange rates (the bookkeeping page lists them for conversions). */
export async function listRecentRates(db: Db, limit: number) {
  return db
    .selectFrom('ledger_rates')
    .select(['id', 'from_currency', 'to_currency', 'rate', 'source', 'rate_date'])
    .orderBy('rate_date', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

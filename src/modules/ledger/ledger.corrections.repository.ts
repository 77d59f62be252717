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

import type { Insertable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { ReportReleasesTable } from '../../db/types.ts';

/** The budget row of a dataset, locked for the caller's transaction (releases are decided one at a time). */
export async function lockBudget(trx: Db, dataset: string) {
  return trx
    .selectFrom('report_budgets')
    .selectAll()
    .where('dataset', '=', dataset)
    .forUpdate()
    .executeTakeFirst();
}

/** Every dataset's budget row, by name. */
export async function listBudgets(db: Db) {
  return db.selectFrom('report_budgets').selectAll().orderBy('dataset').execute();
}

export async function findBudget(db: Db, dataset: string) {
  return db.selectFrom('report_budgets').selectAll().where('dataset', '=', dataset).executeTakeFirst();
}

export async function findRelease(db: Db, dataset: string, queryKey: string) {
  return db
    .selectFrom('report_releases')
    .selectAll()
    .where('dataset', '=', dataset)
    .where('query_key', '=', queryKey)
    .executeTakeFirst();
}

/** Every release of a dataset, newest first. */
export async function listReleaseRows(db: Db, dataset: string) {
  return db
    .selectFrom('report_releases')
    .selectAll()
    .where('dataset', '=', dataset)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export async function insertRelease(trx: Db, row: Insertable<ReportReleasesTable>): Promise<void> {
  await trx.insertInto('report_releases').values(row).execute();
}

/** Sets a dataset's total ρ ("n/d"); creates the dataset when new. */
export async function upsertBudget(db: Db, dataset: string, totalRho: string): Promise<void> {
  await db
    .insertInto('report_budgets')
    .values({ dataset, total_rho: totalRho })
    .onConflict((oc) => oc.column('dataset').doUpdateSet({ total_rho: totalRho, updated_at: new Date() }))
    .execute();
}

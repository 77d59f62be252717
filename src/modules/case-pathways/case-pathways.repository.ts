import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CasePathwayChecksTable } from '../../db/types.ts';

/** Typed SQL for pathway checks saved to a case. Returns rows; never throws HTTP errors. */
export type PathwayCheckRow = Selectable<CasePathwayChecksTable>;

export async function insertPathwayCheck(db: Db, row: Insertable<CasePathwayChecksTable>): Promise<void> {
  await db.insertInto('case_pathway_checks').values(row).execute();
}

/** A case's saved checks in timeline order. */
export async function listPathwayChecks(db: Db, caseId: string): Promise<PathwayCheckRow[]> {
  return db
    .selectFrom('case_pathway_checks')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .execute();
}

/** One saved check of one case (a check of another case is not found). */
export async function findPathwayCheck(
  db: Db,
  caseId: string,
  id: string,
): Promise<PathwayCheckRow | undefined> {
  return db
    .selectFrom('case_pathway_checks')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', id)
    .executeTakeFirst();
}

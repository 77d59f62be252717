import type { Db } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';

export async function insertCase(
  db: Db,
  row: {
    id: string;
    ref: string;
    urgency: number;
    person_enc: Uint8Array | null;
    story_enc: Uint8Array | null;
  },
): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

export async function findCaseById(db: Db, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertCaseNote(
  db: Db,
  row: { id: string; case_id: string; author_id: string | null; body_enc: Uint8Array },
): Promise<void> {
  await db.insertInto('case_notes').values(row).execute();
}

export async function listCaseNotes(db: Db, caseId: string) {
  return db
    .selectFrom('case_notes')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .execute();
}

import type { Db } from '../../db/database.ts';

/** Break-glass grants (ADR 0087 for their sealed texts). */

export async function insertBreakGlassGrant(
  db: Db,
  row: { id: string; staff_id: string; case_id: string; reason_enc: Buffer; expires_at: Date },
): Promise<void> {
  await db.insertInto('break_glass_grants').values(row).execute();
}

export async function hasActiveGrant(db: Db, staffId: string, caseId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('case_id', '=', caseId)
    .where('expires_at', '>', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findActiveGrantExpiry(
  db: Db,
  staffId: string,
  caseId: string,
  now: Date,
): Promise<Date | null> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select((eb) => eb.fn.max('expires_at').as('until'))
    .where('staff_id', '=', staffId)
    .where('case_id', '=', caseId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return (row?.until as Date | null | undefined) ?? null;
}

export async function listActiveGrantCaseIds(db: Db, staffId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('break_glass_grants')
    .select('case_id')
    .distinct()
    .where('staff_id', '=', staffId)
    .where('expires_at', '>', now)
    .limit(100)
    .execute();
  return rows.map((r) => r.case_id);
}

export async function listGrantsForReview(db: Db, includeReviewed: boolean, limit = 200) {
  let q = db
    .selectFrom('break_glass_grants')
    .innerJoin('cases', 'cases.id', 'break_glass_grants.case_id')
    .select([
      'break_glass_grants.id',
      'break_glass_grants.staff_id',
      'break_glass_grants.case_id',
      'break_glass_grants.reason',
      'break_glass_grants.reason_enc',
      'break_glass_grants.granted_at',
      'break_glass_grants.expires_at',
      'break_glass_grants.reviewed_by',
      'break_glass_grants.reviewed_at',
      'break_glass_grants.review_note',
      'break_glass_grants.review_note_enc',
      'cases.ref',
    ])
    // A grant into a restricted case was approved by a second person (ADR 0159) and is
    // reviewed there: its reference is not shown to the ordinary reviewers (ADR 0158).
    .where('cases.restricted', '=', false)
    .orderBy('break_glass_grants.granted_at', 'desc')
    .limit(limit);
  if (!includeReviewed) q = q.where('break_glass_grants.reviewed_at', 'is', null);
  return q.execute();
}

/** Grants that still hold plaintext written before ADR 0087 (for the legacy job). */
export async function listLegacyPlaintextGrants(db: Db, limit: number) {
  return db
    .selectFrom('break_glass_grants')
    .select(['id', 'case_id', 'reason', 'reason_enc', 'review_note', 'review_note_enc'])
    .where((eb) =>
      eb.or([eb('reason', 'is not', null).and('reason', '!=', ''), eb('review_note', 'is not', null)]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function setGrantCiphertexts(
  db: Db,
  id: string,
  values: {
    reason: string | null;
    reason_enc: Buffer | null;
    review_note: null;
    review_note_enc: Buffer | null;
  },
): Promise<void> {
  await db.updateTable('break_glass_grants').set(values).where('id', '=', id).execute();
}

export async function countUnreviewedGrants(db: Db): Promise<number> {
  const row = await db
    .selectFrom('break_glass_grants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reviewed_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findGrant(db: Db, id: string) {
  return db.selectFrom('break_glass_grants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markGrantReviewed(
  db: Db,
  id: string,
  reviewerId: string,
  noteEnc: Buffer | null,
): Promise<boolean> {
  const r = await db
    .updateTable('break_glass_grants')
    .set({ reviewed_by: reviewerId, reviewed_at: new Date(), review_note_enc: noteEnc })
    .where('id', '=', id)
    .where('reviewed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Four-eyes approvals and settings

/** Extends an active grant to `until` (an approved extension, ADR 0138); false if it has lapsed. */
export async function extendGrant(db: Db, id: string, until: Date, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('break_glass_grants')
    .set({ expires_at: until })
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

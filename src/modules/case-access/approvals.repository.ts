import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { ApprovalKind, CaseApprovalsTable } from '../../db/types.ts';

/** Four-eyes approvals (ADR 0056) and the workspace settings. */

export async function insertApproval(
  db: Db,
  row: Pick<
    CaseApprovalsTable,
    'id' | 'kind' | 'case_id' | 'requested_by' | 'payload_enc' | 'expected_version'
  > & { watchlist_id?: string | null; expires_at?: Date | null; subject_staff_id?: string | null },
): Promise<void> {
  await db.insertInto('case_approvals').values(row).execute();
}

/** The four-eyes requests of these watchlists' imports (ADR 0095), newest first. */
export async function listWatchlistApprovals(db: Db, watchlistIds: readonly string[]) {
  if (watchlistIds.length === 0) return [];
  return db
    .selectFrom('case_approvals')
    .select(['id', 'watchlist_id', 'status', 'requested_by', 'decided_by', 'decided_at'])
    .where('kind', '=', 'watchlist_import')
    .where('watchlist_id', 'in', watchlistIds)
    .orderBy('requested_at', 'desc')
    .execute();
}

export async function findApproval(db: Db, id: string) {
  return db.selectFrom('case_approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The pending request of one kind on a case (by default the "not genuine" closing that blocks the workflow). */
export async function findPendingApprovalForCase(
  db: Db,
  caseId: string,
  kind: ApprovalKind = 'close_not_genuine',
) {
  return db
    .selectFrom('case_approvals')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', kind)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

export async function listApprovals(db: Db, limit = 200) {
  return db
    .selectFrom('case_approvals')
    .leftJoin('cases', 'cases.id', 'case_approvals.case_id')
    .select([
      'case_approvals.id',
      'case_approvals.kind',
      'case_approvals.status',
      'case_approvals.requested_by',
      'case_approvals.requested_at',
      'case_approvals.decided_by',
      'case_approvals.decided_at',
      'cases.ref',
      'cases.restricted',
      'cases.team_id',
    ])
    .where((eb) =>
      eb.or([
        eb('case_approvals.status', '=', 'pending'),
        eb('case_approvals.requested_at', '>', sql<Date>`now() - interval '7 days'`),
      ]),
    )
    .orderBy('case_approvals.requested_at', 'desc')
    .limit(limit)
    .execute();
}

export async function setApprovalStatus(
  db: Db,
  id: string,
  from: 'pending' | 'approved',
  to: 'approved' | 'rejected' | 'used',
  deciderId: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('case_approvals')
    .set(to === 'used' ? { status: to } : { status: to, decided_by: deciderId, decided_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('case_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function putSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('case_settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Audit reads for the access log and the anomaly report (the audit module owns the table;
// these are read-only queries shaped for this module, served by indexes on target and at).

/** Pending requests of these kinds (two-person acts, ADR 0138), oldest first. */
export async function listPendingActs(db: Db, kinds: readonly ApprovalKind[], limit = 200) {
  if (kinds.length === 0) return [];
  return db
    .selectFrom('case_approvals')
    .selectAll()
    .where('kind', 'in', kinds)
    .where('status', '=', 'pending')
    .orderBy('requested_at')
    .limit(limit)
    .execute();
}

/** Approved, not yet used requests of one kind (permits a second person granted, e.g. a key rotation). */
export async function listApprovedUnused(db: Db, kind: ApprovalKind) {
  return db
    .selectFrom('case_approvals')
    .selectAll()
    .where('kind', '=', kind)
    .where('status', '=', 'approved')
    .orderBy('decided_at')
    .execute();
}

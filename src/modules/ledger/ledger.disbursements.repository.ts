import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  LedgerAuthenticitySignalsTable,
  LedgerDisbursementsTable,
  LedgerRewardClaimsTable,
  LedgerRewardScheduleTable,
  LedgerSettingsTable,
} from '../../db/types.ts';

/** Rows of the disbursement tables (issue 15 items 3–6); no access decisions here. */
export type DisbursementRow = Selectable<LedgerDisbursementsTable>;
export type SettingsRow = Selectable<LedgerSettingsTable>;
export type RewardScheduleRow = Selectable<LedgerRewardScheduleTable>;

export async function findSettings(db: Db): Promise<SettingsRow> {
  return db.selectFrom('ledger_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}

export async function updateSettings(
  db: Db,
  values: { base_currency: string; tier1_minor: number; tier2_minor: number; updated_by: string },
): Promise<void> {
  await db
    .updateTable('ledger_settings')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('id', '=', 1)
    .execute();
}

export async function insertDisbursement(db: Db, row: Insertable<LedgerDisbursementsTable>): Promise<void> {
  await db.insertInto('ledger_disbursements').values(row).execute();
}

export async function findDisbursement(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DisbursementRow | undefined> {
  let q = db.selectFrom('ledger_disbursements').selectAll().where('id', '=', id);
  if (options.forUpdate === true) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Several disbursements, locked in id order (the set-based batch's `assertPostable`). */
export async function findDisbursementsForUpdate(db: Db, ids: readonly string[]): Promise<DisbursementRow[]> {
  return db
    .selectFrom('ledger_disbursements')
    .selectAll()
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Disbursements with their transfer's state, newest first, optionally of one case or state. */
export async function listDisbursements(
  db: Db,
  filter: { id?: string; caseId?: string; kind?: 'reward'; status?: 'pending'; limit: number },
) {
  let q = db
    .selectFrom('ledger_disbursements as d')
    .innerJoin('ledger_transfers as t', 't.id', 'd.id')
    .select([
      'd.id',
      'd.kind',
      'd.case_id',
      'd.amount',
      'd.currency',
      'd.tier',
      'd.purpose',
      'd.channel',
      'd.due_on',
      'd.requested_by',
      'd.requested_at',
      'd.needs_signoff',
      'd.signoff_epoch',
      'd.paused_at',
      'd.denied_at',
      't.status',
    ]);
  if (filter.id !== undefined) q = q.where('d.id', '=', filter.id);
  if (filter.kind !== undefined) q = q.where('d.kind', '=', filter.kind);
  if (filter.caseId !== undefined) q = q.where('d.case_id', '=', filter.caseId);
  if (filter.status !== undefined)
    q = q.where('t.status', '=', filter.status).where('d.denied_at', 'is', null);
  return q.orderBy('d.requested_at', 'desc').orderBy('d.id').limit(filter.limit).execute();
}

export type DisbursementListRow = Awaited<ReturnType<typeof listDisbursements>>[number];

export async function setDenied(db: Db, id: string, by: string, at: Date): Promise<void> {
  await db
    .updateTable('ledger_disbursements')
    .set({ denied_by: by, denied_at: at })
    .where('id', '=', id)
    .execute();
}

export async function countReveal(db: Db, id: string): Promise<void> {
  await db
    .updateTable('ledger_disbursements')
    .set({ reveals: sql<number>`reveals + 1` })
    .where('id', '=', id)
    .execute();
}

/** A vetting signal raised against these cases pauses their pending disbursements; returns the ids paused. */
export async function pauseCaseDisbursements(
  db: Db,
  caseIds: readonly string[],
  at: Date,
): Promise<string[]> {
  if (caseIds.length === 0) return [];
  const rows = await db
    .updateTable('ledger_disbursements')
    .set({ needs_signoff: true, signoff_epoch: sql<number>`signoff_epoch + 1`, paused_at: at })
    .where('case_id', 'in', [...caseIds])
    .where('denied_at', 'is', null)
    .where('id', 'in', (eb) => eb.selectFrom('ledger_transfers').select('id').where('status', '=', 'pending'))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function insertApproval(
  db: Db,
  row: { id: string; disbursement_id: string; approver_id: string; approver_role: string; decided_at: Date },
): Promise<boolean> {
  const r = await db
    .insertInto('ledger_approvals')
    .values(row as never)
    .onConflict((oc) => oc.columns(['disbursement_id', 'approver_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listApprovals(db: Db, disbursementIds: readonly string[]) {
  if (disbursementIds.length === 0) return [];
  return db
    .selectFrom('ledger_approvals')
    .selectAll()
    .where('disbursement_id', 'in', [...disbursementIds])
    .orderBy('decided_at')
    .execute();
}

export async function insertSignoff(
  db: Db,
  row: { id: string; disbursement_id: string; officer_id: string; epoch: number; signed_at: Date },
): Promise<boolean> {
  const r = await db
    .insertInto('ledger_signoffs')
    .values(row)
    .onConflict((oc) => oc.columns(['disbursement_id', 'epoch']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listSignoffs(db: Db, disbursementIds: readonly string[]) {
  if (disbursementIds.length === 0) return [];
  return db
    .selectFrom('ledger_signoffs')
    .selectAll()
    .where('disbursement_id', 'in', [...disbursementIds])
    .orderBy('signed_at')
    .execute();
}

/** Whether any disbursement of the case was ever signed off by a vetting officer. */
export async function caseHasSignoff(db: Db, caseId: string): Promise<boolean> {
  const row = await db
    .selectFrom('ledger_signoffs as s')
    .innerJoin('ledger_disbursements as d', 'd.id', 's.disbursement_id')
    .select('s.id')
    .where('d.case_id', '=', caseId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertAuthenticitySignal(
  db: Db,
  row: Insertable<LedgerAuthenticitySignalsTable>,
): Promise<void> {
  await db.insertInto('ledger_authenticity_signals').values(row).execute();
}

export async function listAuthenticitySignals(db: Db, caseId: string) {
  return db
    .selectFrom('ledger_authenticity_signals')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('recorded_at')
    .execute();
}

export async function insertScheduleItem(db: Db, row: Insertable<LedgerRewardScheduleTable>): Promise<void> {
  await db.insertInto('ledger_reward_schedule').values(row).execute();
}

export async function listSchedule(db: Db): Promise<RewardScheduleRow[]> {
  return db.selectFrom('ledger_reward_schedule').selectAll().orderBy('code').execute();
}

export async function findScheduleItem(db: Db, id: string): Promise<RewardScheduleRow | undefined> {
  return db.selectFrom('ledger_reward_schedule').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findScheduleByCode(db: Db, code: string): Promise<RewardScheduleRow | undefined> {
  return db.selectFrom('ledger_reward_schedule').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function insertRewardClaim(db: Db, row: Insertable<LedgerRewardClaimsTable>): Promise<void> {
  await db.insertInto('ledger_reward_claims').values(row).execute();
}

export async function findRewardClaim(db: Db, id: string) {
  return db
    .selectFrom('ledger_reward_claims')
    .selectAll()
    .where('disbursement_id', '=', id)
    .executeTakeFirst();
}

export async function insertRewardVerification(
  db: Db,
  row: { id: string; disbursement_id: string; step: string; verified_by: string; verified_at: Date },
): Promise<boolean> {
  const r = await db
    .insertInto('ledger_reward_verifications')
    .values(row as never)
    .onConflict((oc) => oc.columns(['disbursement_id', 'step']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listRewardVerifications(db: Db, disbursementIds: readonly string[]) {
  if (disbursementIds.length === 0) return [];
  return db
    .selectFrom('ledger_reward_verifications')
    .selectAll()
    .where('disbursement_id', 'in', [...disbursementIds])
    .orderBy('verified_at')
    .execute();
}

/** Every disbursement whose transfer is posted (for `ledger verify`), in id order. */
export async function listPostedDisbursements(db: Db): Promise<DisbursementRow[]> {
  return db
    .selectFrom('ledger_disbursements as d')
    .innerJoin('ledger_transfers as t', 't.id', 'd.id')
    .selectAll('d')
    .where('t.status', '=', 'posted')
    .orderBy('d.id')
    .execute();
}

/** A case's disbursement requests for its timeline, each with its transfer's state and the currency's minor units. */
export async function listCaseDisbursementsForTimeline(db: Db, caseId: string) {
  return db
    .selectFrom('ledger_disbursements as d')
    .innerJoin('ledger_transfers as t', 't.id', 'd.id')
    .innerJoin('ledger_currencies as c', 'c.code', 'd.currency')
    .select([
      'd.id',
      'd.kind',
      'd.amount',
      'd.currency',
      'c.minor_units',
      'd.purpose',
      'd.requested_by',
      'd.requested_at',
      'd.denied_at',
      'd.seq',
      't.status',
    ])
    .where('d.case_id', '=', caseId)
    .orderBy('d.seq')
    .execute();
}

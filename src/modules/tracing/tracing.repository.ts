import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { TracingConsentMethod, TracingConsentStatus, TracingProposalStatus } from '../../db/types.ts';

/** Typed SQL of the tracing tables (this module owns them; nothing else writes them). */

export async function insertRequest(
  db: Db,
  row: { id: string; case_id: string; source: 'applicant' | 'staff'; details_enc: Uint8Array },
): Promise<void> {
  await db
    .insertInto('tracing_requests')
    .values({ ...row, created_on: sql<string>`current_date` })
    .execute();
}

export async function insertRequestBlocks(
  db: Db,
  requestId: string,
  entries: ReadonlyArray<{ slot: number; value: number }>,
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('tracing_request_blocks')
    .values(entries.map((e) => ({ request_id: requestId, slot: e.slot, value: e.value })))
    .execute();
}

export function findRequest(db: Db, id: string) {
  return db.selectFrom('tracing_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findRequestForUpdate(db: Db, id: string) {
  return db.selectFrom('tracing_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listRequestsOfCase(db: Db, caseId: string) {
  return db
    .selectFrom('tracing_requests')
    .select(['id', 'status', 'created_on'])
    .where('case_id', '=', caseId)
    .orderBy('created_on')
    .orderBy('id')
    .execute();
}

/** Other open requests sharing a blocking key with these entries (not of `caseId`), at most `limit`. */
export async function findOpenRequestsByBlocks(
  db: Db,
  entries: ReadonlyArray<{ slot: number; value: number }>,
  caseId: string,
  limit: number,
) {
  if (entries.length === 0) return [];
  return db
    .selectFrom('tracing_request_blocks as b')
    .innerJoin('tracing_requests as r', 'r.id', 'b.request_id')
    .select(['r.id', 'r.case_id', 'r.details_enc'])
    .distinct()
    .where('r.status', '=', 'open')
    .where('r.case_id', '<>', caseId)
    .where((eb) =>
      eb.or(entries.map((e) => eb.and([eb('b.slot', '=', e.slot), eb('b.value', '=', e.value)]))),
    )
    .limit(limit)
    .execute();
}

export async function closeRequest(db: Db, id: string): Promise<void> {
  await db
    .updateTable('tracing_requests')
    .set({ status: 'closed', closed_on: sql<string>`current_date` })
    .where('id', '=', id)
    .execute();
}

/** Adds a proposal unless the pair is already proposed (in either direction); true when added. */
export async function insertProposalIfNew(
  db: Db,
  row: {
    id: string;
    request_id: string;
    case_id: string | null;
    other_request_id: string | null;
    score: number;
    detail_enc: Uint8Array;
  },
): Promise<boolean> {
  let q = db.selectFrom('tracing_proposals').select('id');
  q =
    row.case_id !== null
      ? q.where('request_id', '=', row.request_id).where('case_id', '=', row.case_id)
      : q.where((eb) =>
          eb.or([
            eb.and([
              eb('request_id', '=', row.request_id),
              eb('other_request_id', '=', row.other_request_id),
            ]),
            eb.and([
              eb('request_id', '=', row.other_request_id!),
              eb('other_request_id', '=', row.request_id),
            ]),
          ]),
        );
  if ((await q.executeTakeFirst()) !== undefined) return false;
  await db
    .insertInto('tracing_proposals')
    .values({ ...row, created_on: sql<string>`current_date` })
    .execute();
  return true;
}

export function listProposalRows(db: Db, limit: number) {
  return db
    .selectFrom('tracing_proposals as p')
    .innerJoin('tracing_requests as r', 'r.id', 'p.request_id')
    .innerJoin('cases as fc', 'fc.id', 'r.case_id')
    .leftJoin('cases as sc', 'sc.id', 'p.case_id')
    .leftJoin('tracing_consents as c', 'c.proposal_id', 'p.id')
    .select([
      'p.id',
      'p.request_id',
      'p.case_id',
      'p.other_request_id',
      'p.score',
      'p.detail_enc',
      'p.status',
      'p.created_on',
      'r.case_id as family_case_id',
      'r.status as request_status',
      'r.details_enc as request_details_enc',
      'fc.ref as family_ref',
      'sc.ref as sought_ref',
      'c.status as consent_status',
      'c.allows as consent_allows',
    ])
    .where('p.status', '<>', 'rejected')
    .orderBy('p.created_on', 'desc')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

export function findProposalForUpdate(db: Db, id: string) {
  return db
    .selectFrom('tracing_proposals as p')
    .innerJoin('tracing_requests as r', 'r.id', 'p.request_id')
    .select([
      'p.id',
      'p.request_id',
      'p.case_id',
      'p.status',
      'r.case_id as family_case_id',
      'r.status as request_status',
      'r.details_enc as request_details_enc',
    ])
    .where('p.id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function setProposalStatus(
  db: Db,
  id: string,
  status: TracingProposalStatus,
  staffId: string,
): Promise<void> {
  await db
    .updateTable('tracing_proposals')
    .set({ status, decided_by: staffId, decided_on: sql<string>`current_date` })
    .where('id', '=', id)
    .execute();
}

export function findConsent(db: Db, proposalId: string) {
  return db
    .selectFrom('tracing_consents')
    .selectAll()
    .where('proposal_id', '=', proposalId)
    .executeTakeFirst();
}

export async function insertConsent(
  db: Db,
  row: {
    id: string;
    proposal_id: string;
    case_id: string;
    status: TracingConsentStatus;
    method: TracingConsentMethod;
    allows: string[];
    message_enc: Uint8Array | null;
    contact_enc: Uint8Array | null;
    recorded_by: string | null;
  },
): Promise<void> {
  await db
    .insertInto('tracing_consents')
    .values({ ...row, recorded_on: sql<string>`current_date` })
    .execute();
}

export async function withdrawConsent(db: Db, id: string): Promise<void> {
  await db
    .updateTable('tracing_consents')
    .set({ status: 'withdrawn', withdrawn_on: sql<string>`current_date` })
    .where('id', '=', id)
    .execute();
}

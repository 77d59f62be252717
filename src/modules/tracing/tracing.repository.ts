import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { TracingConsentMethod, TracingConsentStatus, TracingProposalStatus } from '../../db/types.ts';

/** Typed SQL of the tracing tables (this module owns them; nothing else writes them). */

export type RequestSource = 'applicant' | 'staff' | 'telegram' | 'partner';

export async function insertRequest(
  db: Db,
  row: {
    id: string;
    case_id: string;
    source: RequestSource;
    details_enc: Uint8Array;
    idempotency_hash?: Uint8Array | null;
    request_hash?: Uint8Array | null;
  },
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

/** The request filed under a channel's retry key, if any (a retried filing answers the first). */
export function findRequestByIdempotency(db: Db, idempotencyHash: Uint8Array) {
  return db
    .selectFrom('tracing_requests')
    .select(['id', 'case_id', 'request_hash'])
    .where('idempotency_hash', '=', idempotencyHash)
    .executeTakeFirst();
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

/** The proposal of a pair, in either direction for two requests, if there is one. */
export function findProposalOfPair(
  db: Db,
  pair: { request_id: string; case_id: string | null; other_request_id: string | null },
) {
  let q = db
    .selectFrom('tracing_proposals as p')
    .innerJoin('tracing_requests as r', 'r.id', 'p.request_id')
    .select(['p.id', 'p.status', 'p.basis', 'p.request_id', 'r.case_id as request_case_id']);
  q =
    pair.case_id !== null
      ? q.where('p.request_id', '=', pair.request_id).where('p.case_id', '=', pair.case_id)
      : q.where((eb) =>
          eb.or([
            eb.and([
              eb('p.request_id', '=', pair.request_id),
              eb('p.other_request_id', '=', pair.other_request_id),
            ]),
            eb.and([
              eb('p.request_id', '=', pair.other_request_id!),
              eb('p.other_request_id', '=', pair.request_id),
            ]),
          ]),
        );
  return q.executeTakeFirst();
}

export interface NewProposal {
  id: string;
  request_id: string;
  case_id: string | null;
  other_request_id: string | null;
  score: number;
  detail_enc: Uint8Array;
  basis?: Uint8Array | null;
}

export async function insertProposal(db: Db, row: NewProposal): Promise<void> {
  await db
    .insertInto('tracing_proposals')
    .values({ ...row, created_on: sql<string>`current_date` })
    .execute();
}

/** Adds a proposal unless the pair is already proposed (in either direction); true when added. */
export async function insertProposalIfNew(db: Db, row: NewProposal): Promise<boolean> {
  if ((await findProposalOfPair(db, row)) !== undefined) return false;
  await insertProposal(db, row);
  return true;
}

/** A dismissed pair whose data changed is proposed again: the same row, undecided, with the new comparison. */
export async function reviveProposal(
  db: Db,
  id: string,
  row: { score: number; detail_enc: Uint8Array; basis: Uint8Array },
): Promise<void> {
  await db
    .updateTable('tracing_proposals')
    .set({
      ...row,
      status: 'proposed',
      decided_by: null,
      decided_on: null,
      created_on: sql<string>`current_date`,
    })
    .where('id', '=', id)
    .where('status', '=', 'rejected')
    .execute();
}

/** Records the comparison a proposal was made on (rows from before ADR 0162 have none). */
export async function setProposalBasis(db: Db, id: string, basis: Uint8Array): Promise<void> {
  await db.updateTable('tracing_proposals').set({ basis }).where('id', '=', id).execute();
}

/** Notes that an inbox message was written by tracing (the Telegram bot never pushes its words). */
export async function insertTracingMessage(db: Db, messageId: string, requestId: string): Promise<void> {
  await db.insertInto('tracing_messages').values({ message_id: messageId, request_id: requestId }).execute();
}

/** Which of these inbox messages tracing wrote. */
export async function findTracingMessageIds(db: Db, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('tracing_messages')
    .select('message_id')
    .where('message_id', 'in', [...messageIds])
    .execute();
  return new Set(rows.map((r) => r.message_id));
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

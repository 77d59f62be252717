import type { Insertable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CaseEventsTable, CasesTable } from '../../db/types.ts';

/**
 * Typed SQL for intake. Plain functions taking `db` or `trx` first; they return rows and
 * never throw HTTP errors. Multi-row inserts keep a group-committed batch to a handful of
 * statements whatever its size.
 */

/** The rows of one new case, every personal field already encrypted (see prepareCase). */
export interface PreparedCase {
  caseId: string;
  dataKey: { subject: string; key_id: string; wrapped: Uint8Array };
  caseRow: Insertable<CasesTable> & { id: string; ref: string };
  eventRow: Insertable<CaseEventsTable>;
}

/**
 * Claims idempotency keys for a batch, before its cases exist (the foreign key to cases is
 * deferred to the commit). A key already claimed, by an earlier request or by a concurrent
 * transaction (which this statement waits for), is skipped; returns the keys claimed here.
 */
export async function claimIdempotencyKeys(
  trx: Db,
  rows: Array<{ key_hash: Uint8Array; case_id: string; request_hash: Uint8Array }>,
): Promise<Buffer[]> {
  if (rows.length === 0) return [];
  const claimed = await trx
    .insertInto('intake_idempotency')
    .values(rows)
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .returning('key_hash')
    .execute();
  return claimed.map((r) => Buffer.from(r.key_hash));
}

/** Inserts a group-committed batch: a handful of multi-row statements whatever its size. */
export async function insertSubmissionBatch(
  trx: Db,
  rows: {
    dataKeys: PreparedCase['dataKey'][];
    cases: PreparedCase['caseRow'][];
    events: PreparedCase['eventRow'][];
    codenames: Array<{ lookup_id: Uint8Array; case_enc: Uint8Array }>;
    telegramLinks: Array<{
      chat_hash: Uint8Array;
      case_id: string;
      chat_enc: Uint8Array;
      locale: 'ru' | 'uk' | 'en';
    }>;
  },
): Promise<{ codenameConflicts: number }> {
  await trx.insertInto('data_keys').values(rows.dataKeys).execute();
  await trx.insertInto('cases').values(rows.cases).execute();
  await trx.insertInto('case_events').values(rows.events).execute();
  let codenameConflicts = 0;
  if (rows.codenames.length > 0) {
    const inserted = await trx
      .insertInto('intake_codenames')
      .values(rows.codenames)
      .onConflict((oc) => oc.column('lookup_id').doNothing())
      .returning('lookup_id')
      .execute();
    codenameConflicts = rows.codenames.length - inserted.length;
  }
  if (rows.telegramLinks.length > 0)
    await trx.insertInto('intake_telegram_links').values(rows.telegramLinks).execute();
  return { codenameConflicts };
}

/** Staff replies (case_messages, direction "out") not yet delivered to a Telegram chat. */
export async function listUndeliveredTelegramReplies(db: Db, limit: number) {
  return db
    .selectFrom('intake_telegram_links as l')
    .innerJoin('case_messages as m', 'm.case_id', 'l.case_id')
    .select([
      'l.chat_hash',
      'l.case_id',
      'l.chat_enc',
      'l.locale',
      'm.id as message_id',
      'm.seq',
      'm.body_enc',
    ])
    .where('m.direction', '=', 'out')
    .whereRef('m.seq', '>', 'l.delivered_seq')
    .orderBy('m.seq')
    .limit(limit)
    .execute();
}

export async function markTelegramDelivered(db: Db, chatHash: Uint8Array, seq: number): Promise<void> {
  await db
    .updateTable('intake_telegram_links')
    .set({ delivered_seq: seq })
    .where('chat_hash', '=', chatHash)
    .where('delivered_seq', '<', seq)
    .execute();
}

export async function findIdempotencyRecords(db: Db, keyHashes: Uint8Array[]) {
  if (keyHashes.length === 0) return [];
  return db
    .selectFrom('intake_idempotency')
    .innerJoin('cases', 'cases.id', 'intake_idempotency.case_id')
    .select([
      'intake_idempotency.key_hash',
      'intake_idempotency.case_id',
      'intake_idempotency.request_hash',
      'cases.ref',
    ])
    .where('intake_idempotency.key_hash', 'in', keyHashes)
    .execute();
}

export async function findCodename(db: Db, lookupId: Uint8Array) {
  return db
    .selectFrom('intake_codenames')
    .select(['case_enc'])
    .where('lookup_id', '=', lookupId)
    .executeTakeFirst();
}

export async function findCaseRefById(db: Db, caseId: string) {
  return db.selectFrom('cases').select(['id', 'ref']).where('id', '=', caseId).executeTakeFirst();
}

export async function insertAttachment(
  db: Db,
  row: {
    id: string;
    case_id: string;
    blob_id: string;
    original_blob_id: string | null;
    media_type: 'image/jpeg' | 'image/png' | 'application/pdf';
    size_bytes: number;
    name_enc: Uint8Array;
    uploaded_by?: string | null;
  },
): Promise<void> {
  await db.insertInto('intake_attachments').values(row).execute();
}

/** Files on a case: the applicant's own (uploaded_by null), or those staff added. */
export async function countAttachments(db: Db, caseId: string, byStaff = false): Promise<number> {
  const row = await db
    .selectFrom('intake_attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('case_id', '=', caseId)
    .where('uploaded_by', byStaff ? 'is not' : 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listAttachments(db: Db, caseId: string, options: { applicantOnly: boolean }) {
  let q = db
    .selectFrom('intake_attachments')
    .select(['id', 'blob_id', 'original_blob_id', 'media_type', 'size_bytes', 'name_enc', 'created_on'])
    .where('case_id', '=', caseId);
  if (options.applicantOnly) q = q.where('uploaded_by', 'is', null);
  return q.orderBy('seq').execute();
}

export async function findAttachment(db: Db, caseId: string, attachmentId: string) {
  return db
    .selectFrom('intake_attachments')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', attachmentId)
    .executeTakeFirst();
}

/** Every blob id the database refers to (for the orphan sweep at start-up). */
export async function listBlobIds(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('intake_attachments').select(['blob_id', 'original_blob_id']).execute();
  const out = new Set<string>();
  for (const r of rows) {
    out.add(r.blob_id);
    if (r.original_blob_id !== null) out.add(r.original_blob_id);
  }
  return out;
}

export async function insertPartner(db: Db, row: { id: string; label: string; token_hash: Uint8Array }) {
  await db.insertInto('intake_partners').values(row).execute();
}

export async function findActivePartnerByTokenHash(db: Db, tokenHash: Uint8Array) {
  return db
    .selectFrom('intake_partners')
    .select(['id', 'label'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function listPartners(db: Db) {
  return db
    .selectFrom('intake_partners')
    .select(['id', 'label', 'created_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
}

export async function revokePartner(db: Db, id: string): Promise<number> {
  const r = await db
    .updateTable('intake_partners')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function findTelegramLinkByChat(db: Db, chatHash: Uint8Array) {
  return db
    .selectFrom('intake_telegram_links')
    .select(['case_id', 'locale'])
    .where('chat_hash', '=', chatHash)
    .executeTakeFirst();
}

export async function findTelegramLinkByCase(db: Db, caseId: string) {
  return db
    .selectFrom('intake_telegram_links')
    .select(['chat_enc', 'locale', 'case_id'])
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

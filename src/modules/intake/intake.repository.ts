import { CompiledQuery, sql } from 'kysely';
import { type Db, toBuffer } from '../../db/database.ts';
import type { SealedNewCase } from '../cases/index.ts';

/**
 * Typed SQL for intake. Plain functions taking `db` or `trx` first; they return rows and
 * never throw HTTP errors. Multi-row inserts keep a group-committed batch to a handful of
 * statements whatever its size.
 */

/**
 * One new case ready to commit (see prepareCase): its wrapped data key (the keys module stores
 * it) and its sealed rows (the cases module inserts them), every personal field encrypted.
 */
export interface PreparedCase extends SealedNewCase {
  caseId: string;
  dataKey: { subject: string; key_id: string; wrapped: Uint8Array };
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
  // One array per column (see insertSubmissionBatch): no per-value query building.
  const claimed = await trx.executeQuery<{ key_hash: Uint8Array }>(
    CompiledQuery.raw(
      `insert into intake_idempotency (key_hash, case_id, request_hash)
       select * from unnest($1::bytea[], $2::uuid[], $3::bytea[])
       on conflict (key_hash) do nothing
       returning key_hash`,
      [rows.map((r) => r.key_hash), rows.map((r) => r.case_id), rows.map((r) => r.request_hash)],
    ),
  );
  return claimed.rows.map((r) => toBuffer(r.key_hash));
}

/** Which of these case ids exist (a group-commit batch retried after an unknown outcome). */
export async function findExistingCaseIds(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('cases').select('id').where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}

/** Intake's own rows of a group-committed batch (see insertSubmissionBatch). */
export interface SubmissionBatchRows {
  codenames: Array<{ lookup_id: Uint8Array; case_enc: Uint8Array }>;
  telegramLinks: Array<{
    chat_hash: Uint8Array;
    case_id: string;
    chat_enc: Uint8Array;
    locale: 'ru' | 'uk' | 'en';
  }>;
}

/**
 * One statement per batch whatever its size: each table's rows arrive as one array per
 * column and are unpacked by `unnest`, so the statement's text never changes (no 200 × 8
 * placeholders to build and parse) and the driver sends a fixed number of parameters.
 */
const INSERT_BATCH = {
  telegram: `tl as (insert into intake_telegram_links (chat_hash, case_id, chat_enc, locale)
      select * from unnest($1::bytea[], $2::uuid[], $3::bytea[], $4::text[]))`,
  codenames: (first: number) => `cn as (insert into intake_codenames (lookup_id, case_enc)
      select * from unnest($${first}::bytea[], $${first + 1}::bytea[])
      on conflict (lookup_id) do nothing returning 1)`,
};

/**
 * Inserts intake's rows of a group-committed batch in one statement: Telegram links and
 * codename credentials, each a data-modifying CTE. The batch's data keys and cases are
 * already in (the keys and cases modules insert them first, in the same transaction), so the
 * links' and codenames' foreign keys hold. Returns how many codenames were already taken
 * (the caller then fails the batch: a codename never links a second case).
 *
 * No query builder: for a batch of 200 the builder's per-value work (multi-row VALUES) was
 * about a tenth of an intake's CPU.
 */
export async function insertSubmissionBatch(
  trx: Db,
  rows: SubmissionBatchRows,
): Promise<{ codenameConflicts: number }> {
  const { telegramLinks: tl, codenames: cn } = rows;
  if (tl.length === 0 && cn.length === 0) return { codenameConflicts: 0 };
  const column = <T, K extends keyof T>(list: readonly T[], key: K): Array<T[K]> => list.map((r) => r[key]);
  const ctes: string[] = [];
  const parameters: unknown[] = [];
  if (tl.length > 0) {
    ctes.push(INSERT_BATCH.telegram);
    parameters.push(
      column(tl, 'chat_hash'),
      column(tl, 'case_id'),
      column(tl, 'chat_enc'),
      column(tl, 'locale'),
    );
  }
  let tail = 'select 0 as codenames';
  if (cn.length > 0) {
    ctes.push(INSERT_BATCH.codenames(parameters.length + 1));
    parameters.push(column(cn, 'lookup_id'), column(cn, 'case_enc'));
    tail = 'select (select count(*) from cn)::int as codenames';
  }
  const text = `with ${ctes.join(',\n    ')}\n    ${tail}`;
  const result = await trx.executeQuery<{ codenames: number }>(CompiledQuery.raw(text, parameters));
  const inserted = Number(result.rows[0]?.codenames ?? 0);
  return { codenameConflicts: cn.length - inserted };
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

/** Which of `ids` are files of the case (read only; the ledger checks a reward's evidence with it). */
export async function findCaseAttachmentIds(
  db: Db,
  caseId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('intake_attachments')
    .select('id')
    .where('case_id', '=', caseId)
    .where('id', 'in', [...ids])
    .execute();
  return rows.map((r) => r.id);
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

/**
 * Deletes idempotency records created before `keepDays` whole days ago (ADR 0091). Records
 * carry only their day, so "before yesterday" means at least 24 hours old, well past the web
 * form's one-hour window. Returns how many went.
 */
export async function purgeIdempotencyRecords(db: Db, keepDays: number): Promise<number> {
  const result = await db
    .deleteFrom('intake_idempotency')
    .where('created_on', '<', sql<string>`current_date - ${sql.lit(keepDays)}::int`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes a case's attachments (erasure, ADR 0139) and returns every blob they named. */
export async function deleteAttachmentsOfCase(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('intake_attachments')
    .where('case_id', '=', caseId)
    .returning(['blob_id', 'original_blob_id'])
    .execute();
  return rows.flatMap((r) => (r.original_blob_id === null ? [r.blob_id] : [r.blob_id, r.original_blob_id]));
}

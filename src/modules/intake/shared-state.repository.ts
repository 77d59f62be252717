import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * The intake state that several instances share (ADR 0117): applicant sessions, Telegram
 * conversations in progress and attachment ciphertexts on PostgreSQL (ADR 0115). Rows only;
 * the callers encrypt and decrypt.
 */

export async function insertApplicantSession(
  db: Db,
  row: { token_hash: Buffer; case_enc: Buffer; last_seen: Date },
): Promise<void> {
  await db.insertInto('applicant_sessions').values(row).execute();
}

/**
 * Marks a session used now, if it was used after `idleSince`; returns its encrypted case id.
 * One statement on every applicant page, so its transaction does not wait for the WAL flush
 * (synchronous_commit off, for it alone): a crash can at most forget that a session was used
 * in its last moments, which shortens its idle time.
 */
export async function touchApplicantSession(db: Db, tokenHash: Buffer, now: Date, idleSince: Date) {
  const result = await sql<{ case_enc: Uint8Array }>`
    with relaxed as (select set_config('synchronous_commit', 'off', true) as v)
    update applicant_sessions set last_seen = ${now}
    from relaxed
    where token_hash = ${tokenHash} and last_seen > ${idleSince}
    returning case_enc
  `.execute(db);
  return result.rows[0];
}

export async function deleteApplicantSession(db: Db, tokenHash: Buffer): Promise<void> {
  await db.deleteFrom('applicant_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteIdleApplicantSessions(db: Db, idleSince: Date): Promise<void> {
  await db.deleteFrom('applicant_sessions').where('last_seen', '<=', idleSince).execute();
}

export async function findTelegramConversation(db: Db, chatHash: Buffer, idleSince: Date) {
  return db
    .selectFrom('telegram_conversations')
    .select('state_enc')
    .where('chat_hash', '=', chatHash)
    .where('touched_at', '>', idleSince)
    .executeTakeFirst();
}

export async function saveTelegramConversation(
  db: Db,
  row: { chat_hash: Buffer; state_enc: Buffer; touched_at: Date },
): Promise<void> {
  await db
    .insertInto('telegram_conversations')
    .values(row)
    .onConflict((oc) =>
      oc.column('chat_hash').doUpdateSet({ state_enc: row.state_enc, touched_at: row.touched_at }),
    )
    .execute();
}

export async function deleteTelegramConversation(db: Db, chatHash: Buffer): Promise<void> {
  await db.deleteFrom('telegram_conversations').where('chat_hash', '=', chatHash).execute();
}

/** Removes conversations idle since `idleSince`, or all of them (a seal). */
export async function deleteTelegramConversations(db: Db, idleSince?: Date): Promise<void> {
  let q = db.deleteFrom('telegram_conversations');
  if (idleSince !== undefined) q = q.where('touched_at', '<=', idleSince);
  await q.execute();
}

export async function insertBlobChunks(db: Db, blobId: string, chunks: Buffer[]): Promise<void> {
  if (chunks.length === 0) return;
  await db
    .insertInto('blob_chunks')
    .values(chunks.map((data, chunk) => ({ blob_id: blobId, chunk, data })))
    .execute();
}

export async function listBlobChunks(db: Db, blobId: string): Promise<Buffer[]> {
  const rows = await db
    .selectFrom('blob_chunks')
    .select('data')
    .where('blob_id', '=', blobId)
    .orderBy('chunk')
    .execute();
  return rows.map((r) => Buffer.from(r.data));
}

export async function deleteBlobChunks(db: Db, blobIds: string[]): Promise<void> {
  if (blobIds.length === 0) return;
  await db.deleteFrom('blob_chunks').where('blob_id', 'in', blobIds).execute();
}

/** Blobs no attachment refers to (a crash between writing the chunks and committing the row). */
export async function deleteUnreferencedBlobChunks(db: Db): Promise<number> {
  const result = await sql`
    delete from blob_chunks b
    where not exists (
      select 1 from intake_attachments a where a.blob_id = b.blob_id or a.original_blob_id = b.blob_id
    )
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

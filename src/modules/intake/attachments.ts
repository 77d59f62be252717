import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  createEncryptStream,
  type DataKey,
  decryptFieldText,
  decryptStreamBuffer,
  encryptField,
  randomToken,
} from '../../crypto/index.ts';
import { AppError } from '../../platform/errors.ts';
import { admitShared } from '../../platform/rate-limit.ts';
import { BusyError } from '../../platform/slots.ts';
import { recordAudit } from '../audit/index.ts';
import { authoriseCase, findCaseById } from '../case-access/index.ts';
import { subjectOf } from '../cases/index.ts';
import { openSubjectKey } from '../keys/index.ts';
import type { CaseEraser } from '../retention/index.ts';
import { DatabaseBlobStore } from './blob-store.ts';
import { type AllowedType, FileRejected, inspectUpload, safeFileName } from './file-checks.ts';
import {
  countAttachments,
  deleteAttachmentsOfCase,
  findAttachment,
  insertAttachment,
  listAttachments,
} from './intake.repository.ts';
import type { IntakeRuntime } from './intake.service.ts';

/**
 * Encrypted attachments. Plaintext exists only in memory (bounded by the upload limit); the
 * blob store (ADR 0115: PostgreSQL's `blob_chunks` table, or a directory on PGlite) only ever
 * sees ciphertext, stored in the same transaction as the row that refers to it.
 */
export const MAX_ATTACHMENTS_PER_CASE = 20;
/** Staff uploads (scans for an asylum file, letters) have their own, larger cap per case. */
export const MAX_STAFF_DOCUMENTS_PER_CASE = 200;

/** Who adds a file: the applicant (authenticated by codename), or a staff member on the case file. */
export type Uploader = { kind: 'applicant' } | { kind: 'staff'; staffId: string; ref: string };

async function encryptBlob(key: DataKey, attachmentId: string, column: string, data: Buffer) {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([data]),
    createEncryptStream(key, { table: 'intake_attachments', column, rowId: attachmentId }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) parts.push(part);
    },
  );
  return { blobId: randomToken(), ciphertext: Buffer.concat(parts) };
}

/** At start-up: removes ciphertexts no committed row refers to (and partial files). */
export async function sweepBlobs(ctx: AppContext, rt: IntakeRuntime, now = Date.now()): Promise<number> {
  return rt.blobs.sweep(ctx, now);
}

/** The error an applicant or staff member sees for a refused file (an encrypted PDF has its own). */
function rejectionError(rejected: FileRejected): AppError {
  if (rejected.reason === 'type') {
    return new AppError('unsupported_media_type', 'file type', { fields: { file: 'attach.error.type' } });
  }
  if (rejected.reason === 'encrypted') {
    return new AppError('validation_failed', 'encrypted file', {
      fields: { file: 'attach.error.encrypted' },
    });
  }
  return new AppError('validation_failed', 'damaged file', { fields: { file: 'attach.error.damaged' } });
}

/**
 * Stores an upload for the applicant's own case: checked by magic bytes, metadata stripped
 * from the copy staff see, the original kept (encrypted) only if asked.
 */
/**
 * Whether the applicant of a case may upload files. Not on a case opened through a contact
 * code (the high-assurance path, ADR 0160): a file is the easiest way to send a classified
 * document, and its marks or metadata can identify the sender.
 */
export async function applicantUploadsAllowed(ctx: AppContext, caseId: string): Promise<boolean> {
  const row = await findCaseById(ctx.database.db, caseId);
  return row !== undefined && !row.restricted;
}

export async function addAttachment(
  ctx: AppContext,
  rt: IntakeRuntime,
  caseId: string,
  upload: {
    data: Buffer;
    fileName: string | undefined;
    keepOriginal: boolean;
    /** Kept as an evidence item too (ADR 0134); the applicant's "keep the original as evidence" means yes. */
    asEvidence?: 'staff_upload' | 'interview';
  },
  uploader: Uploader = { kind: 'applicant' },
): Promise<{ id: string; type: AllowedType }> {
  ctx.vault.requireKeyring();
  if (uploader.kind === 'applicant' && !(await applicantUploadsAllowed(ctx, caseId))) {
    throw new AppError('validation_failed', 'uploads are off on this path', {
      fields: { file: 'attach.error.restricted' },
    });
  }
  if (upload.data.length === 0) {
    throw new AppError('validation_failed', 'empty upload', { fields: { file: 'attach.error.missing' } });
  }
  // The bytes exactly as they arrived, before any check or stripping (evidence hashes them here).
  const arrived = rt.arrivals.map((observe) => observe(upload.data));
  const evidenceChannel =
    uploader.kind === 'applicant'
      ? upload.keepOriginal
        ? 'applicant_upload'
        : undefined
      : upload.asEvidence;
  if ((await admitShared([[rt.limits.uploads, caseId]])) !== undefined) {
    throw new AppError('rate_limited', 'upload limit', { retryAfter: rt.limits.uploads.retryAfter() });
  }
  let inspected: Awaited<ReturnType<typeof inspectUpload>>;
  try {
    inspected = await inspectUpload(upload.data);
  } catch (error) {
    if (error instanceof FileRejected) throw rejectionError(error);
    if (error instanceof BusyError) {
      throw new AppError('overloaded', 'file checks busy', { retryAfter: 30 });
    }
    throw error;
  }
  const db = ctx.database.db;
  const staffId = uploader.kind === 'staff' ? uploader.staffId : null;
  const cap = staffId === null ? MAX_ATTACHMENTS_PER_CASE : MAX_STAFF_DOCUMENTS_PER_CASE;
  if ((await countAttachments(db, caseId, staffId !== null)) >= cap) {
    throw new AppError('validation_failed', 'too many files', { fields: { file: 'attach.error.count' } });
  }
  const id = randomUUID();
  const key = await openSubjectKey(db, ctx.vault, subjectOf(caseId));
  const written: string[] = [];
  try {
    const cleaned = await encryptBlob(key, id, 'blob', inspected.cleaned);
    const original = upload.keepOriginal ? await encryptBlob(key, id, 'original', upload.data) : undefined;
    await db.transaction().execute(async (trx) => {
      for (const blob of original === undefined ? [cleaned] : [cleaned, original]) {
        written.push(blob.blobId);
        await rt.blobs.put(trx, blob.blobId, blob.ciphertext);
      }
      const fileName = safeFileName(upload.fileName, inspected.type);
      await insertAttachment(trx, {
        id,
        case_id: caseId,
        blob_id: cleaned.blobId,
        original_blob_id: original?.blobId ?? null,
        media_type: inspected.type,
        size_bytes: inspected.cleaned.length,
        uploaded_by: staffId,
        name_enc: encryptField(key, fileName, {
          table: 'intake_attachments',
          column: 'name',
          rowId: id,
        }),
      });
      await recordAudit(
        trx,
        uploader.kind === 'staff'
          ? { actor: uploader.staffId, action: 'case.document_add', target: `case:${uploader.ref}` }
          : { actor: 'applicant', action: 'intake.attachment_add', target: `attachment:${id}` },
      );
      if (evidenceChannel !== undefined) {
        for (const keep of arrived) {
          await keep(trx, {
            caseId,
            attachmentId: id,
            channel: evidenceChannel,
            receivedBy: staffId ?? 'applicant',
            fileName,
            type: inspected.type,
            key,
          });
        }
      }
    });
  } catch (error) {
    await rt.blobs.discard(written);
    throw error;
  } finally {
    key.dispose();
  }
  return { id, type: inspected.type };
}

export interface AttachmentSummary {
  id: string;
  name: string;
  type: AllowedType;
  size: number;
  on: string;
  hasOriginal: boolean;
}

/**
 * The applicant's own files (names only). Documents staff added to the case are not shown
 * to the applicant: they may be internal (a lawyer's draft, a vetting note), and the
 * applicant's device is the easiest one to seize.
 */
export async function listOwnAttachments(ctx: AppContext, caseId: string): Promise<AttachmentSummary[]> {
  return summarise(ctx, caseId, { applicantOnly: true });
}

async function summarise(
  ctx: AppContext,
  caseId: string,
  options: { applicantOnly: boolean },
): Promise<AttachmentSummary[]> {
  const db = ctx.database.db;
  const rows = await listAttachments(db, caseId, options);
  if (rows.length === 0) return [];
  const key = await openSubjectKey(db, ctx.vault, subjectOf(caseId));
  try {
    return rows.map((r) => ({
      id: r.id,
      name: decryptFieldText(key, Buffer.from(r.name_enc), {
        table: 'intake_attachments',
        column: 'name',
        rowId: r.id,
      }),
      type: r.media_type,
      size: r.size_bytes,
      on: r.created_on,
      hasOriginal: r.original_blob_id !== null,
    }));
  } finally {
    key.dispose();
  }
}

/** Staff: the files of a case they may read (404 otherwise, through the cases module's rules). */
export async function listCaseAttachments(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
): Promise<AttachmentSummary[]> {
  const { row } = await authoriseCase(ctx.database.db, actor, ref, 'content');
  return summarise(ctx, row.id, { applicantOnly: false });
}

/**
 * Staff: answers 404 unless the actor may add documents to the case, so that the upload
 * route refuses before it reads any file. `addCaseDocument` checks again in its own work.
 */
export async function authoriseCaseDocument(ctx: AppContext, actor: Actor, ref: unknown): Promise<string> {
  return (await authoriseCase(ctx.database.db, actor, ref, 'write')).row.ref;
}

/**
 * Staff: adds a document to a case they may write (404 otherwise), through the same checks,
 * stripping and encryption as the applicant's uploads (never the unstripped original). It
 * shows in the case timeline, not in the applicant's inbox.
 */
export async function addCaseDocument(
  ctx: AppContext,
  rt: IntakeRuntime,
  actor: Actor,
  ref: unknown,
  upload: {
    data: Buffer;
    fileName: string | undefined;
    truncated?: boolean;
    asEvidence?: 'staff_upload' | 'interview';
  },
): Promise<{ id: string; ref: string; type: AllowedType }> {
  const { row } = await authoriseCase(ctx.database.db, actor, ref, 'write');
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  if (upload.truncated === true) {
    throw new AppError('payload_too_large', 'upload too large', { fields: { file: 'attach.error.size' } });
  }
  const added = await addAttachment(
    ctx,
    rt,
    row.id,
    {
      data: upload.data,
      fileName: upload.fileName,
      keepOriginal: false,
      ...(upload.asEvidence === undefined ? {} : { asEvidence: upload.asEvidence }),
    },
    { kind: 'staff', staffId: actor.id, ref: row.ref },
  );
  return { ...added, ref: row.ref };
}

/** Staff: one file, decrypted (the stripped copy unless `original`), audited. */
export async function readCaseAttachment(
  ctx: AppContext,
  rt: IntakeRuntime,
  actor: Actor,
  ref: unknown,
  attachmentId: string,
  options: { original?: boolean } = {},
): Promise<{ name: string; type: AllowedType; data: Buffer }> {
  const db = ctx.database.db;
  const { row } = await authoriseCase(db, actor, ref, 'content');
  if (!/^[0-9a-f-]{36}$/.test(attachmentId)) throw new AppError('not_found', 'bad attachment id');
  const att = await findAttachment(db, row.id, attachmentId);
  const blobId = options.original === true ? att?.original_blob_id : att?.blob_id;
  if (att === undefined || blobId === null || blobId === undefined)
    throw new AppError('not_found', 'no such attachment');
  const key = await openSubjectKey(db, ctx.vault, subjectOf(row.id));
  try {
    const data = decryptStreamBuffer(key, await rt.blobs.get(db, blobId), {
      table: 'intake_attachments',
      column: options.original === true ? 'original' : 'blob',
      rowId: att.id,
    });
    const name = decryptFieldText(key, Buffer.from(att.name_enc), {
      table: 'intake_attachments',
      column: 'name',
      rowId: att.id,
    });
    await recordAudit(db, {
      actor: actor.kind === 'cli' ? 'cli' : actor.id,
      action: options.original === true ? 'intake.attachment_read_original' : 'intake.attachment_read',
      target: `case:${row.ref}`,
      reason: `attachment ${att.id}`,
    });
    return { name, type: att.media_type, data };
  } finally {
    key.dispose();
  }
}

/**
 * The intake module's part of erasing a case (ADR 0139): its attachments' rows, and their
 * ciphertexts — in the erasing transaction on PostgreSQL (`blob_chunks`), after it commits in
 * the blob directory (a crash in between leaves files nobody refers to, which the start-up
 * sweep removes; they are unreadable anyway once the case key is destroyed).
 */
export function attachmentsEraser(rt: IntakeRuntime): CaseEraser {
  return {
    module: 'intake',
    async erase(trx, caseId) {
      const ids = await deleteAttachmentsOfCase(trx, caseId);
      if (ids.length === 0) return undefined;
      const store = rt.blobs;
      if (store instanceof DatabaseBlobStore) {
        await store.remove(trx, ids);
        return undefined;
      }
      return { afterCommit: () => store.discard(ids) };
    },
  };
}

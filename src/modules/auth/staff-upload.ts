import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { verifyCsrf } from './staff-session.ts';

/**
 * Reads a staff form sent as multipart/form-data with one file (the vetting watchlist, the
 * ledger's bank statement). The /staff guard checks the CSRF field of a parsed body, but a
 * multipart body is a stream: the form sends its CSRF field first, and it is checked here
 * before a byte of the file is read. Only the named fields are kept; a file over `fileSize` is
 * cut short and reported as `truncated` (the caller refuses it).
 */
export async function readStaffUpload(
  ctx: AppContext,
  request: FastifyRequest,
  options: { fileSize: number; fields: readonly string[]; fieldSize?: number },
): Promise<{
  fields: Record<string, string>;
  file: Buffer | undefined;
  truncated: boolean;
  /** The file's name as the browser sent it (untrusted: store it encrypted, show it escaped). */
  fileName?: string | undefined;
}> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'not multipart');
  const fields: Record<string, string> = {};
  let file: Buffer | undefined;
  let truncated = false;
  let fileName: string | undefined;
  let csrfChecked = false;
  const checkCsrf = () => {
    if (csrfChecked) return;
    request.body = { _csrf: fields._csrf };
    verifyCsrf(ctx, request);
    csrfChecked = true;
  };
  const wanted = new Set(['_csrf', ...options.fields]);
  for await (const part of request.parts({
    limits: {
      fileSize: options.fileSize,
      files: 1,
      fields: wanted.size,
      fieldSize: options.fieldSize ?? 400,
      parts: wanted.size + 2,
      headerPairs: 20,
    },
  })) {
    if (part.type === 'field') {
      if (typeof part.value === 'string' && wanted.has(part.fieldname)) fields[part.fieldname] = part.value;
      continue;
    }
    checkCsrf();
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
    truncated = part.file.truncated;
    file = Buffer.concat(chunks);
    fileName = part.filename.slice(0, 200);
  }
  checkCsrf();
  return { fields, file, truncated, fileName };
}

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { DataKey } from './envelope.ts';
import { DecryptionError, random } from './primitives.ts';

/**
 * Streaming authenticated encryption for files (ADR 0044), the STREAM construction
 * (Hoang, Reyhanitabar, Rogaway, Vizár) over AES-256-GCM:
 *
 *   header  = "SBL1" | prefix (7 random bytes)
 *   chunk i = AES-256-GCM(key, nonce = prefix | i (u32 BE) | last (0 or 1), aad, ≤ 64 KiB) | tag
 *
 * The associated data binds the file to its table, column and row, like encryptField.
 * Reordering, dropping or truncating chunks fails (the counter and the "last" flag are in
 * the nonce). Plaintext exists only in memory, one chunk at a time: nothing unencrypted
 * ever reaches a disk, temporary files included.
 */
export const STREAM_CHUNK = 64 * 1024;
const TAG = 16;
const MAGIC = Buffer.from('SBL1', 'ascii');
const HEADER = MAGIC.length + 7;

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function streamAad(binding: { table: string; column: string; rowId: string }): Buffer {
  return Buffer.from(`sanctuary/stream/v1|${binding.table}|${binding.column}|${binding.rowId}`, 'utf8');
}

function sealChunk(
  key: Buffer,
  prefix: Buffer,
  index: number,
  last: boolean,
  aad: Buffer,
  data: Buffer,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index, last));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

/** A Transform that encrypts whatever passes through it. */
export function createEncryptStream(
  dataKey: DataKey,
  binding: { table: string; column: string; rowId: string },
): Transform {
  const key = Buffer.from(dataKey.material);
  const prefix = random(7);
  const aad = streamAad(binding);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let headerSent = false;
  const emitHeader = (t: Transform) => {
    if (!headerSent) {
      t.push(Buffer.concat([MAGIC, prefix]));
      headerSent = true;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      emitHeader(this);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Keep at least one byte back so that the final chunk is never empty unless the file is.
      while (pending.length > STREAM_CHUNK) {
        this.push(sealChunk(key, prefix, index, false, aad, pending.subarray(0, STREAM_CHUNK)));
        index += 1;
        pending = pending.subarray(STREAM_CHUNK);
      }
      done();
    },
    flush(done: TransformCallback) {
      emitHeader(this);
      this.push(sealChunk(key, prefix, index, true, aad, pending));
      key.fill(0);
      done();
    },
  });
}

/** Decrypts a whole encrypted file held in memory (for staff downloads and tests). */
export function decryptStreamBuffer(
  dataKey: DataKey,
  blob: Buffer,
  binding: { table: string; column: string; rowId: string },
): Buffer {
  if (blob.length < HEADER + TAG || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new DecryptionError('not a Sanctuary stream');
  }
  const prefix = blob.subarray(MAGIC.length, HEADER);
  const aad = streamAad(binding);
  const out: Buffer[] = [];
  let offset = HEADER;
  for (let index = 0; ; index += 1) {
    const remaining = blob.length - offset;
    const last = remaining <= STREAM_CHUNK + TAG;
    const size = last ? remaining : STREAM_CHUNK + TAG;
    if (size < TAG) throw new DecryptionError('truncated stream');
    const body = blob.subarray(offset, offset + size - TAG);
    const tag = blob.subarray(offset + size - TAG, offset + size);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey.material, nonce(prefix, index, last));
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      out.push(decipher.update(body), decipher.final());
    } catch (cause) {
      throw new DecryptionError('stream authentication failed', { cause });
    }
    offset += size;
    if (last) break;
  }
  return Buffer.concat(out);
}

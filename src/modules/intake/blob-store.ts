import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { listBlobIds } from './intake.repository.ts';
import {
  deleteBlobChunks,
  deleteUnreferencedBlobChunks,
  insertBlobChunks,
  listBlobChunks,
} from './shared-state.repository.ts';

/**
 * Where attachment ciphertexts live (ADR 0115). Callers hand over ciphertext only (encrypted
 * under the case key before it gets here). `put` runs inside the transaction that inserts the
 * row referring to the blob, so a blob is durable no later than the row that names it.
 *
 * - PostgreSQL: the `blob_chunks` table, in 1 MiB chunks, written in that same transaction:
 *   every instance reads it, streaming replication and backups carry it, and a failed
 *   transaction leaves nothing behind.
 * - PGlite (one process by construction): a directory under the data directory, as before.
 */
export interface BlobStore {
  readonly kind: 'directory' | 'database';
  put(trx: Db, blobId: string, ciphertext: Buffer): Promise<void>;
  get(db: Db, blobId: string): Promise<Buffer>;
  /** Cleans up after a failed transaction (the directory's files; the database rolled back its own). */
  discard(blobIds: string[]): Promise<void>;
  /** At start-up: removes what no committed row refers to. */
  sweep(ctx: AppContext, now?: number): Promise<number>;
}

/** Rows of at most this many bytes: well under PostgreSQL's 1 GB field limit, and cheap to stream. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

const BLOB_ID = /^[A-Za-z0-9_-]{43}$/;

function checkId(blobId: string): string {
  if (!BLOB_ID.test(blobId)) throw new Error('invalid blob id');
  return blobId;
}

/** The blob store for this database: the table on PostgreSQL, the directory on PGlite. */
export function createBlobStore(ctx: AppContext, dir: string): BlobStore {
  return ctx.database.kind === 'postgres' ? new DatabaseBlobStore() : new DirectoryBlobStore(dir);
}

export class DatabaseBlobStore implements BlobStore {
  readonly kind = 'database';

  async put(trx: Db, blobId: string, ciphertext: Buffer): Promise<void> {
    const chunks: Buffer[] = [];
    for (let at = 0; at < ciphertext.length || chunks.length === 0; at += BLOB_CHUNK_BYTES) {
      chunks.push(ciphertext.subarray(at, at + BLOB_CHUNK_BYTES));
    }
    await insertBlobChunks(trx, checkId(blobId), chunks);
  }

  async get(db: Db, blobId: string): Promise<Buffer> {
    const chunks = await listBlobChunks(db, checkId(blobId));
    if (chunks.length === 0) throw new Error('blob missing');
    return Buffer.concat(chunks);
  }

  async discard(): Promise<void> {}

  async sweep(ctx: AppContext): Promise<number> {
    return deleteUnreferencedBlobChunks(ctx.database.db);
  }

  /** Removes blobs whose rows are gone (retention, case deletion). */
  async remove(db: Db, blobIds: string[]): Promise<void> {
    await deleteBlobChunks(db, blobIds.map(checkId));
  }
}

/**
 * Ciphertexts as files: written to `tmp/`, fsynced, renamed into place and the directory
 * fsynced, all before the row that refers to them commits. A crash leaves at most an
 * unreferenced ciphertext, which `sweep` removes at the next start.
 */
export class DirectoryBlobStore implements BlobStore {
  readonly kind = 'directory';
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(blobId: string): string {
    return join(this.dir, checkId(blobId));
  }

  async put(_trx: Db, blobId: string, ciphertext: Buffer): Promise<void> {
    const tmp = join(this.dir, 'tmp', `${checkId(blobId)}.part`);
    await writeFile(tmp, ciphertext, { mode: 0o600, flag: 'wx' });
    await fsync(tmp);
    await rename(tmp, this.#path(blobId));
    await fsync(this.dir);
  }

  async get(_db: Db, blobId: string): Promise<Buffer> {
    return readFile(this.#path(blobId));
  }

  async discard(blobIds: string[]): Promise<void> {
    for (const id of blobIds) {
      await rm(join(this.dir, 'tmp', `${checkId(id)}.part`), { force: true });
      await rm(this.#path(id), { force: true });
    }
  }

  async sweep(ctx: AppContext, now = Date.now()): Promise<number> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
    let removed = 0;
    for (const name of await readdir(join(this.dir, 'tmp'))) {
      await rm(join(this.dir, 'tmp', name), { force: true });
      removed += 1;
    }
    const referenced = await listBlobIds(ctx.database.db);
    for (const name of await readdir(this.dir)) {
      if (name === 'tmp' || referenced.has(name)) continue;
      const info = await stat(join(this.dir, name));
      if (now - info.mtimeMs > 60 * 60_000 || !BLOB_ID.test(name)) {
        await rm(join(this.dir, name), { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

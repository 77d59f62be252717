import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from './app.ts';

/**
 * Every stored attachment ciphertext, by blob id, wherever this database keeps them
 * (ADR 0115): the `blob_chunks` table on PostgreSQL, the blob directory on PGlite.
 */
export async function storedBlobs(t: Pick<TestApp, 'ctx' | 'dataDir'>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (t.ctx.database.kind === 'postgres') {
    const rows = await t.ctx.database.db
      .selectFrom('blob_chunks')
      .select(['blob_id', 'data'])
      .orderBy('blob_id')
      .orderBy('chunk')
      .execute();
    for (const r of rows)
      out.set(r.blob_id, Buffer.concat([out.get(r.blob_id) ?? Buffer.alloc(0), Buffer.from(r.data)]));
    return out;
  }
  const dir = join(t.dataDir, 'blobs');
  for (const name of readdirSync(dir)) {
    if (name !== 'tmp') out.set(name, readFileSync(join(dir, name)));
  }
  return out;
}

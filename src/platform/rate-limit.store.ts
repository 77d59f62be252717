import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SharedCounts } from './rate-limit.ts';

/**
 * The shared rate-limit counts in PostgreSQL (ADR 0117): `rate_limit_counts`, one row per
 * bucket and window, removed after the window by `sweep`. One statement counts every limiter
 * of a request.
 */
const SWEEP_EVERY_MS = 60_000;

export function databaseCounts(
  db: () => Db,
  bucketOf: (text: string) => Buffer | undefined,
): SharedCounts & {
  sweep(now?: number): Promise<void>;
} {
  let swept = 0;
  const sweep = async (now = Date.now()) => {
    swept = now;
    await db().deleteFrom('rate_limit_counts').where('expires_at', '<', new Date(now)).execute();
  };
  return {
    bucketOf,
    async add(buckets) {
      if (buckets.length === 0) return [];
      // Past windows' rows go, at most once a minute per instance (one indexed delete).
      if (Date.now() - swept > SWEEP_EVERY_MS) await sweep();
      // A count lost in a crash costs nothing worth a disk flush: this one statement's
      // transaction commits without waiting for the WAL (synchronous_commit off, for it alone).
      const rows = await sql<{ bucket: Buffer; hits: number }>`
        with relaxed as (select set_config('synchronous_commit', 'off', true) as v)
        insert into rate_limit_counts (bucket, hits, expires_at)
        select v.bucket, 1, v.expires_at
        from (values ${sql.join(buckets.map((b) => sql`(${b.bucket}::bytea, ${new Date(b.expiresAt)}::timestamptz)`))})
          as v (bucket, expires_at), relaxed
        on conflict (bucket) do update set hits = rate_limit_counts.hits + 1
        returning bucket, hits
      `.execute(db());
      const byBucket = new Map(rows.rows.map((r) => [Buffer.from(r.bucket).toString('hex'), Number(r.hits)]));
      return buckets.map((b) => byBucket.get(b.bucket.toString('hex')) ?? 0);
    },
    async takeBack(buckets) {
      if (buckets.length === 0) return;
      await db()
        .updateTable('rate_limit_counts')
        .set((eb) => ({ hits: eb('hits', '-', 1) }))
        .where('bucket', 'in', [...buckets])
        .execute();
    },
    sweep,
  };
}

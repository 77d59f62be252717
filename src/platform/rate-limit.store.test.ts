import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../../test/support/db.ts';
import type { SanctuaryDatabase } from '../db/database.ts';
import { databaseCounts } from './rate-limit.store.ts';
import { admitShared, RateLimiter } from './rate-limit.ts';

/**
 * Rate limits that several instances share (ADR 0117), from the flooder's side: requests that
 * alternate between two instances (two limiters with their own memory, one database) get the
 * allowance once, not once per instance. A fixed clock: nothing depends on the machine's speed.
 */
describe('shared rate limits', () => {
  let database: SanctuaryDatabase;
  const now = 1_800_000_000_000;
  const clock = () => now;
  const bucketOf = (text: string) => createHash('sha256').update(`test|${text}`).digest();

  beforeAll(async () => {
    database = await testDb();
  });
  afterAll(async () => database.close());

  const instance = (name: string, limit: number) => {
    const counts = databaseCounts(() => database.db, bucketOf);
    return new RateLimiter({ limit, windowMs: 60_000, clock }).shareThrough(name, counts);
  };

  it('admits a client its allowance once across two instances, not twice', async () => {
    const a = instance('t.client', 5);
    const b = instance('t.client', 5);
    let admitted = 0;
    for (let i = 0; i < 10; i += 1) {
      if ((await admitShared([[i % 2 === 0 ? a : b, 'flooder']])) === undefined) admitted += 1;
    }
    expect(admitted).toBe(5);
    // Once it knows, an instance refuses locally: the count stays at the allowance.
    const row = await database.db.selectFrom('rate_limit_counts').select('hits').executeTakeFirstOrThrow();
    expect(row.hits).toBe(5);
    // Another client is unaffected.
    expect(await admitShared([[a, 'someone else']])).toBeUndefined();
  });

  it('a refused request uses up nothing of the global allowance, on any instance', async () => {
    const clientA = instance('t2.client', 1);
    const clientB = instance('t2.client', 1);
    const globalA = instance('t2.global', 3);
    const globalB = instance('t2.global', 3);
    expect(
      await admitShared([
        [clientA, 'x'],
        [globalA, 'all'],
      ]),
    ).toBeUndefined();
    expect(
      await admitShared([
        [clientB, 'x'],
        [globalB, 'all'],
      ]),
    ).toBe(clientB);
    expect(
      await admitShared([
        [clientB, 'y'],
        [globalB, 'all'],
      ]),
    ).toBeUndefined();
    expect(
      await admitShared([
        [clientA, 'z'],
        [globalA, 'all'],
      ]),
    ).toBeUndefined();
    // The global allowance (3) went to three different clients; the refused one used none.
    expect(
      await admitShared([
        [clientA, 'w'],
        [globalA, 'all'],
      ]),
    ).toBe(globalA);
  });

  it('stores no client key: only keyed digests of the key and its window', async () => {
    const a = instance('t3.client', 2);
    await admitShared([[a, 'client-key-canary']]);
    const rows = await database.db.selectFrom('rate_limit_counts').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(Buffer.from(r.bucket).includes(Buffer.from('canary'))).toBe(false);
  });
});

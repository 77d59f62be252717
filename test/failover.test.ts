import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SanctuaryDatabase } from '../src/db/database.ts';
import { isTransientDbError } from '../src/db/failover.ts';
import { type PgPair, pgPairUnavailable, startPgPair } from './support/pg-pair.ts';

/**
 * ADR 0118 on real servers: a PostgreSQL 15 primary with a synchronous standby (started here,
 * ~10-20 s on a busy machine), the app's pool given both hosts, standby first.
 * `npm run bench -- failover` does the same under load through two app instances.
 */
const unavailable = pgPairUnavailable();

/** One statement, repeated while it fails with a transient error (as the intake group commit does). */
async function untilDone<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      // A statement sent on a connection that died with the old primary fails; only that way.
      expect(isTransientDbError(error), String(error)).toBe(true);
      if (attempt >= 20) throw error;
    }
  }
}

describe.skipIf(unavailable !== undefined)(
  `failover to the synchronous standby${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pair: PgPair;
    let database: SanctuaryDatabase;
    beforeAll(async () => {
      pair = await startPgPair({ maxConnections: 40 });
      database = await openDatabase({
        databaseUrl: pair.urlOf('postgres', 'standby-first'),
        poolSize: 4,
        // Short, so that the read-only case fails fast; statements are repeated by untilDone.
        connectRetryMs: 2_000,
        onConnectionError: () => {},
      });
    });
    afterAll(async () => {
      await database?.close();
      pair?.stop();
    });

    it('connects to the primary even when the standby is listed first, and writes there', async () => {
      await untilDone(() =>
        sql`create table if not exists failover_probe (n int primary key)`.execute(database.db),
      );
      expect(database.pool?.primary).toBe(`127.0.0.1:${pair.primary.port}`);
      expect(database.pool?.failovers).toBe(0);
      // Four connections at once, so that the pool holds several when the primary dies.
      await Promise.all(
        [1, 2, 3, 4].map((n) => sql`insert into failover_probe values (${n})`.execute(database.db)),
      );
      expect(pair.sql(pair.standby, 'select count(*) from failover_probe')).toBe('4');
    });

    it('after SIGKILL of the primary and promotion of the standby, the same pool writes to the new primary; nothing committed is lost', async () => {
      // A transaction holds a connection across the loss: its socket dies while checked out
      // (pg then emits 'error' with no pool listener, which used to crash the process).
      let entered!: () => void;
      let resume!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const held = database.db.transaction().execute(async (trx) => {
        await sql`insert into failover_probe values (100)`.execute(trx);
        entered();
        await new Promise<void>((r) => (resume = r));
        await sql`insert into failover_probe values (101)`.execute(trx);
      });
      const heldOutcome = held.then(
        () => 'committed',
        (error: unknown) => (isTransientDbError(error) ? 'transient' : String(error)),
      );
      await inside;
      pair.killPrimary();
      pair.promoteStandby();
      resume();
      expect(await heldOutcome).toBe('transient');
      await untilDone(() => sql`insert into failover_probe values (5)`.execute(database.db));
      const { rows } = await untilDone(() =>
        sql<{ n: number }>`select n from failover_probe order by n`.execute(database.db),
      );
      expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
      expect(database.pool?.primary).toBe(`127.0.0.1:${pair.standby.port}`);
      expect(database.pool?.failovers).toBe(1);
    });

    it('a connection that meets a read-only error (a primary demoted under it) is discarded, not reused', async () => {
      // One pooled connection turns read-only, as every connection to a demoted primary does;
      // pg-pool hands out the last released connection first, so the next write gets this one.
      await database.db.connection().execute(async (conn) => {
        await sql`set session characteristics as transaction read only`.execute(conn);
      });
      const outcome = await sql`insert into failover_probe values (6)`.execute(database.db).then(
        () => 'written',
        (error: unknown) => (isTransientDbError(error) ? (error as { code?: string }).code : String(error)),
      );
      expect(outcome).toBe('25006');
      // Had it gone back to the pool, this write would meet it again and fail the same way.
      await sql`insert into failover_probe values (6)`.execute(database.db);
      expect(pair.sql(pair.standby, 'select count(*) from failover_probe where n = 6')).toBe('1');
    });
  },
);

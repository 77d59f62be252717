import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, type TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { codenameOf, formFieldsOf, intakeTestConfig } from '../../../test/support/intake.ts';
import { createAppJobRunner } from '../../server.ts';
import { JOB_PURGE_IDEMPOTENCY, scheduleIdempotencyPurge } from './intake.jobs.ts';

/** Idempotency records are purged once past any use (finding 5 of issue 12, ADR 0091). */
describe('intake.purge_idempotency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { intake: intakeTestConfig() } });
  });
  afterAll(async () => t.close());

  const submit = async (story: string) => {
    const c = new Client(t.app);
    return codenameOf(
      await c.post('/submit?lang=en', { ...formFieldsOf((await c.get('/?lang=en')).body), story }),
    );
  };

  it('deletes records older than a whole day, keeps recent ones and their cases, and queues the next run', async () => {
    const db = t.ctx.database.db;
    await submit('old submission');
    await db.updateTable('intake_idempotency').set({ created_on: sql<string>`current_date - 2` }).execute();
    await submit('yesterday');
    const yesterday = await db
      .selectFrom('intake_idempotency')
      .select('key_hash')
      // Not "= current_date": the day may turn between the submission and this query.
      .where('created_on', '>', sql<string>`current_date - 2`)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('intake_idempotency')
      .set({ created_on: sql<string>`current_date - 1` })
      .where('key_hash', '=', yesterday.key_hash)
      .execute();
    await submit('today');
    const cases = await countRows(db, 'cases');
    expect(await countRows(db, 'intake_idempotency')).toBe(3);

    await scheduleIdempotencyPurge(db, new Date(Date.now() - 1000));
    const runner = createAppJobRunner(t.ctx);
    // Runs everything due (the submissions queued linkage jobs too), the purge among them.
    while ((await runner.runOnce()) > 0) {
      // until nothing is due
    }

    const left = await db
      .selectFrom('intake_idempotency')
      .select(sql<string>`created_on::text`.as('on'))
      .execute();
    expect(left).toHaveLength(2);
    expect(await countRows(db, 'cases')).toBe(cases);
    // The next run is queued, an hour away (so the loop above did not run it again).
    const next = await db
      .selectFrom('jobs')
      .select(['state', 'run_after'])
      .where('kind', '=', JOB_PURGE_IDEMPOTENCY)
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    expect(new Date(next.run_after).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    // Queueing again while one waits adds none (every server start queues one).
    await scheduleIdempotencyPurge(db, new Date());
    expect(
      await db
        .selectFrom('jobs')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('kind', '=', JOB_PURGE_IDEMPOTENCY)
        .where('state', '=', 'queued')
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 1 });
  });
});

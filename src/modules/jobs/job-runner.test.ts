import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDb } from '../../../test/support/db.ts';
import type { SanctuaryDatabase } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { createLogger } from '../../platform/logging.ts';
import { backoffMs, type JobHandler, JobRunner, PermanentJobError } from './job-runner.ts';
import { claimJobs, countJobs, enqueueJob, failAbandonedJobs, purgeFinishedJobs } from './jobs.repository.ts';

let database: SanctuaryDatabase;
const logged: string[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _e, cb) {
      logged.push(chunk.toString('utf8'));
      cb();
    },
  }),
);

beforeAll(async () => {
  database = await testDb();
});
afterAll(async () => database.close());
beforeEach(async () => {
  await database.db.deleteFrom('jobs').where('kind', 'like', 'test.%').execute();
});

const db = () => database.db;

function handler(
  kind: string,
  run: (payload: { n: number }, job: { id: string; attempts: number }) => Promise<void>,
  needsKeys = false,
): JobHandler<{ n: number }> {
  return {
    kind,
    needsKeys,
    parse(payload) {
      const n = (payload as { n?: unknown }).n;
      if (typeof n !== 'number') throw new Error('bad payload');
      return { n };
    },
    run,
  };
}

async function jobRow(kind: string) {
  return db().selectFrom('jobs').selectAll().where('kind', '=', kind).executeTakeFirstOrThrow();
}

/** Makes every queued retry due now (instead of waiting out the backoff). */
async function fastForward(): Promise<void> {
  await db()
    .updateTable('jobs')
    .set({ run_after: sql<Date>`now() - interval '1 second'` })
    .where('state', '=', 'queued')
    .execute();
}

describe('job queue and runner', () => {
  it('runs a queued job once and marks it done', async () => {
    const seen: number[] = [];
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => false,
      handlers: [handler('test.once', async (p) => void seen.push(p.n))],
    });
    await enqueueJob(db(), { kind: 'test.once', payload: { n: 7 } });
    expect(await runner.runUntilIdle()).toBe(1);
    expect(await runner.runUntilIdle()).toBe(0);
    expect(seen).toEqual([7]);
    const row = await jobRow('test.once');
    expect(row.state).toBe('done');
    expect(row.attempts).toBe(1);
    expect(row.finished_at).not.toBeNull();
  });

  it('keeps one queued job per dedupe key', async () => {
    for (let i = 0; i < 3; i++) {
      await enqueueJob(db(), { kind: 'test.dedupe', payload: { n: i }, dedupeKey: 'test.dedupe:x' });
    }
    expect(await countJobs(db(), 'test.dedupe')).toEqual({ queued: 1 });
  });

  it('does not queue a job whose transaction rolled back', async () => {
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await enqueueJob(trx, { kind: 'test.rollback', payload: { n: 1 } });
          throw new Error('the write failed');
        }),
    ).rejects.toThrow('the write failed');
    expect(await countJobs(db(), 'test.rollback')).toEqual({});
  });

  it('retries a failing job with backoff, keeping only the error name', async () => {
    let calls = 0;
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => false,
      handlers: [
        handler('test.flaky', async () => {
          calls += 1;
          if (calls === 1) throw new Error('Иван Петров +79120000000 is not reachable');
        }),
      ],
      // An hour, not the real 4–6 s: "not due yet" below must hold however slow the machine
      // (the schedule itself is tested with backoffMs at the end of this file).
      backoff: (attempts) => attempts * 3_600_000,
    });
    await enqueueJob(db(), { kind: 'test.flaky', payload: { n: 1 } });
    const before = Date.now();
    await runner.runUntilIdle();
    const failed = await jobRow('test.flaky');
    expect(failed.state).toBe('queued');
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toBe('Error');
    expect(failed.run_after.getTime()).toBeGreaterThanOrEqual(before - 1_000 + 3_600_000);
    // Not due yet: nothing runs.
    expect(await runner.runUntilIdle()).toBe(0);
    await fastForward();
    await runner.runUntilIdle();
    const done = await jobRow('test.flaky');
    expect(done.state).toBe('done');
    expect(done.attempts).toBe(2);
    expect(calls).toBe(2);
  });

  it('fails a job after its last attempt, and at once on a permanent error or a bad payload', async () => {
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => false,
      handlers: [
        handler('test.always', async () => {
          throw new Error('nope');
        }),
        handler('test.permanent', async () => {
          throw new PermanentJobError('case is gone');
        }),
      ],
    });
    await enqueueJob(db(), { kind: 'test.always', payload: { n: 1 }, maxAttempts: 3 });
    await enqueueJob(db(), { kind: 'test.permanent', payload: { n: 1 } });
    await enqueueJob(db(), { kind: 'test.always', payload: { wrong: true }, dedupeKey: 'bad' });
    for (let i = 0; i < 4; i++) {
      await runner.runUntilIdle();
      await fastForward();
    }
    const always = await db()
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'test.always')
      .orderBy('attempts')
      .execute();
    expect(always.map((r) => [r.state, r.attempts])).toEqual([
      ['failed', 1],
      ['failed', 3],
    ]);
    expect(always[0]!.last_error).toMatch(/^invalid payload/);
    const permanent = await jobRow('test.permanent');
    expect([permanent.state, permanent.attempts, permanent.last_error]).toEqual([
      'failed',
      1,
      'PermanentJobError',
    ]);
  });

  it('claims no job that needs keys while sealed, and gives back an attempt interrupted by a seal', async () => {
    let sealed = true;
    const ran: string[] = [];
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => sealed,
      handlers: [
        handler('test.keyed', async () => void ran.push('keyed'), true),
        handler('test.keyless', async () => void ran.push('keyless'), false),
        handler(
          'test.sealed_midway',
          async () => {
            throw new AppError('sealed', 'server is sealed');
          },
          true,
        ),
      ],
    });
    await enqueueJob(db(), { kind: 'test.keyed', payload: { n: 1 } });
    await enqueueJob(db(), { kind: 'test.keyless', payload: { n: 1 } });
    await runner.runUntilIdle();
    expect(ran).toEqual(['keyless']);
    expect((await jobRow('test.keyed')).state).toBe('queued');
    expect((await jobRow('test.keyed')).attempts).toBe(0);
    sealed = false;
    await enqueueJob(db(), { kind: 'test.sealed_midway', payload: { n: 1 } });
    await runner.runUntilIdle();
    expect(ran).toEqual(['keyless', 'keyed']);
    const midway = await jobRow('test.sealed_midway');
    expect([midway.state, midway.attempts, midway.last_error]).toEqual(['queued', 0, 'sealed']);
  });

  it('takes over a job whose lease ran out, and fails one with no attempts left', async () => {
    await enqueueJob(db(), { kind: 'test.lease', payload: { n: 1 } });
    await enqueueJob(db(), { kind: 'test.lease_dead', payload: { n: 1 }, maxAttempts: 1 });
    // Both are claimed by a process that then dies.
    expect(await claimJobs(db(), ['test.lease', 'test.lease_dead'], 10, 60_000)).toHaveLength(2);
    expect(await claimJobs(db(), ['test.lease', 'test.lease_dead'], 10, 60_000)).toHaveLength(0);
    await db()
      .updateTable('jobs')
      .set({ locked_until: sql<Date>`now() - interval '1 second'` })
      .where('kind', 'like', 'test.lease%')
      .execute();
    const seen: number[] = [];
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => false,
      handlers: [
        handler('test.lease', async (p) => void seen.push(p.n)),
        handler('test.lease_dead', async () => {}),
      ],
    });
    await runner.runUntilIdle();
    expect(seen).toEqual([1]);
    expect((await jobRow('test.lease')).attempts).toBe(2);
    expect(await failAbandonedJobs(db())).toBe(1);
    expect((await jobRow('test.lease_dead')).state).toBe('failed');
  });

  it('runs every job exactly once when two runners share the queue', async () => {
    const counts = new Map<number, number>();
    const make = () =>
      new JobRunner({
        db: db(),
        logger,
        isSealed: () => false,
        batch: 3,
        handlers: [
          handler('test.shared', async (p) => {
            counts.set(p.n, (counts.get(p.n) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 1));
          }),
        ],
      });
    for (let n = 0; n < 30; n++) await enqueueJob(db(), { kind: 'test.shared', payload: { n } });
    await Promise.all([make().runUntilIdle(), make().runUntilIdle()]);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it('polls when started and waits for the job in hand when stopped', async () => {
    let finished = false;
    let started: () => void = () => {};
    const startedP = new Promise<void>((r) => {
      started = r;
    });
    const runner = new JobRunner({
      db: db(),
      logger,
      isSealed: () => false,
      pollMs: 20,
      handlers: [
        handler('test.slow', async () => {
          started();
          await new Promise((r) => setTimeout(r, 200));
          finished = true;
        }),
      ],
    });
    runner.start();
    await enqueueJob(db(), { kind: 'test.slow', payload: { n: 1 } });
    runner.wake();
    await startedP;
    await runner.stop();
    expect(finished).toBe(true);
    expect((await jobRow('test.slow')).state).toBe('done');
  });

  it('purges finished jobs after their retention', async () => {
    await enqueueJob(db(), { kind: 'test.old', payload: { n: 1 } });
    await db()
      .updateTable('jobs')
      .set({ state: 'done', finished_at: sql<Date>`now() - interval '8 days'` })
      .where('kind', '=', 'test.old')
      .execute();
    expect(await purgeFinishedJobs(db(), 7, 30)).toBeGreaterThanOrEqual(1);
    expect(await countJobs(db(), 'test.old')).toEqual({});
  });

  it('never logs or stores an error message (it may hold personal data)', () => {
    expect(logged.join('')).not.toContain('+79120000000');
  });

  it('backs off exponentially up to an hour', () => {
    const mid = () => 0.5;
    expect(backoffMs(1, mid)).toBe(5_000);
    expect(backoffMs(2, mid)).toBe(10_000);
    expect(backoffMs(30, mid)).toBe(3_600_000);
  });
});

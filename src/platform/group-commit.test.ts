import { describe, expect, it } from 'vitest';
import { isAppError } from './errors.ts';
import { GroupCommitQueue } from './group-commit.ts';

/** What pg throws when the primary dies under a statement. */
const connectionLost = () => Object.assign(new Error('Connection terminated unexpectedly'), {});
const isTransient = (e: unknown) => e instanceof Error && e.message.startsWith('Connection terminated');
const noWait = async () => {};

describe('group commit through a failover (ADR 0118)', () => {
  it('commits the same batch again, marked retry, until the database is back; callers just wait', async () => {
    const attempts: Array<{ jobs: number[]; retry: boolean }> = [];
    let failuresLeft = 2;
    const queue = new GroupCommitQueue<number, number>(
      { capacity: 10, maxBatch: 10, writers: 1, retry: { isTransient, budgetMs: 60_000, sleep: noWait } },
      async (jobs, attempt) => {
        attempts.push({ jobs: [...jobs], retry: attempt.retry });
        if (failuresLeft-- > 0) throw connectionLost();
        return jobs.map((j) => j * 10);
      },
    );
    const answers = await Promise.all([1, 2, 3].map((j) => queue.enqueue(j, { proven: true })));
    expect(answers).toEqual([10, 20, 30]);
    // The first job is committed alone (the queue was empty), the other two wait for it.
    const first = attempts.filter((a) => a.jobs.includes(1));
    expect(first.map((a) => a.retry)).toEqual([false, true, true]);
    expect(first.every((a) => a.jobs.length === 1)).toBe(true);
    expect(queue.stats.retried).toBe(2);
  });

  it('past the budget answers every job of the batch 503 "unavailable", without splitting it', async () => {
    let calls = 0;
    const queue = new GroupCommitQueue<number, number>(
      { capacity: 10, maxBatch: 10, writers: 1, retry: { isTransient, budgetMs: 0, sleep: noWait } },
      async () => {
        calls += 1;
        throw connectionLost();
      },
    );
    const settled = await Promise.allSettled([1, 2].map((j) => queue.enqueue(j, { proven: true })));
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      const reason = (s as PromiseRejectedResult).reason;
      expect(isAppError(reason) && reason.code === 'unavailable' && reason.status === 503).toBe(true);
    }
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('does not retry an error that is not transient: the batch is split to find the bad job', async () => {
    const seen: number[][] = [];
    const queue = new GroupCommitQueue<number, number>(
      { capacity: 10, maxBatch: 10, writers: 1, retry: { isTransient, budgetMs: 60_000, sleep: noWait } },
      async (jobs, attempt) => {
        expect(attempt.retry).toBe(false);
        seen.push([...jobs]);
        if (jobs.includes(2)) throw new Error('duplicate key value violates unique constraint');
        return jobs;
      },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((j) => queue.enqueue(j, { proven: true })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen.some((jobs) => jobs.length > 1)).toBe(true);
  });
});

describe('GroupCommitQueue observer (the metrics, ADR 0111)', () => {
  it('reports each committed batch with its size, and each refusal when the queue is full', async () => {
    const seen: Array<[string, number]> = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = new GroupCommitQueue<number, number>(
      { capacity: 2, maxBatch: 10, writers: 1, unprovenShare: 1 },
      async (jobs) => {
        await gate;
        return jobs.map((j) => j * 10);
      },
      {
        committed: (size, seconds) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          seen.push(['committed', size]);
        },
        refused: () => seen.push(['refused', 0]),
      },
    );
    // The first job goes to the writer at once; two more wait, the fourth finds the queue full.
    const first = queue.enqueue(1, { proven: true });
    const waiting = [queue.enqueue(2, { proven: true }), queue.enqueue(3, { proven: true })];
    expect(queue.depth).toBe(2);
    expect(queue.capacity).toBe(2);
    await expect(queue.enqueue(4, { proven: true })).rejects.toMatchObject({ code: 'overloaded' });
    expect(seen).toEqual([['refused', 0]]);
    release();
    expect(await Promise.all([first, ...waiting])).toEqual([10, 20, 30]);
    expect(seen).toEqual([
      ['refused', 0],
      ['committed', 1],
      ['committed', 2],
    ]);
  });
});

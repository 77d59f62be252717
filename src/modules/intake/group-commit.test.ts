import { describe, expect, it } from 'vitest';
import { GroupCommitQueue } from './group-commit.ts';

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

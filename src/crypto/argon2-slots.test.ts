import { describe, expect, it } from 'vitest';
import { BusyError, withArgon2Slot } from './argon2-slots.ts';

describe('the shared Argon2 pool', () => {
  it('runs at most two jobs at once, queues the rest, and refuses beyond the waiting bound', async () => {
    let active = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const job = () =>
      withArgon2Slot(
        async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise<void>((resolve) => releases.push(resolve));
          active -= 1;
        },
        2,
        'busy',
      );
    const running = [job(), job(), job(), job()];
    await new Promise((r) => setTimeout(r, 10));
    expect(active).toBe(2);
    // Two run, two wait: a caller that accepts no one ahead of it is refused at once.
    await expect(withArgon2Slot(async () => 1, 0, 'too many waiting')).rejects.toBeInstanceOf(BusyError);
    while (releases.length > 0 || active > 0) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(running);
    expect(peak).toBe(2);
    await expect(withArgon2Slot(async () => 'free again', 0, 'busy')).resolves.toBe('free again');
  });
});

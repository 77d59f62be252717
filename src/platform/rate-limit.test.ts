import { describe, expect, it } from 'vitest';
import { BackOff } from './back-off.ts';
import { admit, RateLimiter } from './rate-limit.ts';

describe('admit: per-client limit first, only admitted requests counted', () => {
  it('refuses a client over its own allowance without touching the global count', () => {
    let now = 0;
    const clock = () => now;
    const client = new RateLimiter({ limit: 2, windowMs: 60_000, clock });
    const global = new RateLimiter({ limit: 3, windowMs: 60_000, keys: 'plain', clock });
    const ask = (who: string) =>
      admit([
        [client, who],
        [global, 'all'],
      ]);
    expect([ask('a'), ask('a')]).toEqual([undefined, undefined]);
    for (let i = 0; i < 50; i += 1) expect(ask('a')).toBe(client);
    // Only a's two admitted requests count: b gets the one left, then the server is full.
    expect(ask('b')).toBeUndefined();
    expect(ask('c')).toBe(global);
    // A request refused by the global limit was not counted against its client either.
    now += 60_000;
    expect([ask('c'), ask('c'), ask('c')]).toEqual([undefined, undefined, client]);
  });

  it('treats a new key as refused when the table of keys is full, without counting it', () => {
    const clock = () => 0;
    const client = new RateLimiter({ limit: 5, windowMs: 60_000, maxKeys: 1, clock });
    const global = new RateLimiter({ limit: 10, windowMs: 60_000, keys: 'plain', clock });
    expect(
      admit([
        [client, 'a'],
        [global, 'all'],
      ]),
    ).toBeUndefined();
    expect(
      admit([
        [client, 'b'],
        [global, 'all'],
      ]),
    ).toBe(client);
    expect(global.blocked('all')).toBe(false);
  });

  it('refuses everything on a limit of zero', () => {
    const limiter = new RateLimiter({ limit: 0, windowMs: 60_000, keys: 'plain', clock: () => 0 });
    expect(admit([[limiter, 'all']])).toBe(limiter);
  });
});

describe('BackOff', () => {
  it('lets the first failures through, then doubles the wait up to the cap, and forgets after a quiet time', () => {
    let now = 0;
    const backOff = new BackOff({ free: 2, baseMs: 1_000, capMs: 5_000, forgetMs: 60_000, clock: () => now });
    const delays = Array.from({ length: 7 }, () => backOff.fail('k'));
    expect(delays).toEqual([0, 0, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(backOff.waitMs('k')).toBe(5_000);
    expect(backOff.waitMs('other')).toBe(0);
    now += 4_000;
    expect(backOff.waitMs('k')).toBe(1_000);
    now += 60_000;
    expect(backOff.waitMs('k')).toBe(0);
    expect(backOff.fail('k')).toBe(0);
  });

  it('forgets the oldest key when full, never refusing a new one', () => {
    const backOff = new BackOff({
      free: 0,
      baseMs: 1_000,
      capMs: 1_000,
      forgetMs: 60_000,
      maxKeys: 2,
      clock: () => 0,
    });
    backOff.fail('a');
    backOff.fail('b');
    backOff.fail('c');
    expect([backOff.waitMs('a'), backOff.waitMs('b'), backOff.waitMs('c')]).toEqual([0, 1_000, 1_000]);
    backOff.clear('b');
    expect(backOff.waitMs('b')).toBe(0);
  });
});

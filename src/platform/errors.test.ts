import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';

describe('AppError', () => {
  it('captures no stack for an expected refusal (what a flood costs) but keeps one for an internal error', () => {
    const before = Error.stackTraceLimit;
    const refused = new AppError('overloaded', 'queue full', { retryAfter: 30 });
    expect(refused.stack?.split('\n').filter((l) => l.trim().startsWith('at ')).length).toBe(0);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe(30);
    const internal = new AppError('internal', 'broken');
    expect(internal.stack?.split('\n').filter((l) => l.trim().startsWith('at ')).length).toBeGreaterThan(0);
    // The process-wide limit is put back, for every other error.
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('plain').stack?.includes(' at ')).toBe(true);
  });
});

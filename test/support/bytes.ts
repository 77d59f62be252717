import { expect } from 'vitest';

/**
 * Asserts that two byte strings are identical. `expect(a).toEqual(b)` on Buffers compares them
 * element by element as objects (listing every index as a key): about 10 s of CPU and much
 * garbage per megabyte. This compares them as bytes and, on a difference, names both lengths and
 * the first offset where they differ.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  if (Buffer.compare(actual, expected) === 0) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at += 1;
  expect.fail(
    `${what} differ: ${actual.length} bytes against ${expected.length} expected, first difference at offset ${at}`,
  );
}

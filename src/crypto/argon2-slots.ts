/**
 * One pool of Argon2id slots for the whole process: password hashing and codename
 * derivation share it, so that at most two Argon2 runs (19 MiB each) happen at once on this
 * 2-core machine, whatever mix of sign-ins and submissions arrives. Callers that would wait
 * behind more than `maxWaiting` others get BusyError (answered as 503 + Retry-After).
 */
const MAX_CONCURRENT = 2;

export class BusyError extends Error {
  override name = 'BusyError';
}

let running = 0;
const waiting: Array<() => void> = [];

export async function withArgon2Slot<T>(
  work: () => Promise<T>,
  maxWaiting: number,
  busyMessage: string,
): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= maxWaiting) throw new BusyError(busyMessage);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
}

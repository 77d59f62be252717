import { Slots } from '../platform/slots.ts';

/**
 * One pool of Argon2id slots for the whole process: password hashing and codename
 * derivation share it, so that at most two Argon2 runs (19 MiB each) happen at once on this
 * 2-core machine, whatever mix of sign-ins and submissions arrives. Callers that would wait
 * behind more than `maxWaiting` others get BusyError (answered as 503 + Retry-After).
 */
export { BusyError } from '../platform/slots.ts';

const ARGON2 = new Slots(2);

export function withArgon2Slot<T>(
  work: () => Promise<T>,
  maxWaiting: number,
  busyMessage: string,
): Promise<T> {
  return ARGON2.run(work, maxWaiting, busyMessage);
}

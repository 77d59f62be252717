/**
 * The proof of work's difficulty rises with load (ADR 0197). A form is served with the
 * operator's `INTAKE_POW_DIFFICULTY` while the intake queue is quiet; while it fills, each new
 * form's challenge asks for a few more leading zero bits (each bit doubles the expected work), and
 * once the queue has drained the raise falls back by one bit a minute, so that a flood which
 * pauses for a moment does not find the cheap level waiting. Challenges already served keep the
 * difficulty they were signed with: nobody who is typing is turned away by a raise.
 */

/** Bits a raise adds at most (16 times the work). */
export const POW_RAISE_MAX_BITS = 4;
/** A raise falls back by one bit per this many milliseconds once the load is gone. */
export const POW_RAISE_DECAY_MS = 60_000;
/** The verifier's and the configuration's ceiling (src/crypto/pow.ts accepts up to 32). */
const DIFFICULTY_CEILING = 28;

/** The raise in force: how many bits, since when. */
export interface PowRaise {
  readonly bits: number;
  readonly at: number;
}

export const NO_RAISE: PowRaise = { bits: 0, at: 0 };

/** Bits to add for a queue this full: none below a tenth, four from three quarters. */
export function raiseForLoad(depth: number, capacity: number): number {
  const fill = capacity > 0 ? depth / capacity : 0;
  if (fill >= 0.75) return 4;
  if (fill >= 0.5) return 3;
  if (fill >= 0.25) return 2;
  if (fill >= 0.1) return 1;
  return 0;
}

/** What is left of a raise at `now`. */
export function heldRaise(raise: PowRaise, now: number): number {
  return Math.max(0, raise.bits - Math.floor(Math.max(0, now - raise.at) / POW_RAISE_DECAY_MS));
}

export interface PowLevel {
  /** Leading zero bits the next form's challenge asks for. */
  readonly difficulty: number;
  /** The operator's level, when the queue is quiet. */
  readonly base: number;
  /** The raise to remember for the next form. */
  readonly raise: PowRaise;
}

/**
 * The difficulty for a form served now: the operator's base, plus the larger of what the
 * queue's fill asks for and what is left of an earlier raise. Pure (the caller keeps `raise`).
 */
export function powLevel(
  base: number,
  load: { depth: number; capacity: number },
  raise: PowRaise,
  now: number,
): PowLevel {
  const wanted = Math.min(POW_RAISE_MAX_BITS, raiseForLoad(load.depth, load.capacity));
  const held = heldRaise(raise, now);
  const next = wanted > 0 && wanted >= held ? { bits: wanted, at: now } : raise;
  const bits = Math.max(wanted, held);
  return { difficulty: Math.max(base, Math.min(DIFFICULTY_CEILING, base + bits)), base, raise: next };
}

import { createHash, randomBytes } from 'node:crypto';

/**
 * Exact samplers for differential privacy (ADR 0146), after Canonne, Kamath and Steinke,
 * "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1–3, written
 * here from the paper: integers and exact fractions only (BigInt), never floating point, so
 * the distribution is exactly the one the privacy proof is about (floating-point samplers leak
 * through their rounding, Mironov 2012). Randomness comes from a `RandomSource`: the
 * cryptographic one in production, a seeded one in tests so that a statistical test of the
 * sampler is deterministic.
 *
 * No maintained npm package samples the discrete Gaussian or discrete Laplace exactly (the
 * registry list was searched for discrete Gaussian/Laplace, differential privacy, OpenDP:
 * only floating-point Laplace samplers such as @stdlib/random-base-laplace exist), hence this file.
 */

/** A source of uniform integers. */
export interface RandomSource {
  /** A uniform integer in [0, n), n ≥ 1. */
  below(n: bigint): bigint;
}

/** Uniform integers below n by rejection from whole random bytes (no modulo bias). */
function rejectionBelow(n: bigint, bytes: (count: number) => Buffer): bigint {
  if (n < 1n) throw new RangeError('n must be at least 1');
  if (n === 1n) return 0n;
  const bits = (n - 1n).toString(2).length;
  const count = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const value = BigInt(`0x${bytes(count).toString('hex')}`) & mask;
    if (value < n) return value;
  }
}

/** The operating system's cryptographic random source (node:crypto randomBytes). */
export const cryptoRandom: RandomSource = {
  below: (n) => rejectionBelow(n, (count) => randomBytes(count)),
};

/**
 * A deterministic source for tests only: SHA-256 in counter mode over a seed. Not for
 * releases (a known seed makes the noise known); the service takes `cryptoRandom`.
 */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const bytes = (count: number): Buffer => {
    while (pool.length < count) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, count);
    pool = pool.subarray(count);
    return out;
  };
  return { below: (n) => rejectionBelow(n, bytes) };
}

/** A non-negative fraction n/d in lowest terms, d ≥ 1. */
export interface Fraction {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function fraction(n: bigint, d: bigint): Fraction {
  if (d <= 0n || n < 0n) throw new RangeError('a fraction here is n/d with n ≥ 0 and d ≥ 1');
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** Parses "n/d" (or "n") into a fraction; throws RangeError on anything else. */
export function parseFraction(text: string): Fraction {
  const m = /^\s*(\d{1,18})\s*(?:\/\s*(\d{1,18}))?\s*$/.exec(text);
  if (m === null) throw new RangeError('not a fraction');
  const d = BigInt(m[2] ?? '1');
  if (d === 0n) throw new RangeError('zero denominator');
  return fraction(BigInt(m[1] as string), d);
}

export const formatFraction = (f: Fraction) => `${f.n}/${f.d}`;
export const addFractions = (a: Fraction, b: Fraction) => fraction(a.n * b.d + b.n * a.d, a.d * b.d);
export const compareFractions = (a: Fraction, b: Fraction) => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};

/** Bernoulli(n/d), 0 ≤ n/d ≤ 1. */
export function bernoulli(random: RandomSource, p: Fraction): boolean {
  return random.below(p.d) < p.n;
}

/** Bernoulli(exp(−γ)) for a fraction γ ≥ 0 (CKS 2020, Algorithm 1). */
export function bernoulliExp(random: RandomSource, gamma: Fraction): boolean {
  if (gamma.n <= gamma.d) {
    // γ ≤ 1: K is the first k with A_k = 0, where A_k ~ Bernoulli(γ/k); answer "K is odd".
    let k = 1n;
    while (bernoulli(random, fraction(gamma.n, gamma.d * k))) k += 1n;
    return k % 2n === 1n;
  }
  // γ > 1: exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
  const whole = gamma.n / gamma.d;
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExp(random, { n: 1n, d: 1n })) return false;
  }
  return bernoulliExp(random, fraction(gamma.n - whole * gamma.d, gamma.d));
}

/** The discrete Laplace distribution with scale t (integer ≥ 1): P(x) ∝ exp(−|x|/t) (CKS 2020, Algorithm 2, s = 1). */
export function discreteLaplace(random: RandomSource, t: bigint): bigint {
  if (t < 1n) throw new RangeError('scale must be at least 1');
  for (;;) {
    const u = random.below(t);
    if (!bernoulliExp(random, fraction(u, t))) continue;
    let v = 0n;
    while (bernoulliExp(random, { n: 1n, d: 1n })) v += 1n;
    const magnitude = u + t * v;
    const negative = bernoulli(random, { n: 1n, d: 2n });
    if (negative && magnitude === 0n) continue;
    return negative ? -magnitude : magnitude;
  }
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/**
 * The discrete Gaussian N_Z(0, σ²) for a fraction σ² > 0: P(x) ∝ exp(−x²/(2σ²)) over the
 * integers (CKS 2020, Algorithm 3): discrete Laplace proposals with t = ⌊σ⌋ + 1, each accepted
 * with probability exp(−(|y| − σ²/t)² / (2σ²)), computed as one exact fraction.
 */
export function discreteGaussian(random: RandomSource, sigma2: Fraction): bigint {
  if (sigma2.n <= 0n) throw new RangeError('σ² must be positive');
  const t = isqrt(sigma2.n / sigma2.d) + 1n;
  for (;;) {
    const y = discreteLaplace(random, t);
    const abs = y < 0n ? -y : y;
    // (|y| − n/(d·t))² / (2n/d) = (|y|·d·t − n)² / (2·n·d·t²)
    const top = abs * sigma2.d * t - sigma2.n;
    if (bernoulliExp(random, fraction(top * top, 2n * sigma2.n * sigma2.d * t * t))) return y;
  }
}

import { describe, expect, it } from 'vitest';
import {
  bernoulliExp,
  discreteGaussian,
  discreteLaplace,
  type Fraction,
  isqrt,
  parseFraction,
  type RandomSource,
  seededRandom,
} from './dp-sampler.ts';

/**
 * The exact samplers against their distributions, at fixed seeds (seededRandom: SHA-256 in
 * counter mode), so the tests are deterministic and cannot flake: the same draws every run.
 *
 * Chi-square goodness of fit: bins −B..B with both tails merged into the end bins; the
 * threshold is the 0.999 quantile of the chi-square distribution with (bins − 1) degrees of
 * freedom (a fixed table value, written beside each test). A biased sampler (tested below
 * with a planted bias) lands far above it.
 */
function chiSquare(samples: readonly bigint[], pmf: (x: number) => number, bound: number): number {
  const bins = 2 * bound + 1;
  const observed = new Array<number>(bins).fill(0);
  for (const s of samples) {
    const x = Math.max(-bound, Math.min(bound, Number(s)));
    observed[x + bound] = (observed[x + bound] ?? 0) + 1;
  }
  // Exact-enough expected mass per bin (floats are fine for the test's expectations).
  let z = 0;
  for (let x = -200; x <= 200; x++) z += pmf(x);
  const expectedMass = (x: number) => {
    if (x > -bound && x < bound) return pmf(x) / z;
    let tail = 0;
    for (let y = Math.abs(x); y <= 200; y++) tail += pmf(y);
    return tail / z;
  };
  let stat = 0;
  for (let i = 0; i < bins; i++) {
    const e = expectedMass(i - bound) * samples.length;
    stat += ((observed[i] ?? 0) - e) ** 2 / e;
  }
  return stat;
}

const draw = (n: number, f: () => bigint) => Array.from({ length: n }, f);

describe('the exact samplers', () => {
  it('draws Bernoulli(exp(−γ)) with the right frequency, for γ below and above 1', () => {
    const random = seededRandom('bernoulli');
    for (const [gamma, p] of [
      [{ n: 1n, d: 2n }, Math.exp(-0.5)],
      [{ n: 5n, d: 2n }, Math.exp(-2.5)],
    ] as Array<[Fraction, number]>) {
      const n = 4000;
      let hits = 0;
      for (let i = 0; i < n; i++) if (bernoulliExp(random, gamma)) hits++;
      // Within 4 standard deviations of the mean (fixed seed: deterministic).
      expect(Math.abs(hits - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('draws the discrete Gaussian with σ² = 4 (chi-square, 6000 draws, 13 bins: below 34.53)', () => {
    const random = seededRandom('gaussian');
    const samples = draw(6000, () => discreteGaussian(random, { n: 4n, d: 1n }));
    const stat = chiSquare(samples, (x) => Math.exp(-(x * x) / 8), 6);
    // 34.53 is the 0.999 quantile of chi-square with 12 degrees of freedom.
    expect(stat).toBeLessThan(34.53);
    const mean = samples.reduce((a, b) => a + Number(b), 0) / samples.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
  });

  it('draws the discrete Gaussian with a fractional σ² = 9/4 (chi-square, 6000 draws, 11 bins: below 29.59)', () => {
    const random = seededRandom('gaussian-fraction');
    const samples = draw(6000, () => discreteGaussian(random, { n: 9n, d: 4n }));
    // 29.59 is the 0.999 quantile of chi-square with 10 degrees of freedom.
    expect(chiSquare(samples, (x) => Math.exp(-(x * x) / 4.5), 5)).toBeLessThan(29.59);
  });

  it('draws the discrete Laplace with scale 3 (chi-square, 6000 draws, 17 bins: below 39.25)', () => {
    const random = seededRandom('laplace');
    const samples = draw(6000, () => discreteLaplace(random, 3n));
    // 39.25 is the 0.999 quantile of chi-square with 16 degrees of freedom.
    expect(chiSquare(samples, (x) => Math.exp(-Math.abs(x) / 3), 8)).toBeLessThan(39.25);
  });

  it('the test catches a biased sampler (a wrong σ² is far above the threshold)', () => {
    const random = seededRandom('gaussian');
    const samples = draw(6000, () => discreteGaussian(random, { n: 5n, d: 1n }));
    expect(chiSquare(samples, (x) => Math.exp(-(x * x) / 8), 6)).toBeGreaterThan(34.53);
  });

  it('uses only the random source it is given (same seed, same draws)', () => {
    const a = seededRandom('same');
    const b = seededRandom('same');
    expect(draw(50, () => discreteGaussian(a, { n: 10n, d: 1n }))).toEqual(
      draw(50, () => discreteGaussian(b, { n: 10n, d: 1n })),
    );
    const counting: RandomSource & { calls: number } = {
      calls: 0,
      below(n) {
        this.calls++;
        return a.below(n);
      },
    };
    discreteGaussian(counting, { n: 10n, d: 1n });
    expect(counting.calls).toBeGreaterThan(0);
  });

  it('parses fractions and takes integer square roots exactly', () => {
    expect(parseFraction('2/10')).toEqual({ n: 1n, d: 5n });
    expect(parseFraction('3')).toEqual({ n: 3n, d: 1n });
    for (const bad of ['1/0', '-1/2', '0.5', '1/2/3', ''])
      expect(() => parseFraction(bad)).toThrow(RangeError);
    expect(isqrt(99n)).toBe(9n);
    expect(isqrt(100n)).toBe(10n);
    expect(isqrt(10n ** 30n)).toBe(10n ** 15n);
  });
});

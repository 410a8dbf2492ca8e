import { describe, expect, it } from 'vitest';
import { erfc, exactBinomialPValue, sampleRatioMismatch } from '../../../src/rollout/statistics/sample-ratio-mismatch.ts';
import { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';

describe('erfc', () => {
  // Reference values: CPython math.erfc (correctly rounded libm) and Abramowitz & Stegun table 7.1.
  it.each([
    [0, 1],
    [0.1, 0.8875370839817152],
    [0.46875, 0.507386526782062],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047265],
    [3, 2.2090496998585438e-5],
    [4, 1.541725790028002e-8],
    [5, 1.5374597944280351e-12],
    [10, 2.088487583762545e-45],
    [26, 5.663192408856143e-296],
    [-1, 1.842700792949715],
    [-3, 1.999977909503001],
  ])('erfc(%s) = %s to 1e-7 relative', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-7);
  });

  it('underflows to 0 far in the tail and propagates NaN', () => {
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erfc(Number.NaN)).toBeNaN();
  });
});

describe('sampleRatioMismatch', () => {
  it('flags 600 canary units of 10 000 at 5 % (p < 0.001) by chi-square', () => {
    const result = sampleRatioMismatch({ canaryUnits: 600, totalUnits: 10_000, expectedShare: 0.05 });
    expect(result.method).toBe('chi-square');
    expect(result.pValue).toBeLessThan(0.001);
    expect(result.chiSquare).toBeCloseTo(100 ** 2 / (500 * 0.95), 10);
    expect(result).toMatchObject({ observedShare: 0.06, expectedShare: 0.05, units: 10_000 });
  });

  it('accepts 510 canary units of 10 000 at 5 % (p > 0.05)', () => {
    expect(sampleRatioMismatch({ canaryUnits: 510, totalUnits: 10_000, expectedShare: 0.05 }).pValue).toBeGreaterThan(0.05);
  });

  it('uses the exact two-sided binomial tail below 1 000 units (matches scipy.stats.binomtest)', () => {
    const result = sampleRatioMismatch({ canaryUnits: 60, totalUnits: 999, expectedShare: 0.05 });
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(0.14619974561986288, 10);
    expect(sampleRatioMismatch({ canaryUnits: 0, totalUnits: 200, expectedShare: 0.01 }).pValue).toBeCloseTo(0.2759456404132179, 10);
  });

  it.each([
    [450, 1000, 0.5], [480, 1000, 0.5], [545, 1000, 0.5], [35, 1000, 0.05], [40, 1000, 0.05], [65, 1000, 0.05],
    [215, 5000, 0.05], [290, 5000, 0.05],
  ])('exact and chi-square agree for moderate N (%s of %s at %s)', (canaryUnits, totalUnits, expectedShare) => {
    const exact = exactBinomialPValue(canaryUnits, totalUnits, expectedShare);
    const chi = sampleRatioMismatch({ canaryUnits, totalUnits, expectedShare }).pValue;
    // Without a continuity correction χ² runs a little low; the two must still agree closely.
    expect(Math.abs(exact - chi) / chi).toBeLessThan(0.25);
    expect(exact < 0.05).toBe(chi < 0.05);
  });

  it('stays finite and exact where the binomial pmf underflows', () => {
    const p = exactBinomialPValue(0, 999, 0.5);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeCloseTo(2 * 0.5 ** 999, 300);
    expect(exactBinomialPValue(499, 999, 0.5)).toBe(1);
  });

  it('is a valid test: under correct assignment P(p < 0.01) ≤ 0.01', () => {
    const rng = new SeededRandom(5);
    const runs = 4000;
    let small = 0;
    for (let i = 0; i < runs; i++) {
      const totalUnits = 50 + Math.floor(rng.next() * 1500);
      if (sampleRatioMismatch({ canaryUnits: rng.binomial(totalUnits, 0.05), totalUnits, expectedShare: 0.05 }).pValue < 0.01) small++;
    }
    expect(small / runs).toBeLessThanOrEqual(0.01 + 3 * Math.sqrt((0.01 * 0.99) / runs));
  });

  it.each([
    [{ canaryUnits: 5, totalUnits: 100, expectedShare: 0 }],
    [{ canaryUnits: 5, totalUnits: 100, expectedShare: 1 }],
    [{ canaryUnits: 5, totalUnits: 100, expectedShare: Number.NaN }],
    [{ canaryUnits: 0, totalUnits: 0, expectedShare: 0.05 }],
    [{ canaryUnits: 101, totalUnits: 100, expectedShare: 0.05 }],
    [{ canaryUnits: 2.5, totalUnits: 100, expectedShare: 0.05 }],
  ])('does not apply to %j (p = 1, method none)', (input) => {
    expect(sampleRatioMismatch(input)).toMatchObject({ pValue: 1, chiSquare: 0, method: 'none' });
  });
});

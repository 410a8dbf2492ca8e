import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../../src/errors.ts';
import { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';

function draws(rng: SeededRandom, n: number, draw: (r: SeededRandom) => number): number[] {
  return Array.from({ length: n }, () => draw(rng));
}

function meanAndVariance(values: readonly number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)];
}

describe('SeededRandom', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const first = draws(new SeededRandom(42), 5, (r) => r.next());
    expect(draws(new SeededRandom(42), 5, (r) => r.next())).toEqual(first);
    expect(draws(new SeededRandom(43), 5, (r) => r.next())).not.toEqual(first);
    expect(draws(new SeededRandom(42 + 2 ** 40), 5, (r) => r.next())).not.toEqual(first);
  });

  it('draws uniformly in [0, 1)', () => {
    const values = draws(new SeededRandom(1), 100_000, (r) => r.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const [mean, variance] = meanAndVariance(values);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(4 * Math.sqrt(9000));
  });

  it('draws standard normals and lognormals with the documented median', () => {
    const [mean, variance] = meanAndVariance(draws(new SeededRandom(2), 100_000, (r) => r.normal()));
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const logs = draws(new SeededRandom(3), 20_001, (r) => r.lognormal(Math.log(800), 0.6)).sort((a, b) => a - b);
    expect(Math.abs(Math.log(logs[10_000]!) - Math.log(800))).toBeLessThan(0.02);
  });

  it('draws Bernoulli and binomial counts with the right mean and variance', () => {
    const rng = new SeededRandom(4);
    const hits = draws(rng, 100_000, (r) => (r.bernoulli(0.02) ? 1 : 0)).reduce((a, b) => a + b, 0);
    expect(Math.abs(hits - 2000)).toBeLessThan(4 * Math.sqrt(100_000 * 0.02 * 0.98));
    for (const [n, p] of [[40, 0.02], [1000, 0.3], [25, 0.9]] as const) {
      const [mean, variance] = meanAndVariance(draws(rng, 20_000, (r) => r.binomial(n, p)));
      expect(Math.abs(mean - n * p)).toBeLessThan(4 * Math.sqrt((n * p * (1 - p)) / 20_000));
      expect(Math.abs(variance / (n * p * (1 - p)) - 1)).toBeLessThan(0.05);
    }
    expect(rng.binomial(10, 0)).toBe(0);
    expect(rng.binomial(10, 1)).toBe(10);
    expect(rng.binomial(0, 0.5)).toBe(0);
  });

  it('rejects invalid seeds and parameters', () => {
    expect(() => new SeededRandom(Number.NaN)).toThrow(CanaryConfigError);
    const rng = new SeededRandom(5);
    expect(() => rng.binomial(-1, 0.5)).toThrow(CanaryConfigError);
    expect(() => rng.binomial(2.5, 0.5)).toThrow(CanaryConfigError);
    expect(() => rng.binomial(10, 1.5)).toThrow(CanaryConfigError);
  });
});

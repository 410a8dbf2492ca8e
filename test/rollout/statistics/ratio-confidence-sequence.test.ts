import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateRatioEProcess } from '../../../src/rollout/statistics/rate-ratio-e-process.ts';
import { RatioConfidenceSequence } from '../../../src/rollout/statistics/ratio-confidence-sequence.ts';
import { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';
import { median, monteCarloLimit, runErrorStream } from './error-stream.ts';
import type { StreamStop } from './error-stream.ts';
import { configError } from '../../support/config-error.ts';

const ALPHA = 0.05;

/** A stream with only stable errors: the strongest possible evidence that the canary is safe. */
function cleanCanary(sequence: RatioConfidenceSequence, stableErrors: number, share = 0.05): void {
  for (let i = 0; i < stableErrors; i++) sequence.observe(false, share);
}

interface SafetyRuns {
  readonly rate: number;
  readonly stops: readonly StreamStop[];
}

/** Monte Carlo at share 5 %, stable errors 2 %: how often (and when) `stop` first holds. */
function simulate(options: {
  ratio: number; runs: number; seed: number; maxCanaryRequests: number; bounds?: readonly number[];
  stop: (sequence: RatioConfidenceSequence) => boolean;
}): SafetyRuns {
  const rng = new SeededRandom(options.seed);
  const stops: StreamStop[] = [];
  for (let run = 0; run < options.runs; run++) {
    const sequence = new RatioConfidenceSequence(options.bounds ? { bounds: options.bounds } : {});
    const stream = { rng, share: 0.05, stableRate: 0.02, ratio: options.ratio, maxCanaryRequests: options.maxCanaryRequests };
    const stop = runErrorStream(stream, (fromCanary, share) => {
      sequence.observe(fromCanary, share);
      return options.stop(sequence);
    });
    if (stop) stops.push(stop);
  }
  return { rate: stops.length / options.runs, stops };
}

describe('RatioConfidenceSequence configuration', () => {
  it('defaults to the bounds {1.1, 1.25, 1.5, 2, 3, 5, 10}, sorted and de-duplicated when given', () => {
    expect(new RatioConfidenceSequence().bounds).toEqual([1.1, 1.25, 1.5, 2, 3, 5, 10]);
    expect(new RatioConfidenceSequence({ bounds: [3, 1.5, 3, 0.8] }).bounds).toEqual([0.8, 1.5, 3]);
  });

  it.each([[[]], [[1.5, 0]], [[Number.NaN]], [[2, Number.POSITIVE_INFINITY]]])('rejects bounds %j', (bounds) => {
    expect(configError(() => new RatioConfidenceSequence({ bounds })).field).toBe('bounds');
  });

  it('rejects alpha outside (0, 1)', () => {
    const sequence = new RatioConfidenceSequence();
    expect(configError(() => sequence.upperBound(0)).field).toBe('alpha');
    expect(configError(() => sequence.excludes(1.5, 1)).field).toBe('alpha');
  });
});

describe('RatioConfidenceSequence inversion', () => {
  it('proves nothing without data', () => {
    const sequence = new RatioConfidenceSequence();
    expect(sequence.upperBound(ALPHA)).toBeNull();
    expect(sequence.excludes(10, ALPHA)).toBe(false);
    expect(sequence.logE(1.5)).toBe(0);
  });

  it('runs, per bound, the mirror-image e-process with the §5 alternatives', () => {
    const sequence = new RatioConfidenceSequence({ bounds: [1.5, 2] });
    const mirror = new RateRatioEProcess({ rho0: 1.5, direction: 'less', grid: [0.25, 0.5, 0.75, 1] });
    const rng = new SeededRandom(3);
    for (let i = 0; i < 200; i++) {
      const fromCanary = rng.bernoulli(0.04);
      const share = 0.02 + 0.1 * rng.next();
      sequence.observe(fromCanary, share);
      mirror.observe(fromCanary, share);
    }
    expect(sequence.logE(1.5)).toBe(mirror.logE);
    expect(sequence.logE(1.5)).not.toBe(sequence.logE(2));
  });

  it('tightens as clean evidence accumulates, excluding large ratios first', () => {
    const sequence = new RatioConfidenceSequence();
    const bounds: (number | null)[] = [];
    for (let step = 0; step < 12; step++) {
      cleanCanary(sequence, 10);
      bounds.push(sequence.upperBound(ALPHA));
    }
    const proved = bounds.filter((b): b is number => b !== null);
    expect(proved.length).toBeGreaterThan(0);
    expect(proved).toEqual([...proved].sort((a, b) => b - a));
    expect(proved.at(-1)).toBe(1.1);
    expect(sequence.excludes(1.1, ALPHA)).toBe(true);
  });

  it('judges a ratio between grid points by the grid point below it', () => {
    const sequence = new RatioConfidenceSequence({ bounds: [1.5, 3] });
    cleanCanary(sequence, 40);
    expect(sequence.logE(2.9)).toBe(sequence.logE(1.5));
    expect(sequence.excludes(2.9, ALPHA)).toBe(sequence.excludes(1.5, ALPHA));
    expect(sequence.excludes(1.4, ALPHA)).toBe(false);
  });

  it('excludes a ratio only when every grid bound from it upwards is excluded', () => {
    const bounds = [1.1, 1.5, 2, 5];
    const event = fc.tuple(fc.boolean(), fc.constantFrom(0.01, 0.05, 0.3, 0.9));
    fc.assert(fc.property(fc.array(event, { maxLength: 120 }), fc.constantFrom(1, 1.2, 1.5, 3, 7), (events, rhoMax) => {
      const sequence = new RatioConfidenceSequence({ bounds });
      for (const [fromCanary, share] of events) sequence.observe(fromCanary, share);
      const excluded = bounds.map((b) => sequence.logE(b) >= Math.log(1 / ALPHA));
      const floor = bounds.findLastIndex((b) => b <= rhoMax);
      expect(sequence.excludes(rhoMax, ALPHA)).toBe(floor >= 0 && excluded.slice(floor).every(Boolean));
      const lowest = excluded.findIndex((_, i) => excluded.slice(i).every(Boolean));
      expect(sequence.upperBound(ALPHA)).toBe(lowest >= 0 ? bounds[lowest] : null);
    }));
  });

  it('skips events without a usable share and can be reset', () => {
    const sequence = new RatioConfidenceSequence();
    sequence.observe(false, 0);
    sequence.observe(false, Number.NaN);
    expect(sequence.skipped).toBe(2);
    cleanCanary(sequence, 200);
    expect(sequence.upperBound(ALPHA)).not.toBeNull();
    sequence.reset();
    expect(sequence.upperBound(ALPHA)).toBeNull();
    expect(sequence.skipped).toBe(0);
  });
});

describe('RatioConfidenceSequence by simulation (share 5 %, stable errors 2 %)', () => {
  it('covers the true ratio of an equal canary at all times with probability ≥ 1 − alpha', () => {
    const runs = 1500;
    const { rate } = simulate({
      ratio: 1, runs, seed: 7, maxCanaryRequests: 2000, bounds: [0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      stop: (s) => (s.upperBound(ALPHA) ?? Number.POSITIVE_INFINITY) <= 1,
    });
    expect(rate).toBeLessThanOrEqual(monteCarloLimit(ALPHA, runs));
  });

  it('proves a canary exactly at rho = rho_max = 1.5 safe with probability ≤ alpha', () => {
    const runs = 2000;
    const { rate } = simulate({ ratio: 1.5, runs, seed: 11, maxCanaryRequests: 6000, stop: (s) => s.excludes(1.5, ALPHA) });
    expect(rate).toBeLessThanOrEqual(monteCarloLimit(ALPHA, runs));
  });

  it('proves an equal canary safe against rho_max = 2 near the reference median of 444 canary requests', () => {
    const runs = 500;
    const { rate, stops } = simulate({ ratio: 1, runs, seed: 9, maxCanaryRequests: 6000, stop: (s) => s.excludes(2, ALPHA) });
    expect(rate).toBeGreaterThanOrEqual(0.99);
    const requests = median(stops.map((s) => s.canaryRequests));
    expect(requests).toBeGreaterThan(300);
    expect(requests).toBeLessThan(650);
  });
});

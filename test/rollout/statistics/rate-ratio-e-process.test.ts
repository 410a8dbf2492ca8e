import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRateRatioGrid, RateRatioEProcess } from '../../../src/rollout/statistics/rate-ratio-e-process.ts';
import type { RateRatioEProcessOptions } from '../../../src/rollout/statistics/rate-ratio-e-process.ts';
import { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';
import { median, monteCarloLimit, runErrorStream } from './error-stream.ts';
import type { StreamStop } from './error-stream.ts';
import { configError } from '../../support/config-error.ts';

const ALPHA = 0.05;

/** θ(ρ, s): probability that an event came from the canary (reference §2.1), written as in the paper. */
function theta(rho: number, share: number): number {
  return (rho * share) / (rho * share + 1 - share);
}

/** ln E computed straight from the §2.2 definition, independently of the implementation's algebra. */
function referenceLogE(events: readonly (readonly [boolean, number])[], rho0: number, grid: readonly number[]): number {
  const terms = grid.map((rho) => {
    let log = Math.log(1 / grid.length);
    for (const [fromCanary, share] of events) {
      log += fromCanary
        ? Math.log(theta(rho, share) / theta(rho0, share))
        : Math.log((1 - theta(rho, share)) / (1 - theta(rho0, share)));
    }
    return log;
  });
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

interface RollbackRuns {
  readonly rate: number;
  readonly stops: readonly StreamStop[];
}

/** Monte Carlo of §1: P(rollback by 2 000 canary requests), looking after every event. */
function simulateRollbacks(options: { rho0: number; ratio: number; runs: number; seed: number; share?: number }): RollbackRuns {
  const rng = new SeededRandom(options.seed);
  const stops: StreamStop[] = [];
  for (let run = 0; run < options.runs; run++) {
    const process = new RateRatioEProcess({ rho0: options.rho0 });
    const stream = { rng, share: options.share ?? 0.05, stableRate: 0.02, ratio: options.ratio, maxCanaryRequests: 2000 };
    const stop = runErrorStream(stream, (fromCanary, share) => {
      process.observe(fromCanary, share);
      return process.crossed(ALPHA);
    });
    if (stop) stops.push(stop);
  }
  return { rate: stops.length / options.runs, stops };
}

describe('RateRatioEProcess configuration', () => {
  it('uses the §2.3 grids for the reference margins, uniformly weighted', () => {
    expect(new RateRatioEProcess().grid).toEqual([1.25, 1.5, 2, 3, 5, 10]);
    expect(new RateRatioEProcess({ rho0: 1.25 }).grid).toEqual([1.5, 2, 3, 5, 10]);
    const wide = new RateRatioEProcess({ rho0: 1.5 });
    expect(wide.grid).toEqual([2, 3, 5, 10]);
    expect(wide.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('keeps default grids strictly on the alternative side for any margin', () => {
    fc.assert(fc.property(fc.double({ min: 0.01, max: 1000, noNaN: true }), (rho0) => {
      const greater = defaultRateRatioGrid(rho0, 'greater');
      const less = defaultRateRatioGrid(rho0, 'less');
      expect(greater.length).toBeGreaterThanOrEqual(4);
      expect(greater.every((rho) => rho > rho0)).toBe(true);
      expect(less.length).toBeGreaterThanOrEqual(3);
      expect(less.every((rho) => rho > 0 && rho < rho0)).toBe(true);
      expect(() => new RateRatioEProcess({ rho0 })).not.toThrow();
      expect(() => new RateRatioEProcess({ rho0, direction: 'less' })).not.toThrow();
    }));
  });

  it.each<[RateRatioEProcessOptions, string]>([
    [{ rho0: 0 }, 'rho0'],
    [{ rho0: Number.NaN }, 'rho0'],
    [{ rho0: Number.POSITIVE_INFINITY }, 'rho0'],
    [{ grid: [] }, 'grid'],
    [{ grid: [1.5, 1] }, 'grid[1]'],
    [{ rho0: 1.5, grid: [1.25, 2] }, 'grid[0]'],
    [{ grid: [2, Number.NaN] }, 'grid[1]'],
    [{ direction: 'less', grid: [0.5, 1] }, 'grid[1]'],
    [{ direction: 'less', grid: [0, 0.5] }, 'grid[0]'],
    [{ grid: [2, 3], weights: [1] }, 'weights'],
    [{ grid: [2, 3], weights: [0.5, 0.6] }, 'weights'],
    [{ grid: [2, 3], weights: [1.5, -0.5] }, 'weights'],
    [{ direction: 'sideways' as 'less' }, 'direction'],
  ])('rejects %j naming %s', (options, field) => {
    expect(configError(() => new RateRatioEProcess(options)).field).toBe(field);
  });

  it('rejects alpha outside (0, 1) when asked whether it crossed', () => {
    const process = new RateRatioEProcess();
    for (const alpha of [0, 1, -0.1, Number.NaN]) expect(configError(() => process.crossed(alpha)).field).toBe('alpha');
  });
});

describe('RateRatioEProcess statistic', () => {
  it('starts at E = 1, neither rejecting nor counting anything', () => {
    const process = new RateRatioEProcess();
    expect(process.logE).toBe(0);
    expect(process.eValue).toBe(1);
    expect(process.crossed(ALPHA)).toBe(false);
    expect([process.canaryEvents, process.stableEvents, process.skipped]).toEqual([0, 0, 0]);
  });

  it('matches the §2.2 definition for any event sequence, share and direction', () => {
    const event = fc.tuple(fc.boolean(), fc.double({ min: 0.001, max: 0.999, noNaN: true }));
    fc.assert(fc.property(fc.array(event, { maxLength: 60 }), fc.constantFrom(0.8, 1, 1.25, 1.5, 3), fc.boolean(), (events, rho0, greater) => {
      const process = new RateRatioEProcess({ rho0, direction: greater ? 'greater' : 'less' });
      for (const [fromCanary, share] of events) process.observe(fromCanary, share);
      expect(process.logE).toBeCloseTo(referenceLogE(events, rho0, process.grid), 9);
      expect(process.canaryEvents).toBe(events.filter(([c]) => c).length);
      expect(process.stableEvents).toBe(events.filter(([c]) => !c).length);
    }));
  });

  it('honours custom grids and weights', () => {
    const process = new RateRatioEProcess({ rho0: 1, grid: [2, 4], weights: [0.9, 0.1] });
    for (let i = 0; i < 3; i++) process.observe(true, 0.1);
    process.observe(false, 0.1);
    const expected = Math.log(0.9 * (theta(2, 0.1) / theta(1, 0.1)) ** 3 * ((1 - theta(2, 0.1)) / (1 - theta(1, 0.1)))
      + 0.1 * (theta(4, 0.1) / theta(1, 0.1)) ** 3 * ((1 - theta(4, 0.1)) / (1 - theta(1, 0.1))));
    expect(process.logE).toBeCloseTo(expected, 12);
  });

  it('skips and counts events whose share carries no information', () => {
    const process = new RateRatioEProcess();
    for (const share of [0, 1, -0.2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) process.observe(true, share);
    expect(process.skipped).toBe(6);
    expect(process.canaryEvents).toBe(0);
    expect(process.logE).toBe(0);
  });

  it('decides exactly at ln(1/alpha)', () => {
    const process = new RateRatioEProcess();
    while (process.logE < Math.log(1 / ALPHA)) process.observe(true, 0.05);
    expect(process.crossed(ALPHA)).toBe(true);
    expect(process.crossed(ALPHA / 1000)).toBe(process.logE >= Math.log(1000 / ALPHA));
    expect(process.eValue).toBeCloseTo(Math.exp(process.logE), 9);
  });

  it('reset forgets every event', () => {
    const process = new RateRatioEProcess();
    process.observe(true, 0.05);
    process.observe(false, 0);
    process.reset();
    expect([process.logE, process.canaryEvents, process.stableEvents, process.skipped]).toEqual([0, 0, 0, 0]);
  });

  it('survives a JSON round trip and continues exactly as the original', () => {
    const rng = new SeededRandom(42);
    const original = new RateRatioEProcess({ rho0: 1.25 });
    const feed = (process: RateRatioEProcess[]) => {
      for (let i = 0; i < 50; i++) {
        const fromCanary = rng.bernoulli(0.3);
        const share = 0.05 + 0.4 * rng.next();
        for (const p of process) p.observe(fromCanary, share);
      }
    };
    feed([original]);
    original.observe(true, 0);
    const restored = RateRatioEProcess.fromJSON(JSON.parse(JSON.stringify(original)));
    expect(restored.toJSON()).toEqual(original.toJSON());
    feed([original, restored]);
    expect(restored.logE).toBe(original.logE);
    expect(restored.skipped).toBe(1);
  });

  it('refuses corrupted state', () => {
    const state = new RateRatioEProcess().toJSON();
    expect(configError(() => RateRatioEProcess.fromJSON({ ...state, logProducts: [0, 0] })).field).toBe('state.logProducts');
    expect(configError(() => RateRatioEProcess.fromJSON({ ...state, logProducts: state.logProducts.map(() => Number.NaN) })).field).toBe('state.logProducts');
    expect(configError(() => RateRatioEProcess.fromJSON({ ...state, canaryEvents: -1 })).field).toBe('state.canaryEvents');
    expect(configError(() => RateRatioEProcess.fromJSON({ ...state, grid: [0.5] })).field).toBe('grid[0]');
  });
});

describe('RateRatioEProcess §2.4: canary errors needed to roll back at a constant share', () => {
  const table: Record<number, Record<number, readonly number[]>> = {
    1: { 0.01: [2, 3, 3], 0.05: [3, 4, 6], 0.25: [4, 8, 18], 0.5: [7, 18, 43] },
    1.25: { 0.01: [3, 3, 3], 0.05: [3, 4, 6], 0.25: [5, 10, 21], 0.5: [9, 22, 52] },
  };
  const cases = Object.entries(table).flatMap(([rho0, rows]) =>
    Object.entries(rows).map(([share, expected]) => [Number(rho0), Number(share), expected] as const));

  it.each(cases)('rho0 = %s, share %s: C for B = 0 / 5 / 20 is %j', (rho0, share, expected) => {
    const needed = [0, 5, 20].map((stableErrors) => {
      const process = new RateRatioEProcess({ rho0 });
      for (let i = 0; i < stableErrors; i++) process.observe(false, share);
      let canaryErrors = 0;
      while (!process.crossed(ALPHA)) {
        process.observe(true, share);
        canaryErrors++;
      }
      return canaryErrors;
    });
    expect(needed).toEqual(expected);
  });
});

describe('RateRatioEProcess by simulation (share 5 %, stable errors 2 %, ≤ 2 000 canary requests)', () => {
  const RUNS = 4000;

  it('keeps false rollbacks of an identical canary at or below alpha (rho0 = 1)', () => {
    const { rate } = simulateRollbacks({ rho0: 1, ratio: 1, runs: RUNS, seed: 1 });
    expect(rate).toBeLessThanOrEqual(monteCarloLimit(ALPHA, RUNS));
  });

  it('with a 1.5x margin almost never rolls back an identical canary', () => {
    const { rate } = simulateRollbacks({ rho0: 1.5, ratio: 1, runs: RUNS, seed: 2 });
    expect(rate).toBeLessThanOrEqual(ALPHA / 5);
  });

  it('stays valid at the boundary of the null (true ratio = rho0 = 1.25)', () => {
    const { rate } = simulateRollbacks({ rho0: 1.25, ratio: 1.25, runs: RUNS, seed: 3 });
    expect(rate).toBeLessThanOrEqual(monteCarloLimit(ALPHA, RUNS));
  });

  it('detects a 3x regression (6 % vs 2 %) with power ≥ 0.99 near the reference 132 canary requests', () => {
    const { rate, stops } = simulateRollbacks({ rho0: 1, ratio: 3, runs: 1000, seed: 4 });
    expect(rate).toBeGreaterThanOrEqual(0.99);
    const requests = median(stops.map((s) => s.canaryRequests));
    expect(requests).toBeGreaterThan(105);
    expect(requests).toBeLessThan(165);
  });

  it('rolls back a 10x regression at 1 % share after 2–4 canary errors in the median', () => {
    const { rate, stops } = simulateRollbacks({ rho0: 1, ratio: 10, runs: 1000, seed: 5, share: 0.01 });
    expect(rate).toBe(1);
    const errors = stops.map((s) => s.canaryEvents);
    expect(Math.min(...errors)).toBeGreaterThanOrEqual(2);
    expect(median(errors)).toBeLessThanOrEqual(4);
  });
});

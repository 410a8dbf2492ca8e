import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.ts';
import { exactPercentileMs, lognormalLatencies } from '../support/seeded-data.ts';

const PERCENTILES = [50, 90, 95, 99, 99.9];
/** HDR's relative error bound for 2 significant digits is 1 %; for 3 digits 0.1 %. */
const BOUND = { 2: 0.01, 3: 0.001 } as const;

function filled(latencies: readonly number[], significantDigits = 2): LatencyHistogram {
  const histogram = new LatencyHistogram({ significantDigits });
  for (const ms of latencies) histogram.record(ms);
  return histogram;
}

function relativeError(actual: number | null, expected: number): number {
  if (actual === null) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / expected;
}

describe('LatencyHistogram', () => {
  it.each([
    { seed: 1, medianMs: 800, sigma: 1, digits: 2 },
    { seed: 2, medianMs: 800, sigma: 0.3, digits: 2 },
    { seed: 3, medianMs: 20, sigma: 2, digits: 2 },
    { seed: 4, medianMs: 800, sigma: 1, digits: 3 },
  ] as const)('matches exact percentiles of seeded log-normal data (seed $seed, median $medianMs ms, σ $sigma, $digits digits)', ({ seed, medianMs, sigma, digits }) => {
    const latencies = lognormalLatencies({ seed, n: 50_000, medianMs, sigma });
    const histogram = filled(latencies, digits);
    expect(histogram.count).toBe(latencies.length);
    for (const p of PERCENTILES) {
      expect(relativeError(histogram.percentileMs(p), exactPercentileMs(latencies, p))).toBeLessThanOrEqual(BOUND[digits]);
    }
    expect(histogram.maxMs).toBeCloseTo(Math.max(...latencies), 3);
  });

  it('summary() reports p50/p95/p99/max consistently with percentileMs()', () => {
    const histogram = filled(lognormalLatencies({ seed: 9, n: 5_000, medianMs: 120, sigma: 0.8 }));
    expect(histogram.summary()).toEqual({
      p50: histogram.percentileMs(50),
      p95: histogram.percentileMs(95),
      p99: histogram.percentileMs(99),
      max: histogram.maxMs,
    });
  });

  it('is empty-aware: no percentile, summary or max without samples', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.count).toBe(0);
    expect(histogram.percentileMs(95)).toBeNull();
    expect(histogram.summary()).toBeNull();
    expect(histogram.maxMs).toBeNull();
  });

  it('rejects NaN, infinities, negatives and non-numbers without recording them', () => {
    const histogram = new LatencyHistogram();
    for (const bad of [Number.NaN, Infinity, -Infinity, -1, -0.001, '5' as unknown as number, undefined as unknown as number]) {
      expect(histogram.record(bad)).toBe('rejected');
    }
    expect(histogram.count).toBe(0);
  });

  it('clamps latencies above 1 h to 1 h, and below 1 µs to 1 µs', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.record(1e15)).toBe('clamped');
    expect(histogram.record(Number.MAX_VALUE)).toBe('clamped');
    expect(histogram.maxMs).toBe(LatencyHistogram.MAX_LATENCY_MS);
    expect(histogram.percentileMs(100)).toBe(LatencyHistogram.MAX_LATENCY_MS);
    const tiny = new LatencyHistogram();
    expect(tiny.record(0)).toBe('ok');
    expect(tiny.record(0.0002)).toBe('ok');
    expect(tiny.percentileMs(50)).toBe(0.001);
  });

  it('stays correct after bad input is mixed into good data', () => {
    const latencies = lognormalLatencies({ seed: 21, n: 20_000, medianMs: 300, sigma: 1 });
    const histogram = new LatencyHistogram();
    const bad = [Number.NaN, Infinity, -1, -Infinity];
    latencies.forEach((ms, i) => {
      histogram.record(ms);
      if (i % 100 === 0) expect(histogram.record(bad[(i / 100) % bad.length] as number)).toBe('rejected');
    });
    expect(histogram.count).toBe(latencies.length);
    for (const p of PERCENTILES) {
      expect(relativeError(histogram.percentileMs(p), exactPercentileMs(latencies, p))).toBeLessThanOrEqual(BOUND[2]);
    }
  });

  it('keeps every percentile within the recorded min..max, whatever is thrown at it', () => {
    const anyNumber = fc.oneof(fc.double(), fc.double({ min: 0, max: 4_000_000, noNaN: true }), fc.constantFrom(0, 1e15, Number.NaN, -1));
    fc.assert(
      fc.property(fc.array(anyNumber, { maxLength: 200 }), fc.double({ min: 0, max: 100, noNaN: true }), (values, p) => {
        const histogram = new LatencyHistogram();
        const keptUs = values
          .filter((v) => histogram.record(v) !== 'rejected')
          .map((v) => Math.min(3_600_000_000, Math.max(1, Math.round(v * 1000))));
        expect(histogram.count).toBe(keptUs.length);
        const value = histogram.percentileMs(p);
        if (keptUs.length === 0) {
          expect(value).toBeNull();
          return;
        }
        expect(value).toBeGreaterThanOrEqual(Math.min(...keptUs) / 1000);
        expect(value).toBeLessThanOrEqual(Math.max(...keptUs) / 1000);
      }),
    );
  });

  it('addFrom() yields the same distribution as recording everything in one histogram', () => {
    const a = lognormalLatencies({ seed: 5, n: 3_000, medianMs: 50, sigma: 0.5 });
    const b = lognormalLatencies({ seed: 6, n: 7_000, medianMs: 900, sigma: 1.5 });
    const merged = filled(a);
    const other = filled(b);
    expect(merged.addFrom(other)).toBe(true);
    const together = filled([...a, ...b]);
    expect(merged.count).toBe(10_000);
    expect(other.count).toBe(7_000);
    for (const p of PERCENTILES) expect(merged.percentileMs(p)).toBe(together.percentileMs(p));
    expect(merged.maxMs).toBe(together.maxMs);
  });

  it('reset() empties it and it records correctly afterwards', () => {
    const histogram = filled([5, 10, 5_000]);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.summary()).toBeNull();
    histogram.record(42);
    expect(histogram.percentileMs(50)).toBeCloseTo(42, 0);
    expect(histogram.maxMs).toBe(42);
  });

  it('validates significantDigits and the percentile argument', () => {
    for (const significantDigits of [0, 6, 2.5, Number.NaN]) {
      expect(() => new LatencyHistogram({ significantDigits })).toThrow(CanaryConfigError);
    }
    expect(() => new LatencyHistogram({ significantDigits: 7 })).toThrow(/significantDigits must be an integer in 1\.\.5 \(got 7\)/);
    const histogram = filled([1]);
    for (const p of [-1, 100.5, Number.NaN]) expect(() => histogram.percentileMs(p)).toThrow(CanaryConfigError);
  });
});

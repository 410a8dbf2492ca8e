import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { CanaryConfigError } from '../../src/errors.ts';
import type { Outcome } from '../../src/metrics/outcome.ts';
import { OTHER_TOOL, VersionMetrics } from '../../src/metrics/version-metrics.ts';
import { exactPercentileMs, lognormalLatencies, seededRandom } from '../support/seeded-data.ts';

const WINDOW_MS = 300_000;

function metrics(options: Partial<ConstructorParameters<typeof VersionMetrics>[0]> = {}): VersionMetrics {
  return new VersionMetrics({ version: 'v1', clock: new ManualClock(), ...options });
}

describe('VersionMetrics', () => {
  it('reports no data as unknown, never as success', () => {
    const m = metrics();
    for (const stats of [m.snapshot(), m.windowSnapshot()]) {
      expect(stats).toMatchObject({ version: 'v1', samples: 0, successes: 0, failures: 0, successRate: null, latencyMs: null });
    }
    expect(m.percentileMs(95)).toBeNull();
    expect(m.percentileMs(95, { window: true })).toBeNull();
    expect(m.scoreStats('quality')).toBeNull();
  });

  it('computes the success rate as successes / total', () => {
    const m = metrics();
    const random = seededRandom(7);
    let successes = 0;
    for (let i = 0; i < 10_000; i++) {
      const success = random() < 0.93;
      if (success) successes++;
      expect(m.record({ success, latencyMs: 50 })).toBe(true);
    }
    const stats = m.snapshot();
    expect(stats).toMatchObject({ samples: 10_000, successes, failures: 10_000 - successes });
    expect(stats.successRate).toBe(successes / 10_000);
    expect(m.windowSnapshot().successRate).toBe(successes / 10_000);
  });

  it('reads p95 of 100 samples at 10 ms as 10 ms', () => {
    const m = metrics();
    for (let i = 0; i < 100; i++) m.record({ success: true, latencyMs: 10 });
    expect(Math.abs((m.percentileMs(95) as number) - 10)).toBeLessThanOrEqual(0.1);
    expect(m.snapshot().latencyMs).toEqual({ p50: 10, p95: 10, p99: 10, max: 10 });
  });

  it('matches exact percentiles of seeded log-normal latencies, lifetime and window', () => {
    const m = metrics();
    const latencies = lognormalLatencies({ seed: 31, n: 30_000, medianMs: 800, sigma: 1 });
    for (const latencyMs of latencies) m.record({ success: true, latencyMs });
    for (const p of [50, 95, 99]) {
      const exact = exactPercentileMs(latencies, p);
      expect(Math.abs((m.percentileMs(p) as number) / exact - 1)).toBeLessThanOrEqual(0.01);
      expect(Math.abs((m.percentileMs(p, { window: true }) as number) / exact - 1)).toBeLessThanOrEqual(0.01);
    }
  });

  it('rejects invalid latencies and success flags, counting them and keeping statistics intact', () => {
    const m = metrics();
    const clean = metrics();
    const latencies = lognormalLatencies({ seed: 3, n: 2_000, medianMs: 200, sigma: 0.7 });
    const bad: Outcome[] = [
      { success: true, latencyMs: Number.NaN },
      { success: true, latencyMs: Infinity },
      { success: false, latencyMs: -1 },
      { success: 'yes' as unknown as boolean, latencyMs: 10 },
    ];
    latencies.forEach((latencyMs, i) => {
      m.record({ success: true, latencyMs });
      clean.record({ success: true, latencyMs });
      if (i % 500 === 0) for (const outcome of bad) expect(m.record(outcome)).toBe(false);
    });
    const stats = m.snapshot();
    expect(stats.samples).toBe(2_000);
    expect(stats.rejected).toBe(4 * bad.length);
    expect(m.windowSnapshot().rejected).toBe(4 * bad.length);
    expect(stats.latencyMs).toEqual(clean.snapshot().latencyMs);
  });

  it('clamps latencies above 1 h and counts them', () => {
    const m = metrics();
    expect(m.record({ success: true, latencyMs: 1e15 })).toBe(true);
    expect(m.record({ success: true, latencyMs: 5 })).toBe(true);
    const stats = m.snapshot();
    expect(stats).toMatchObject({ samples: 2, clamped: 1, rejected: 0 });
    expect(stats.latencyMs?.max).toBe(3_600_000);
    expect(m.windowSnapshot().clamped).toBe(1);
  });

  it('sums tokens and cost, ignoring and counting invalid values but keeping the call', () => {
    const m = metrics();
    m.record({ success: true, latencyMs: 10, inputTokens: 900, outputTokens: 120, costUsd: 0.25 });
    expect(m.record({ success: true, latencyMs: 10, inputTokens: Number.NaN, outputTokens: 30, costUsd: 0.5 })).toBe(true);
    m.record({ success: false, latencyMs: 10, inputTokens: 100, outputTokens: -5, costUsd: Infinity });
    m.record({ success: true, latencyMs: 10, inputTokens: 1e300 });
    const stats = m.snapshot();
    expect(stats).toMatchObject({ samples: 4, successes: 3, failures: 1, inputTokens: 1_000, outputTokens: 150, costUsd: 0.75, rejected: 3 });
    expect(m.windowSnapshot()).toMatchObject({ samples: 4, inputTokens: 1_000, outputTokens: 150, costUsd: 0.75, rejected: 3 });
  });

  it('keeps agent latencies in the window for windowMs only, and for the lifetime forever', () => {
    const clock = new ManualClock();
    const m = metrics({ clock, windowMs: WINDOW_MS, windowSlots: 5 });
    for (let i = 0; i < 100; i++) m.record({ success: false, latencyMs: 2_000 });
    clock.advance(WINDOW_MS / 2);
    for (let i = 0; i < 100; i++) m.record({ success: true, latencyMs: 100 });
    expect(m.windowSnapshot()).toMatchObject({ samples: 200, successRate: 0.5 });
    clock.advance(WINDOW_MS / 2);
    const recent = m.windowSnapshot();
    expect(recent).toMatchObject({ samples: 100, successes: 100, successRate: 1 });
    expect(recent.latencyMs?.max).toBe(100);
    expect(m.percentileMs(99, { window: true })).toBe(100);
    expect(m.snapshot()).toMatchObject({ samples: 200, successRate: 0.5 });
    expect(m.percentileMs(99)).toBeCloseTo(2_000, -2);
    clock.advance(WINDOW_MS);
    expect(m.windowSnapshot()).toMatchObject({ samples: 0, successRate: null, latencyMs: null });
    expect(m.snapshot().samples).toBe(200);
  });

  it('feeds tool calls into their tool only, not into the invocations', () => {
    const m = metrics();
    m.record({ success: true, latencyMs: 800 });
    for (let i = 0; i < 10; i++) m.record({ success: i < 7, latencyMs: 20, tool: 'search', inputTokens: 5 });
    expect(m.record({ success: true, latencyMs: Number.NaN, tool: 'search' })).toBe(false);
    expect(m.record({ success: true, latencyMs: 5, tool: '' })).toBe(false);
    const stats = m.snapshot();
    expect(stats).toMatchObject({ samples: 1, inputTokens: 0, rejected: 2 });
    expect(stats.latencyMs?.max).toBe(800);
    expect(stats.tools).toEqual({
      search: { tool: 'search', samples: 10, successes: 7, failures: 3, successRate: 0.7, latencyMs: { p50: 20, p95: 20, p99: 20, max: 20 } },
    });
    expect(m.windowSnapshot()).toMatchObject({ samples: 1, rejected: 0, tools: {} });
  });

  it(`aggregates tools beyond maxTools under ${OTHER_TOOL}`, () => {
    const m = metrics({ maxTools: 2 });
    for (const tool of ['a', 'b', 'c', 'd', 'a', 'c']) m.record({ success: true, latencyMs: 1, tool });
    const { tools } = m.snapshot();
    expect(Object.keys(tools).sort()).toEqual([OTHER_TOOL, 'a', 'b']);
    expect(tools.a?.samples).toBe(2);
    expect(tools.b?.samples).toBe(1);
    expect(tools[OTHER_TOOL]?.samples).toBe(3);
    const none = metrics({ maxTools: 0 });
    none.record({ success: true, latencyMs: 1, tool: 'x' });
    expect(Object.keys(none.snapshot().tools)).toEqual([OTHER_TOOL]);
  });

  it('keeps running mean and variance per score, bounded by maxScores', () => {
    const m = metrics({ maxScores: 2 });
    const random = seededRandom(99);
    const values = Array.from({ length: 5_000 }, () => 1e6 + random());
    for (const quality of values) m.record({ success: true, latencyMs: 1, scores: { quality, faithfulness: 1, extra: 3 } });
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    const quality = m.scoreStats('quality');
    expect(quality?.count).toBe(5_000);
    expect(quality?.mean).toBeCloseTo(mean, 6);
    expect((quality?.variance as number) / variance).toBeCloseTo(1, 6);
    expect(m.scoreStats('faithfulness')).toEqual({ count: 5_000, mean: 1, variance: 0 });
    expect(m.scoreStats('extra')).toBeNull();
    expect(m.snapshot().rejected).toBe(0);
  });

  it('ignores and counts non-finite scores; a single score has no variance', () => {
    const m = metrics();
    expect(m.record({ success: true, latencyMs: 1, scores: { quality: 0.5, bad: Number.NaN } })).toBe(true);
    expect(m.scoreStats('quality')).toEqual({ count: 1, mean: 0.5, variance: null });
    expect(m.scoreStats('bad')).toBeNull();
    expect(m.snapshot()).toMatchObject({ samples: 1, rejected: 1 });
  });

  it('never throws on hostile input', () => {
    const m = metrics();
    const throwing = Object.defineProperty({}, 'success', { get: () => { throw new Error('boom'); } }) as Outcome;
    for (const outcome of [null, undefined, {}, throwing, { success: true, latencyMs: 5, scores: null }] as unknown as Outcome[]) {
      expect(() => m.record(outcome)).not.toThrow();
    }
    expect(m.snapshot()).toMatchObject({ rejected: 5, samples: 1 });
  });

  it('updates nothing but the rejected count when reading an outcome throws', () => {
    const m = metrics();
    const outcome = { success: true, latencyMs: 5, get scores(): Record<string, number> { throw new Error('boom'); } };
    expect(m.record(outcome)).toBe(false);
    expect(m.snapshot()).toMatchObject({ samples: 0, rejected: 1, latencyMs: null });
    expect(m.windowSnapshot().latencyMs).toBeNull();
  });

  it('reset() forgets everything', () => {
    const m = metrics();
    m.record({ success: true, latencyMs: 3, inputTokens: 4, tool: 't' });
    m.record({ success: true, latencyMs: 3, inputTokens: 4, scores: { q: 1 } });
    m.record({ success: true, latencyMs: Number.NaN });
    m.reset();
    expect(m.snapshot()).toMatchObject({ samples: 0, rejected: 0, inputTokens: 0, latencyMs: null, tools: {} });
    expect(m.windowSnapshot().samples).toBe(0);
    expect(m.scoreStats('q')).toBeNull();
  });

  it('validates its options, naming the field', () => {
    const cases: [Partial<ConstructorParameters<typeof VersionMetrics>[0]>, RegExp][] = [
      [{ version: '' }, /^version must be a non-empty string/],
      [{ windowMs: -5 }, /^windowMs must be/],
      [{ windowSlots: 0 }, /^windowSlots must be an integer in 1\.\.60/],
      [{ significantDigits: 6 }, /^significantDigits must be an integer in 1\.\.5/],
      [{ maxTools: -1 }, /^maxTools must be an integer in 0\.\.256/],
      [{ maxScores: 1.5 }, /^maxScores must be an integer in 0\.\.256/],
    ];
    for (const [options, message] of cases) {
      expect(() => metrics(options)).toThrow(CanaryConfigError);
      expect(() => metrics(options)).toThrow(message);
    }
  });
});

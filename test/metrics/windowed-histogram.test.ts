import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { CanaryConfigError } from '../../src/errors.ts';
import { WindowedHistogram } from '../../src/metrics/windowed-histogram.ts';
import { exactPercentileMs, lognormalLatencies } from '../support/seeded-data.ts';

const WINDOW_MS = 300_000;
const SLOT_MS = WINDOW_MS / 5;

function recordAll(window: WindowedHistogram, latencies: readonly number[], success = true): void {
  for (const ms of latencies) {
    const slot = window.current();
    slot.histogram.record(ms);
    slot.counters.add({ success, clamped: false, flagged: false, inputTokens: 10, outputTokens: 2, costUsd: 0.5 });
  }
}

describe('WindowedHistogram', () => {
  it('drops samples once the window has passed over them', () => {
    const clock = new ManualClock();
    const window = new WindowedHistogram({ clock, windowMs: WINDOW_MS, slots: 5 });
    recordAll(window, [100, 200]);
    clock.advance(WINDOW_MS - 1);
    expect(window.count).toBe(2);
    expect(window.counters().samples).toBe(2);
    clock.advance(1);
    expect(window.count).toBe(0);
    expect(window.percentileMs(50)).toBeNull();
    expect(window.summary()).toBeNull();
    expect(window.counters().samples).toBe(0);
    expect(window.counters().successRate).toBeNull();
  });

  it('keeps a sample for at least windowMs - slotMs and at most windowMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * WINDOW_MS }), fc.integer({ min: 0, max: 2 * WINDOW_MS }), (recordAt, age) => {
        const clock = new ManualClock(recordAt);
        const window = new WindowedHistogram({ clock, windowMs: WINDOW_MS, slots: 5 });
        recordAll(window, [42]);
        clock.advance(age);
        if (age < WINDOW_MS - SLOT_MS) expect(window.count).toBe(1);
        if (age >= WINDOW_MS) expect(window.count).toBe(0);
      }),
    );
  });

  it('reports the percentiles of recent traffic only', () => {
    const clock = new ManualClock(1_000_000);
    const window = new WindowedHistogram({ clock });
    const slow = lognormalLatencies({ seed: 11, n: 5_000, medianMs: 2_000, sigma: 0.5 });
    const fast = lognormalLatencies({ seed: 12, n: 5_000, medianMs: 100, sigma: 0.5 });
    recordAll(window, slow, false);
    clock.advance(2 * SLOT_MS);
    recordAll(window, fast, true);
    const both = [...slow, ...fast];
    expect(window.count).toBe(10_000);
    expect(Math.abs((window.percentileMs(95) as number) / exactPercentileMs(both, 95) - 1)).toBeLessThanOrEqual(0.01);
    expect(window.counters().successRate).toBe(0.5);

    clock.advance(WINDOW_MS - SLOT_MS);
    expect(window.count).toBe(5_000);
    expect(Math.abs((window.percentileMs(95) as number) / exactPercentileMs(fast, 95) - 1)).toBeLessThanOrEqual(0.01);
    const counters = window.counters();
    expect(counters.successRate).toBe(1);
    expect(counters.inputTokens).toBe(50_000);
    expect(counters.costUsd).toBeCloseTo(2_500, 6);
  });

  it('empties a reused slot before recording into it again', () => {
    const clock = new ManualClock();
    const window = new WindowedHistogram({ clock, windowMs: WINDOW_MS, slots: 5 });
    recordAll(window, [1_000, 1_000, 1_000]);
    clock.advance(WINDOW_MS); // same ring position, next lap
    recordAll(window, [5]);
    expect(window.count).toBe(1);
    expect(window.summary()?.max).toBe(5);
    expect(window.counters().samples).toBe(1);
  });

  it('keeps the latest sub-window when the clock steps back or reads NaN', () => {
    let now = 10 * WINDOW_MS;
    const window = new WindowedHistogram({ clock: { now: () => now } });
    recordAll(window, [7]);
    now = 0;
    recordAll(window, [8]);
    now = Number.NaN;
    recordAll(window, [9]);
    expect(window.count).toBe(3);
    now = 11 * WINDOW_MS;
    expect(window.count).toBe(0);
  });

  it('answers correctly when several windows share the merge scratch', () => {
    const clock = new ManualClock();
    const a = new WindowedHistogram({ clock });
    const b = new WindowedHistogram({ clock });
    recordAll(a, [10, 10, 10]);
    recordAll(b, [900, 900]);
    for (let round = 0; round < 3; round++) {
      expect(a.percentileMs(50)).toBeCloseTo(10, 1);
      expect(b.percentileMs(50)).toBeCloseTo(900, -1);
      expect(a.count).toBe(3 + round);
      recordAll(a, [10]);
    }
    clock.advance(WINDOW_MS);
    expect(a.count).toBe(0);
    expect(b.count).toBe(0);
  });

  it('reset() empties every slot', () => {
    const clock = new ManualClock();
    const window = new WindowedHistogram({ clock });
    recordAll(window, [1, 2, 3]);
    clock.advance(SLOT_MS);
    recordAll(window, [4]);
    window.reset();
    expect(window.count).toBe(0);
    expect(window.counters().samples).toBe(0);
  });

  it('validates its options, naming the field', () => {
    expect(() => new WindowedHistogram({ windowMs: 0 })).toThrow(/windowMs must be a finite number in 1\.\.604800000 \(got 0\)/);
    expect(() => new WindowedHistogram({ windowMs: Infinity })).toThrow(CanaryConfigError);
    expect(() => new WindowedHistogram({ slots: 0 })).toThrow(/slots must be an integer in 1\.\.60/);
    expect(() => new WindowedHistogram({ slots: 2.5 })).toThrow(CanaryConfigError);
    expect(() => new WindowedHistogram({ significantDigits: 6 })).toThrow(/significantDigits/);
    expect(() => new WindowedHistogram({ clock: {} as ManualClock })).toThrow(/clock must be an object with a now\(\) method/);
  });
});

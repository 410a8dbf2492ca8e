import { describe, expect, it } from 'vitest';
import { MeanConfidenceSequence } from '../../../src/rollout/statistics/mean-confidence-sequence.ts';
import { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';
import { median, monteCarloLimit } from './error-stream.ts';
import { configError } from '../../support/config-error.ts';

const ALPHA = 0.05;

describe('MeanConfidenceSequence', () => {
  it('has no bounds until each arm has two samples', () => {
    const sequence = new MeanConfidenceSequence();
    sequence.observe('stable', 1);
    sequence.observe('stable', 2);
    sequence.observe('canary', 3);
    expect(sequence.lowerBound(ALPHA)).toBeNull();
    expect(sequence.upperBound(ALPHA)).toBeNull();
    expect(sequence.means).toEqual({ stable: 1.5, canary: 3 });
    expect(new MeanConfidenceSequence().means).toEqual({ stable: null, canary: null });
    sequence.observe('canary', 5);
    expect(sequence.lowerBound(ALPHA)).not.toBeNull();
  });

  it('brackets the observed difference with the §4 one-sided half-width', () => {
    const sequence = new MeanConfidenceSequence({ tuning: 1000 });
    const stable = [10, 12, 11, 13, 9];
    const canary = [14, 15, 13];
    for (const v of stable) sequence.observe('stable', v);
    for (const v of canary) sequence.observe('canary', v);
    const variance = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b) / xs.length;
      return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
    };
    const n = 8;
    const s2 = n * (variance(stable) / 5 + variance(canary) / 3);
    const eta2 = (-2 * Math.log(2 * ALPHA) + Math.log(-2 * Math.log(2 * ALPHA) + 1)) / 1000;
    const halfWidth = Math.sqrt(s2 * ((2 * (n * eta2 + 1)) / (n * n * eta2)) * Math.log(1 + Math.sqrt(n * eta2 + 1) / (2 * ALPHA)));
    expect(sequence.lowerBound(ALPHA)).toBeCloseTo(14 - 11 - halfWidth, 10);
    expect(sequence.upperBound(ALPHA)).toBeCloseTo(14 - 11 + halfWidth, 10);
  });

  it('rejects non-finite and huge values without touching the statistics', () => {
    const sequence = new MeanConfidenceSequence();
    for (const v of [1, 2]) sequence.observe('stable', v);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -1e200]) sequence.observe('stable', v);
    expect(sequence.rejected).toBe(3);
    expect(sequence.counts).toEqual({ stable: 2, canary: 0 });
    expect(sequence.means.stable).toBe(1.5);
  });

  it('stays accurate for large offsets (Welford)', () => {
    const sequence = new MeanConfidenceSequence();
    for (const v of [1e9 + 1, 1e9 + 2, 1e9 + 3]) sequence.observe('stable', v);
    for (const v of [1e9 + 1, 1e9 + 3, 1e9 + 5]) sequence.observe('canary', v);
    const width = (sequence.upperBound(ALPHA) as number) - (sequence.lowerBound(ALPHA) as number);
    const unitWidth = (() => {
      const s = new MeanConfidenceSequence();
      for (const v of [1, 2, 3]) s.observe('stable', v);
      for (const v of [1, 3, 5]) s.observe('canary', v);
      return (s.upperBound(ALPHA) as number) - (s.lowerBound(ALPHA) as number);
    })();
    expect(width).toBeCloseTo(unitWidth, 6);
  });

  it('validates its configuration', () => {
    expect(configError(() => new MeanConfidenceSequence({ tuning: 0 })).field).toBe('tuning');
    expect(configError(() => new MeanConfidenceSequence({ tuning: Number.NaN })).field).toBe('tuning');
    const sequence = new MeanConfidenceSequence();
    expect(configError(() => sequence.lowerBound(0.5)).field).toBe('alpha');
    expect(configError(() => sequence.upperBound(0)).field).toBe('alpha');
  });

  it('covers the true difference at all times with probability ≥ 1 − alpha per side (normal data)', () => {
    const rng = new SeededRandom(21);
    const runs = 600;
    const trueDifference = 0.5;
    let lowerMisses = 0;
    let upperMisses = 0;
    for (let run = 0; run < runs; run++) {
      const sequence = new MeanConfidenceSequence();
      let lowerMissed = false;
      let upperMissed = false;
      for (let i = 0; i < 3000; i++) {
        if (rng.bernoulli(0.3)) sequence.observe('canary', 10 + trueDifference + 3 * rng.normal());
        else sequence.observe('stable', 10 + 2 * rng.normal());
        const lower = sequence.lowerBound(ALPHA);
        const upper = sequence.upperBound(ALPHA);
        if (lower !== null && lower > trueDifference) lowerMissed = true;
        if (upper !== null && upper < trueDifference) upperMissed = true;
      }
      if (lowerMissed) lowerMisses++;
      if (upperMissed) upperMisses++;
    }
    expect(lowerMisses / runs).toBeLessThanOrEqual(monteCarloLimit(ALPHA, runs));
    expect(upperMisses / runs).toBeLessThanOrEqual(monteCarloLimit(ALPHA, runs));
  });

  it('detects a shift of one standard deviation within a few hundred samples', () => {
    const rng = new SeededRandom(22);
    const detectedAt: number[] = [];
    for (let run = 0; run < 500; run++) {
      const sequence = new MeanConfidenceSequence();
      for (let samples = 1; samples <= 1000; samples++) {
        if (rng.bernoulli(0.5)) sequence.observe('canary', 1 + rng.normal());
        else sequence.observe('stable', rng.normal());
        if ((sequence.lowerBound(ALPHA) ?? 0) > 0) {
          detectedAt.push(samples);
          break;
        }
      }
    }
    expect(detectedAt.length).toBe(500);
    expect(median(detectedAt)).toBeLessThan(300);
  });
});

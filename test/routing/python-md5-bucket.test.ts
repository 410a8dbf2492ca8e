import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonMd5Fraction } from '../../src/routing/python-md5-bucket.ts';

/** The naive port (Buffer digest, first 4 bytes big-endian): an independent path to the same double. */
function bufferFraction(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

function canaryCount(prefix: string, count: number, percent: number): number {
  let canary = 0;
  for (let i = 0; i < count; i++) if (pythonMd5Fraction(`${prefix}${i}`) < percent / 100) canary++;
  return canary;
}

describe('pythonMd5Fraction', () => {
  // Computed by Python's agent-canary `bucket()` (gate-statistics.md §11).
  it.each([
    ['user-42', 0.4616963879670948],
    ['u-0', 0.39803548832423985],
    ['user-0', 0.6878975711297244],
    ['user-1', 0.8392248346935958],
    ['user-2', 0.23963630944490433],
    ['', 0.8285759000573307],
    ['alice', 0.3887464222498238],
    ['bob', 0.6234942516312003],
  ])('gives Python\'s bucket for %j: %d', (key, expected) => {
    expect(pythonMd5Fraction(key)).toBe(expected);
  });

  it.each([
    ['user-', 2000, 25, 497],
    ['user-', 200, 1, 0],
    ['user-', 200, 5, 11],
    ['user-', 200, 25, 50],
    ['user-', 200, 50, 104],
    ['user-', 10_000, 1, 102],
    ['user-', 10_000, 5, 536],
    ['user-', 10_000, 25, 2530],
    ['user-', 10_000, 50, 5050],
    ['u-', 50, 50, 25],
  ])('sends as many of %s0..%s(n-1) (n = %d) to canary at %d %% as Python: %d', (prefix, count, percent, expected) => {
    expect(canaryCount(prefix, count, percent)).toBe(expected);
  });

  it('puts the lowest of user-0..user-199 at 0.010776331415399909, just above 1 %', () => {
    let lowest = 1;
    for (let i = 0; i < 200; i++) lowest = Math.min(lowest, pythonMd5Fraction(`user-${i}`));
    expect(lowest).toBe(0.010776331415399909);
  });

  it('equals the Buffer-digest computation for arbitrary (also non-ASCII) keys', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (key) => {
        const fraction = pythonMd5Fraction(key);
        expect(fraction).toBe(bufferFraction(key));
        expect(fraction).toBeGreaterThanOrEqual(0);
        expect(fraction).toBeLessThan(1);
      }),
      { numRuns: 1000 },
    );
  });
});

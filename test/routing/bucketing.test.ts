import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';
import { BUCKET_COUNT, Bucketer, type Bucketing } from '../../src/routing/bucketing.ts';
import { murmur3_32 } from '../../src/routing/murmur3.ts';
import { pythonMd5Fraction } from '../../src/routing/python-md5-bucket.ts';

interface Count { readonly rolloutId?: string; readonly keyPrefix: string; readonly from: number; readonly to: number; readonly percent: number; readonly canary: number }
interface Fixture {
  readonly description: string;
  readonly bucketCount: number;
  readonly murmur3: {
    readonly description: string;
    readonly vectors: readonly { rolloutId: string; key: string; hash: number; bucket: number; canaryAt: Record<string, boolean> }[];
    readonly counts: readonly Count[];
  };
  readonly agentCanaryMd5: {
    readonly description: string;
    readonly vectors: readonly { key: string; fraction: number; canaryAt: Record<string, boolean> }[];
    readonly counts: readonly Count[];
  };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/bucketing-vectors.json', import.meta.url), 'utf8')) as Fixture;
const md5 = new Bucketer({ bucketing: 'agent-canary-md5', rolloutId: 'ignored' });
const murmur = (rolloutId: string): Bucketer => new Bucketer({ bucketing: 'murmur3', rolloutId });

function countCanary(bucketer: Bucketer, count: Count): number {
  let canary = 0;
  for (let i = count.from; i <= count.to; i++) if (bucketer.isCanary(`${count.keyPrefix}${i}`, count.percent)) canary++;
  return canary;
}

function expectCanaryAt(bucketer: Bucketer, key: string, canaryAt: Record<string, boolean>): void {
  expect(Object.keys(canaryAt).sort()).toEqual(['1', '25', '5', '50']);
  for (const [percent, canary] of Object.entries(canaryAt)) {
    expect(bucketer.isCanary(key, Number(percent)), `${JSON.stringify(key)} at ${percent} %`).toBe(canary);
  }
}

describe('bucketing fixture (test/fixtures/bucketing-vectors.json)', () => {
  it('documents the algorithms for other languages', () => {
    expect(fixture.bucketCount).toBe(BUCKET_COUNT);
    expect(fixture.murmur3.description).toMatch(/MurmurHash3 x86_32.*rolloutId \+ ":" \+ key.*floor\(hash \* 10000 \/ 2\^32\).*bucket < percent \* 100/s);
    expect(fixture.agentCanaryMd5.description).toMatch(/md5.*2\^32.*fraction < percent \/ 100/s);
  });

  it('covers non-ASCII and empty keys in both modes', () => {
    for (const vectors of [fixture.murmur3.vectors, fixture.agentCanaryMd5.vectors]) {
      expect(vectors.length).toBeGreaterThanOrEqual(25);
      expect(vectors.some((v) => v.key === '')).toBe(true);
      expect(vectors.filter((v) => [...v.key].some((c) => c.charCodeAt(0) > 0x7f)).length).toBeGreaterThanOrEqual(5);
    }
  });

  it('murmur3 vectors: hash, bucket and decisions match the implementation', () => {
    for (const vector of fixture.murmur3.vectors) {
      const bucketer = murmur(vector.rolloutId);
      expect(murmur3_32(`${vector.rolloutId}:${vector.key}`)).toBe(vector.hash);
      expect(bucketer.bucketOf(vector.key)).toBe(vector.bucket);
      expect(vector.bucket).toBe(Math.floor((vector.hash * 10_000) / 2 ** 32));
      expectCanaryAt(bucketer, vector.key, vector.canaryAt);
    }
  });

  it('murmur3 vectors include keys on both sides of every threshold', () => {
    const buckets = new Set(fixture.murmur3.vectors.map((v) => v.bucket));
    for (const threshold of [100, 500, 2500, 5000]) {
      expect(buckets.has(threshold - 1), `bucket ${threshold - 1}`).toBe(true);
      expect(buckets.has(threshold), `bucket ${threshold}`).toBe(true);
    }
  });

  it('agent-canary-md5 vectors: fraction and decisions match the implementation', () => {
    for (const vector of fixture.agentCanaryMd5.vectors) {
      expect(pythonMd5Fraction(vector.key)).toBe(vector.fraction);
      expect(md5.bucketOf(vector.key)).toBe(vector.fraction * 10_000);
      expectCanaryAt(md5, vector.key, vector.canaryAt);
    }
  });

  it('agent-canary-md5 vectors and counts agree with the Python reference values (gate-statistics.md §11)', () => {
    const python: Record<string, number> = {
      'user-42': 0.4616963879670948, 'u-0': 0.39803548832423985, 'user-0': 0.6878975711297244, 'user-1': 0.8392248346935958,
      'user-2': 0.23963630944490433, '': 0.8285759000573307, alice: 0.3887464222498238, bob: 0.6234942516312003,
    };
    for (const [key, fraction] of Object.entries(python)) {
      expect(fixture.agentCanaryMd5.vectors.find((v) => v.key === key)?.fraction, key).toBe(fraction);
    }
    const pythonCounts = [
      ['user-', 199, 1, 0], ['user-', 199, 5, 11], ['user-', 199, 25, 50], ['user-', 199, 50, 104], ['user-', 1999, 25, 497],
      ['user-', 9999, 1, 102], ['user-', 9999, 5, 536], ['user-', 9999, 25, 2530], ['user-', 9999, 50, 5050], ['u-', 49, 50, 25],
    ] as const;
    const fixtureCounts = fixture.agentCanaryMd5.counts.map((c) => [c.keyPrefix, c.to, c.percent, c.canary]);
    expect(fixtureCounts).toEqual(expect.arrayContaining(pythonCounts.map((c) => [...c])));
    expect(fixture.agentCanaryMd5.counts.every((c) => c.from === 0)).toBe(true);
  });

  it('count facts of both modes match the implementation', () => {
    for (const count of fixture.agentCanaryMd5.counts) expect(countCanary(md5, count), JSON.stringify(count)).toBe(count.canary);
    for (const count of fixture.murmur3.counts) {
      expect(countCanary(murmur(count.rolloutId!), count), JSON.stringify(count)).toBe(count.canary);
    }
  });
});

const bucketings: readonly Bucketing[] = ['murmur3', 'agent-canary-md5'];
const percentArb = fc.double({ min: 0, max: 100, noNaN: true });

describe.each(bucketings)('Bucketer (%s)', (bucketing) => {
  const bucketer = new Bucketer({ bucketing, rolloutId: 'support-agent-v1.1' });

  it('places every key in [0, 10000), as an integer in murmur3 mode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (key) => {
        const position = bucketer.bucketOf(key);
        expect(position).toBeGreaterThanOrEqual(0);
        expect(position).toBeLessThan(BUCKET_COUNT);
        if (bucketing === 'murmur3') expect(Number.isInteger(position)).toBe(true);
      }),
    );
  });

  it('is sticky: the same key and percent give the same answer, also from a new instance', () => {
    const twin = new Bucketer({ bucketing, rolloutId: 'support-agent-v1.1' });
    fc.assert(
      fc.property(fc.string(), percentArb, (key, percent) => {
        expect(bucketer.isCanary(key, percent)).toBe(twin.isCanary(key, percent));
        expect(bucketer.bucketOf(key)).toBe(bucketer.bucketOf(key));
      }),
    );
  });

  it('is monotone: canary at p stays canary at every q >= p', () => {
    fc.assert(
      fc.property(fc.string(), percentArb, percentArb, (key, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        if (bucketer.isCanary(key, low)) expect(bucketer.isCanary(key, high)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('sends nobody at 0 % (and NaN) and everybody at 100 %', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (key) => {
        expect(bucketer.isCanary(key, 0)).toBe(false);
        expect(bucketer.isCanary(key, Number.NaN)).toBe(false);
        expect(bucketer.isCanary(key, 100)).toBe(true);
      }),
    );
  });

  it('decides from the position exactly as from the key', () => {
    fc.assert(
      fc.property(fc.string(), percentArb, (key, percent) => {
        expect(bucketer.isCanaryBucket(bucketer.bucketOf(key), percent)).toBe(bucketer.isCanary(key, percent));
      }),
    );
  });
});

describe('Bucketer modes', () => {
  it('agent-canary-md5 positions are exact: position / 10000 is the Python fraction, bit for bit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (key) => {
        expect(md5.bucketOf(key) / 10_000).toBe(pythonMd5Fraction(key));
      }),
    );
  });

  it('agent-canary-md5 decides with Python\'s strict `fraction < percent / 100`, at the boundary too', () => {
    // 2^-32 steps: a percent exactly at a key's fraction must leave it on stable, a hair above admits it.
    fc.assert(
      fc.property(fc.string(), (key) => {
        const fraction = pythonMd5Fraction(key);
        const percentAtKey = fraction * 100;
        fc.pre(percentAtKey / 100 === fraction);
        expect(md5.isCanary(key, percentAtKey)).toBe(false);
        expect(md5.isCanary(key, Math.min(100, (fraction + 2 ** -32) * 100))).toBe(true);
      }),
    );
  });

  it('agent-canary-md5 is unsalted (Python parity): the rollout id does not matter', () => {
    const other = new Bucketer({ bucketing: 'agent-canary-md5', rolloutId: 'another-rollout' });
    fc.assert(fc.property(fc.string(), (key) => other.bucketOf(key) === md5.bucketOf(key)));
  });

  it('murmur3 is salted: another rollout picks different first canaries', () => {
    const a = murmur('support-agent-v1.1');
    const b = murmur('support-agent-v1.2');
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const canariesA = keys.filter((key) => a.isCanary(key, 5));
    const sharedWithB = canariesA.filter((key) => b.isCanary(key, 5)).length;
    // Independent 5 % samples share ~5 % of members (≈ 25 of ~500); an unsalted hash would share all.
    expect(canariesA.length).toBeGreaterThan(400);
    expect(sharedWithB / canariesA.length).toBeLessThan(0.15);
    const differentBuckets = keys.filter((key) => a.bucketOf(key) !== b.bucketOf(key)).length;
    expect(differentBuckets / keys.length).toBeGreaterThan(0.99);
  });

  it.each([
    [{ bucketing: 'sha1', rolloutId: 'r' }, 'bucketing', "'murmur3' | 'agent-canary-md5'"],
    [{ bucketing: 'murmur3', rolloutId: '' }, 'rolloutId', 'non-empty string'],
    [{ bucketing: 'murmur3', rolloutId: 42 }, 'rolloutId', 'non-empty string'],
  ])('rejects %j naming %s', (options, field, allowed) => {
    const build = (): Bucketer => new Bucketer(options as never);
    expect(build).toThrow(CanaryConfigError);
    expect(build).toThrow(field);
    expect(build).toThrow(allowed);
  });
});

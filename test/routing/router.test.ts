import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bucketing } from '../../src/routing/bucketing.ts';
import { CanaryRouter, type CanaryRouterOptions } from '../../src/routing/router.ts';
import { configError } from '../support/config-error.ts';
import { seededRandom } from '../support/seeded-data.ts';

const base = { rolloutId: 'support-agent-v1.1', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0' } as const;

function router(options: Partial<CanaryRouterOptions> = {}): CanaryRouter {
  return new CanaryRouter({ ...base, ...options });
}

/** Asserts `count` of `n` Bernoulli(p) trials lies within 4.5 binomial standard deviations of n·p. */
function expectWithinBinomialBand(count: number, n: number, percent: number): void {
  const p = percent / 100;
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(count - n * p), `${count} of ${n} at ${percent} % (σ = ${sigma.toFixed(1)})`).toBeLessThanOrEqual(4.5 * sigma);
}

const bucketings: readonly Bucketing[] = ['murmur3', 'agent-canary-md5'];

describe('CanaryRouter defaults and assignments', () => {
  it('starts at 0 %, stage 0, murmur3, not rolled back', () => {
    const r = router();
    expect([r.rolloutId, r.trafficPercent, r.stageIndex, r.bucketing, r.rolledBack]).toEqual([base.rolloutId, 0, 0, 'murmur3', false]);
    expect(r.counters).toEqual({ keyless: 0, coerced: 0, overrides: 0, cohortExcluded: 0 });
    expect(r.route('user-1')).toEqual({
      rolloutId: base.rolloutId, version: base.stable, role: 'stable', bucket: r.bucketOf('user-1'), trafficPercent: 0, stage: 0, reason: 'split',
    });
  });

  it('reports the version of the chosen role and the traffic in force', () => {
    const r = router({ percent: 25, stageIndex: 2 });
    for (let i = 0; i < 200; i++) {
      const a = r.route(`user-${i}`);
      expect(a.version).toBe(a.role === 'canary' ? base.canary : base.stable);
      expect(a.role).toBe(a.bucket! < 2500 ? 'canary' : 'stable');
      expect([a.trafficPercent, a.stage, a.reason]).toEqual([25, 2, 'split']);
    }
  });

  it.each(bucketings)('is sticky across instances and calls (%s)', (bucketing) => {
    const a = router({ bucketing, percent: 30 });
    const b = router({ bucketing, percent: 30 });
    fc.assert(fc.property(fc.string({ minLength: 1 }), (key) => {
      expect(a.route(key)).toEqual(b.route(key));
      expect(a.route(key)).toEqual(a.route(key));
    }));
  });

  it.each(bucketings)('is monotone as the stage grows: a canary key stays canary (%s)', (bucketing) => {
    const r = router({ bucketing });
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (key, p, q) => {
      const [low, high] = p <= q ? [p, q] : [q, p];
      r.setTraffic({ percent: low, stageIndex: 0 });
      const before = r.route(key).role;
      r.setTraffic({ percent: high, stageIndex: 1 });
      if (before === 'canary') expect(r.route(key).role).toBe('canary');
    }), { numRuns: 1000 });
  });

  it.each(bucketings)('sends nobody at 0 % and everybody at 100 %, keyed or not (%s)', (bucketing) => {
    const none = router({ bucketing, percent: 0, random: () => 0 });
    const all = router({ bucketing, percent: 100, random: () => 0.9999999999 });
    fc.assert(fc.property(fc.option(fc.string(), { nil: undefined }), (key) => {
      expect(none.route(key).role).toBe('stable');
      expect(all.route(key).role).toBe('canary');
    }));
  });

  it('salts by rollout: two rollouts disagree on about half the keys at 50 %', () => {
    const a = router({ percent: 50 });
    const b = router({ percent: 50, rolloutId: 'support-agent-v1.2' });
    let disagreements = 0;
    for (let i = 0; i < 20_000; i++) if (a.route(`user-${i}`).role !== b.route(`user-${i}`).role) disagreements++;
    // Independent halves disagree with probability 1/2.
    expectWithinBinomialBand(disagreements, 20_000, 50);
  });
});

describe('CanaryRouter split accuracy', () => {
  it.each(bucketings.flatMap((bucketing) => [1, 5, 25, 50].map((percent) => [bucketing, percent] as const)))(
    '%s: %d %% of 20,000 sequential keys lands within the 4.5σ binomial band',
    (bucketing, percent) => {
      const r = router({ bucketing, percent });
      let canary = 0;
      for (let i = 0; i < 20_000; i++) if (r.route(`user-${i}`).role === 'canary') canary++;
      expectWithinBinomialBand(canary, 20_000, percent);
    },
  );

  it.each([1, 5, 25, 50])('keyless: %d %% of 20,000 requests with a seeded random lands within the 4.5σ band', (percent) => {
    const r = router({ percent, random: seededRandom(percent * 7919) });
    let canary = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = r.route();
      expect(a.bucket).toBeNull();
      if (a.role === 'canary') canary++;
    }
    expectWithinBinomialBand(canary, 20_000, percent);
    expect(r.counters.keyless).toBe(20_000);
  });
});

describe('CanaryRouter keys', () => {
  it('routes undefined, null and "" at random in murmur3 mode and counts them', () => {
    const draws = [0.001, 0.9, 0.3];
    const r = router({ percent: 50, random: () => draws.shift() ?? 0 });
    expect(r.route(undefined)).toMatchObject({ role: 'canary', bucket: null, reason: 'random' });
    expect(r.route(null as never)).toMatchObject({ role: 'stable', bucket: null, reason: 'random' });
    expect(r.route('')).toMatchObject({ role: 'canary', bucket: null, reason: 'random' });
    expect(r.counters.keyless).toBe(3);
  });

  it('treats "" as a real key in agent-canary-md5 mode (Python parity: bucket 0.8286)', () => {
    const r = router({ bucketing: 'agent-canary-md5', percent: 82, random: () => 0 });
    expect(r.route('')).toMatchObject({ role: 'stable', reason: 'split', bucket: 0.8285759000573307 * 10_000 });
    r.setTraffic({ percent: 83, stageIndex: 1 });
    expect(r.route('')).toMatchObject({ role: 'canary', reason: 'split' });
    expect(r.counters.keyless).toBe(0);
  });

  it('converts a non-string key with String(), routes it like the string, and counts it', () => {
    const r = router({ percent: 50 });
    for (const key of [42, 7n, true, { toString: () => 'user-9' }]) {
      expect(r.route(key as never)).toEqual(r.route(String(key)));
    }
    expect(r.counters).toMatchObject({ coerced: 4, keyless: 0 });
  });

  it('never throws on a key that cannot become a string: routes it keyless', () => {
    const r = router({ percent: 100 });
    const hostile = { toString: (): string => { throw new Error('no'); } };
    expect(r.route(hostile as never)).toMatchObject({ role: 'canary', reason: 'random', bucket: null });
    expect(r.route(Object.create(null) as never)).toMatchObject({ reason: 'random' });
    expect(r.counters).toMatchObject({ coerced: 2, keyless: 2 });
  });

  it('bucketOf gives the position used by route()', () => {
    const r = router({ percent: 5 });
    fc.assert(fc.property(fc.string({ minLength: 1 }), (key) => r.route(key).bucket === r.bucketOf(key)));
  });
});

describe('CanaryRouter overrides', () => {
  it('forces listed keys to their role, whatever the percent', () => {
    const r = router({ percent: 0, overrides: [{ keys: ['qa-1', 'qa-2'], role: 'canary' }, { keys: ['vip'], role: 'stable' }] });
    expect(r.route('qa-2')).toMatchObject({ role: 'canary', version: base.canary, reason: 'override', bucket: r.bucketOf('qa-2') });
    expect(r.route('qa-3')).toMatchObject({ role: 'stable', reason: 'split' });
    r.setTraffic({ percent: 100, stageIndex: 4 });
    expect(r.route('vip')).toMatchObject({ role: 'stable', reason: 'override' });
    expect(r.counters.overrides).toBe(2);
  });

  it('matches requests by predicate, also keyless ones, and passes {} when there are no attributes', () => {
    const seen: unknown[] = [];
    const r = router({
      percent: 0,
      overrides: [{ when: (attributes) => (seen.push(attributes), attributes.team === 'internal'), role: 'canary' }],
    });
    expect(r.route(undefined, { team: 'internal' })).toMatchObject({ role: 'canary', reason: 'override', bucket: null });
    expect(r.route('user-1', { team: 'external' })).toMatchObject({ role: 'stable', reason: 'split' });
    expect(r.route('user-1')).toMatchObject({ reason: 'split' });
    expect(seen.at(-1)).toEqual({});
  });

  it('applies the first matching override; a key list or a predicate suffices', () => {
    const r = router({
      percent: 50,
      overrides: [
        { keys: ['alice'], when: (attributes) => attributes.beta === true, role: 'canary' },
        { when: () => true, role: 'stable' },
      ],
    });
    expect(r.route('alice').role).toBe('canary');
    expect(r.route('bob', { beta: true }).role).toBe('canary');
    expect(r.route('bob')).toMatchObject({ role: 'stable', reason: 'override' });
  });

  it('treats a throwing or non-boolean predicate as no match and never throws', () => {
    const r = router({
      percent: 100,
      overrides: [
        { when: () => { throw new Error('bug in user predicate'); }, role: 'stable' },
        { when: (() => 'yes') as never, role: 'stable' },
      ],
    });
    expect(r.route('user-1')).toMatchObject({ role: 'canary', reason: 'split' });
    expect(r.counters.overrides).toBe(0);
  });
});

describe('CanaryRouter cohort', () => {
  it('lets only matching attributes reach the canary (every listed attribute, any listed value)', () => {
    const r = router({ percent: 100, cohort: { plan: 'pro', region: ['eu', 'us'], tier: [1, 2] } });
    expect(r.route('user-1', { plan: 'pro', region: 'us', tier: 2 })).toMatchObject({ role: 'canary', reason: 'split' });
    expect(r.route('user-1', { plan: 'pro', region: 'apac', tier: 2 })).toMatchObject({ role: 'stable', reason: 'cohort_excluded' });
    expect(r.route('user-1', { plan: 'pro', region: 'eu', tier: '2' })).toMatchObject({ reason: 'cohort_excluded' });
    expect(r.route('user-1', { plan: 'pro', region: 'eu' })).toMatchObject({ reason: 'cohort_excluded' });
    expect(r.route('user-1')).toMatchObject({ role: 'stable', reason: 'cohort_excluded', bucket: r.bucketOf('user-1') });
    expect(r.route(undefined, { plan: 'free' })).toMatchObject({ reason: 'cohort_excluded', bucket: null });
    expect(r.counters).toMatchObject({ cohortExcluded: 5, keyless: 0 });
  });

  it('accepts a predicate; a throwing one excludes (stable) without throwing', () => {
    const byPredicate = router({ percent: 100, cohort: (attributes) => attributes.beta === true });
    expect(byPredicate.route('u', { beta: true }).role).toBe('canary');
    expect(byPredicate.route('u', { beta: false }).reason).toBe('cohort_excluded');
    const throwing = router({ percent: 100, cohort: () => { throw new Error('bug'); } });
    expect(throwing.route('u', { beta: true })).toMatchObject({ role: 'stable', reason: 'cohort_excluded' });
  });

  it('inside the cohort the sticky split still applies', () => {
    const r = router({ percent: 25, cohort: { plan: 'pro' } });
    for (let i = 0; i < 500; i++) {
      const key = `user-${i}`;
      expect(r.route(key, { plan: 'pro' }).role).toBe(r.bucketOf(key) < 2500 ? 'canary' : 'stable');
    }
  });

  it('is checked after overrides: a forced key outside the cohort keeps its override', () => {
    const r = router({ percent: 100, cohort: { plan: 'pro' }, overrides: [{ keys: ['qa'], role: 'canary' }] });
    expect(r.route('qa', { plan: 'free' })).toMatchObject({ role: 'canary', reason: 'override' });
  });
});

describe('CanaryRouter rollback and traffic', () => {
  it('routes everyone to stable while rolled back, overrides included, reporting 0 %', () => {
    const r = router({ percent: 50, stageIndex: 2, overrides: [{ keys: ['qa'], role: 'canary' }], random: () => 0 });
    r.setRolledBack(true);
    expect(r.rolledBack).toBe(true);
    expect(r.trafficPercent).toBe(0);
    expect(r.route('qa')).toMatchObject({ role: 'stable', version: base.stable, reason: 'rolled_back', trafficPercent: 0, stage: 2 });
    expect(r.route()).toMatchObject({ role: 'stable', reason: 'rolled_back', bucket: null });
    fc.assert(fc.property(fc.string(), (key) => r.route(key, { any: 'thing' }).role === 'stable'));
    expect(r.counters.overrides).toBe(0);
  });

  it('resumes the last traffic when the rollback is lifted', () => {
    const r = router({ percent: 50 });
    r.setRolledBack(true);
    r.setTraffic({ percent: 25, stageIndex: 1 });
    expect(r.trafficPercent).toBe(0);
    r.setRolledBack(false);
    expect([r.trafficPercent, r.stageIndex]).toEqual([25, 1]);
    expect(r.route('user-1')).toMatchObject({ reason: 'split', trafficPercent: 25, stage: 1 });
  });

  it.each([
    [{ percent: 101, stageIndex: 1 }, 'percent', '0..100'],
    [{ percent: Number.NaN, stageIndex: 1 }, 'percent', '0..100'],
    [{ percent: Number.POSITIVE_INFINITY, stageIndex: 1 }, 'percent', '0..100'],
    [{ percent: 10, stageIndex: -1 }, 'stageIndex', 'integer >= 0'],
    [{ percent: 10, stageIndex: 1.5 }, 'stageIndex', 'integer >= 0'],
  ])('setTraffic(%j) throws naming %s and changes nothing', (traffic, field, allowed) => {
    const r = router({ percent: 5, stageIndex: 3 });
    const error = configError(() => r.setTraffic(traffic));
    expect([error.field, error.allowed]).toEqual([field, expect.stringContaining(allowed)]);
    expect(error.message).toContain(field);
    expect([r.trafficPercent, r.stageIndex]).toEqual([5, 3]);
  });

  it('setRolledBack requires a boolean', () => {
    expect(configError(() => router().setRolledBack('yes' as never)).field).toBe('rolledBack');
  });
});

describe('CanaryRouter configuration', () => {
  it.each([
    [{ rolloutId: '' }, 'rolloutId', 'non-empty string'],
    [{ rolloutId: undefined }, 'rolloutId', 'non-empty string'],
    [{ stable: '' }, 'stable', 'non-empty string'],
    [{ canary: 7 }, 'canary', 'non-empty string'],
    [{ canary: base.stable }, 'canary', 'different from stable'],
    [{ percent: 120 }, 'percent', '0..100'],
    [{ percent: -0.5 }, 'percent', '0..100'],
    [{ stageIndex: 1.5 }, 'stageIndex', 'integer'],
    [{ bucketing: 'sha1' }, 'bucketing', "'murmur3' | 'agent-canary-md5'"],
    [{ overrides: { keys: ['a'], role: 'canary' } }, 'overrides', 'array'],
    [{ overrides: [{ keys: ['a'], role: 'canary' }, { keys: ['b'], role: 'beta' }] }, 'overrides[1].role', "'stable' | 'canary'"],
    [{ overrides: [{ role: 'canary' }] }, 'overrides[0]', 'keys, when or both'],
    [{ overrides: [{ keys: [1], role: 'canary' }] }, 'overrides[0].keys', 'array of strings'],
    [{ overrides: [{ when: true, role: 'stable' }] }, 'overrides[0].when', 'function'],
    [{ overrides: [null] }, 'overrides[0]', 'object'],
    [{ cohort: 'pro' }, 'cohort', 'function'],
    [{ cohort: ['pro'] }, 'cohort', 'function'],
    [{ cohort: { plan: [] } }, 'cohort.plan', 'non-empty array'],
    [{ cohort: { plan: { in: ['pro'] } } }, 'cohort.plan', 'string, number or boolean'],
    [{ random: 0.5 }, 'random', 'function'],
  ])('rejects %j naming %s', (options, field, allowed) => {
    const error = configError(() => router(options as never));
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${field} must be`);
    expect(error.allowed).toContain(allowed);
  });

  it('accepts undefined for every optional field (as the facade passes them)', () => {
    const r = router({ percent: undefined, stageIndex: undefined, bucketing: undefined, overrides: undefined, cohort: undefined, random: undefined });
    expect([r.bucketing, r.trafficPercent, r.stageIndex]).toEqual(['murmur3', 0, 0]);
    expect(r.route('k').reason).toBe('split');
  });
});

describe('CanaryRouter in agent-canary-md5 mode keeps the Python library behaviours', () => {
  const python = (percent: number): CanaryRouter => router({ bucketing: 'agent-canary-md5', percent });
  const canaryCount = (r: CanaryRouter, count: number): number => {
    let canary = 0;
    for (let i = 0; i < count; i++) if (r.route(`user-${i}`).role === 'canary') canary++;
    return canary;
  };

  it('user-0..user-199 at 1 % → 0 canary; user-0..user-1999 at 25 % → 497', () => {
    expect(canaryCount(python(1), 200)).toBe(0);
    expect(canaryCount(python(25), 2000)).toBe(497);
  });

  it('user-42 (bucket 0.4617) is canary at 47 % and stable at 46 %', () => {
    expect(python(47).route('user-42').role).toBe('canary');
    expect(python(46).route('user-42').role).toBe('stable');
    expect(python(46).route('user-42').bucket).toBe(4616.963879670948);
  });

  it('ignores the rollout id (unsalted), unlike murmur3', () => {
    const other = router({ bucketing: 'agent-canary-md5', percent: 50, rolloutId: 'another' });
    for (let i = 0; i < 100; i++) expect(other.route(`user-${i}`).role).toBe(python(50).route(`user-${i}`).role);
  });
});

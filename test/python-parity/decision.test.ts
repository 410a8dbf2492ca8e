// Ports tests/test_decision.py of the Python agent-canary v0.1.0 (mizcausevic-dev/agent-canary):
// CanaryRouter. Python percents 0.0..1.0 are 0..100 here; `bucketing: 'agent-canary-md5'`
// reproduces its unsalted MD5 buckets exactly.
import { describe, expect, it } from 'vitest';
import { CanaryRouter, type CanaryRouterOptions } from '../../src/index.ts';
import { configError } from '../support/config-error.ts';

function pythonRouter(percent: number, options: Partial<CanaryRouterOptions> = {}): CanaryRouter {
  return new CanaryRouter({ rolloutId: 'python-parity', stable: 'stable', canary: 'canary', bucketing: 'agent-canary-md5', percent, ...options });
}

function canaryCount(router: CanaryRouter, keys: number, prefix = 'user-'): number {
  let count = 0;
  for (let i = 0; i < keys; i++) if (router.route(`${prefix}${i}`).role === 'canary') count++;
  return count;
}

describe('python parity: test_decision.py', () => {
  it('test_zero_percent_always_stable', () => {
    const router = pythonRouter(0);
    for (let i = 0; i < 100; i++) expect(router.route(`user-${i}`)).toMatchObject({ role: 'stable', version: 'stable', reason: 'split' });
  });

  it('test_full_percent_always_canary', () => {
    const router = pythonRouter(100);
    for (let i = 0; i < 100; i++) expect(router.route(`user-${i}`)).toMatchObject({ role: 'canary', version: 'canary', reason: 'split' });
  });

  it('test_sticky_routing_is_stable (user-42 sits at the Python bucket 0.4616963879670948, so canary at 50 %)', () => {
    const router = pythonRouter(50);
    const first = router.route('user-42');
    for (let i = 0; i < 20; i++) expect(router.route('user-42')).toEqual(first);
    expect(first.role).toBe('canary');
    expect((first.bucket ?? Number.NaN) / 10_000).toBe(0.4616963879670948);
  });

  it('test_invalid_percent_rejected (-0.1 and 1.5 in Python are -10 and 150 here)', () => {
    expect(configError(() => pythonRouter(-10)).field).toBe('percent');
    expect(configError(() => pythonRouter(150)).field).toBe('percent');
  });

  it('test_update_percent (update_percent is setTraffic; a rejected update changes nothing)', () => {
    const router = pythonRouter(0);
    router.setTraffic({ percent: 50, stageIndex: 0 });
    expect(router.trafficPercent).toBe(50);
    expect(configError(() => router.setTraffic({ percent: 200, stageIndex: 0 })).field).toBe('percent');
    expect(router.trafficPercent).toBe(50);
  });

  it('test_distribution_roughly_correct (user-0..user-1999 at 25 % give exactly the Python count, 497)', () => {
    const count = canaryCount(pythonRouter(25), 2000);
    expect(count).toBeGreaterThanOrEqual(400);
    expect(count).toBeLessThanOrEqual(600);
    expect(count).toBe(497);
  });

  it('fixed: the default hash is salted per rollout, so rollouts do not share their first canaries (Python: unsalted)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const canariesOf = (rolloutId: string, bucketing?: 'agent-canary-md5'): Set<string> => {
      const router = new CanaryRouter({ rolloutId, stable: 'stable', canary: 'canary', percent: 25, ...(bucketing ? { bucketing } : {}) });
      return new Set(keys.filter((key) => router.route(key).role === 'canary'));
    };
    const overlap = (a: Set<string>, b: Set<string>): number => [...a].filter((key) => b.has(key)).length;

    const md5A = canariesOf('rollout-a', 'agent-canary-md5');
    const md5B = canariesOf('rollout-b', 'agent-canary-md5');
    expect(overlap(md5A, md5B)).toBe(md5A.size);

    const saltedA = canariesOf('rollout-a');
    const saltedB = canariesOf('rollout-b');
    // Independent 25 % cohorts overlap on about 25 % of each: 500 × 0.25 = 125, sd ≈ 10.
    expect(overlap(saltedA, saltedB)).toBeGreaterThan(75);
    expect(overlap(saltedA, saltedB)).toBeLessThan(200);
  });
});

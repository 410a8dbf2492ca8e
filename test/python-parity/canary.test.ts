// Ports tests/test_canary.py of the Python agent-canary v0.1.0 (mizcausevic-dev/agent-canary):
// the AgentCanary facade. `gates: { errors: false, latency: false, srm: false, absolute: {} }`
// reproduces the Python rollback rule (canary success < stable − 0.05 after 50 canary samples) and
// the stage minimums its promotion rule; `bucketing: 'agent-canary-md5'` its routing. Python
// percents 0.0..1.0 are 0..100 here; seconds are milliseconds; `auto_decide()` is `evaluate()`.
import { describe, expect, it } from 'vitest';
import { AgentCanary, CanaryConfigError, ManualClock, Rollout, Stage } from '../../src/index.ts';

const STABLE = 'v1.0.0';
const CANARY = 'v1.1.0';

/** Python `_make(canary_pct, min_dur, min_samp)`, with the percent in 0..100 and the duration in ms. */
function make({ canaryPercent = 0, minDurationMs = 0, minSamples = 10 } = {}): AgentCanary {
  return new AgentCanary({
    rolloutId: 'python-parity', stable: STABLE, canary: CANARY, clock: new ManualClock(), bucketing: 'agent-canary-md5',
    rollout: new Rollout({
      stages: [
        new Stage({ percent: canaryPercent, minDurationMs, minSamples, successThreshold: 0.99 }),
        new Stage({ percent: 100, minDurationMs: 0, minSamples: 0 }),
      ],
    }),
    gates: { errors: false, latency: false, srm: false, absolute: {} },
  });
}

function feed(canary: AgentCanary, version: string, { successes = 0, failures = 0, latencyMs = 10 }): void {
  for (let i = 0; i < failures; i++) canary.record(version, { success: false, latencyMs });
  for (let i = 0; i < successes; i++) canary.record(version, { success: true, latencyMs });
}

function routedVersions(canary: AgentCanary, keys: number): string[] {
  return Array.from({ length: keys }, (_, i) => canary.route(`u-${i}`).version);
}

describe('python parity: test_canary.py', () => {
  it('test_routes_to_stable_when_zero_percent', () => {
    expect(new Set(routedVersions(make({ canaryPercent: 0 }), 50))).toEqual(new Set([STABLE]));
  });

  it('test_records_per_version_metrics', () => {
    const canary = make();
    canary.record(STABLE, { success: true, latencyMs: 10 });
    canary.record(CANARY, { success: false, latencyMs: 200 });
    const { stable, canary: candidate } = canary.status();
    expect(stable).toMatchObject({ version: STABLE, samples: 1, successRate: 1 });
    expect(candidate).toMatchObject({ version: CANARY, samples: 1, successRate: 0 });
  });

  it('test_unknown_version_rejected — adapted: record() never throws on the hot path; the call is ignored and counted (Python raises ValueError)', () => {
    const canary = make();
    expect(() => canary.record('v9.9.9', { success: true, latencyMs: 10 })).not.toThrow();
    expect(canary.unknownVersionRecords).toBe(1);
    expect(canary.status().stable.samples + canary.status().canary.samples).toBe(0);
  });

  it("test_auto_decide_promotes_when_healthy (promotion into the last stage is our 'complete')", () => {
    const canary = make({ canaryPercent: 10, minDurationMs: 0, minSamples: 10 });
    feed(canary, CANARY, { successes: 100 });
    feed(canary, STABLE, { successes: 100 });
    expect(canary.evaluate().action).toBe('complete');
  });

  it('test_auto_decide_rolls_back_when_unhealthy (40 % canary success vs 100 % stable)', () => {
    const canary = make({ canaryPercent: 10, minDurationMs: 0, minSamples: 10 });
    feed(canary, STABLE, { successes: 100 });
    feed(canary, CANARY, { failures: 60, successes: 40 });
    const decision = canary.evaluate();
    expect(decision.action).toBe('rollback');
    expect(decision.gates.filter((g) => g.effect === 'rollback').map((g) => g.gate)).toEqual(['absolute']);
  });

  it('test_apply_promote_advances_router (10 % → 100 %: every key now routes to the canary)', async () => {
    const canary = make({ canaryPercent: 10, minDurationMs: 0, minSamples: 10 });
    feed(canary, CANARY, { successes: 100 });
    feed(canary, STABLE, { successes: 100 });
    expect(routedVersions(canary, 50)).toContain(STABLE);
    expect(await canary.apply(canary.evaluate())).toBe(true);
    expect(canary.status()).toMatchObject({ trafficPercent: 100, stageIndex: 1, state: 'completed' });
    expect(new Set(routedVersions(canary, 50))).toEqual(new Set([CANARY]));
  });

  it('test_apply_rollback_zeros_canary — fixed: the rollout is rolled_back at 0 % and stays there (Python keeps recommending ROLLBACK)', async () => {
    const canary = make({ canaryPercent: 50 });
    // u-0..u-49 at 50 %: 25 keys on the canary under the Python hash.
    expect(routedVersions(canary, 50).filter((v) => v === CANARY)).toHaveLength(25);
    await canary.rollback();
    expect(new Set(routedVersions(canary, 50))).toEqual(new Set([STABLE]));
    expect(canary.status()).toMatchObject({ state: 'rolled_back', trafficPercent: 0 });
    expect(canary.evaluate().action).toBe('hold');
  });

  it('test_status_returns_full_snapshot', () => {
    const canary = make();
    canary.record(STABLE, { success: true, latencyMs: 10 });
    const status = canary.status();
    expect(status.stable).toMatchObject({ version: STABLE, samples: 1 });
    expect(status.canary).toMatchObject({ version: CANARY, samples: 0 });
    expect(status).toMatchObject({ rolloutId: 'python-parity', state: 'running', stageIndex: 0, stageCount: 2, trafficPercent: 0 });
  });

  it('test_same_version_rejected', () => {
    let error: unknown;
    try {
      new AgentCanary({ rolloutId: 'python-parity', stable: 'v1', canary: 'v1', rollout: new Rollout({ stages: [{ percent: 50 }, { percent: 100 }] }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanaryConfigError);
    expect((error as CanaryConfigError).field).toBe('canary');
  });

  // Boundaries of the Python rule (reference/gate-statistics.md §10), canary vs stable successes.
  it.each([
    { canary: [94, 100], stable: [100, 100], action: 'rollback' },
    { canary: [95, 100], stable: [100, 100], action: 'hold' },
    { canary: [90, 100], stable: [95, 100], action: 'hold' },
    { canary: [89, 100], stable: [95, 100], action: 'rollback' },
    { canary: [0, 49], stable: [1, 1], action: 'hold' },
    { canary: [0, 50], stable: [1, 1], action: 'rollback' },
    { canary: [0, 100], stable: [0, 0], action: 'hold' },
  ])('Python rule boundary: canary $canary.0/$canary.1 vs stable $stable.0/$stable.1 → $action', ({ canary: [cs, cn], stable: [ss, sn], action }) => {
    const canary = make({ canaryPercent: 10 });
    feed(canary, STABLE, { successes: ss as number, failures: (sn as number) - (ss as number) });
    feed(canary, CANARY, { successes: cs as number, failures: (cn as number) - (cs as number) });
    expect(canary.evaluate().action).toBe(action);
  });

  it('Python rule boundary: latency never rolls back (100/100 at 10 000 ms vs 100/100 at 10 ms promotes)', () => {
    const canary = make({ canaryPercent: 10 });
    feed(canary, STABLE, { successes: 100, latencyMs: 10 });
    feed(canary, CANARY, { successes: 100, latencyMs: 10_000 });
    expect(canary.evaluate().action).toBe('complete');
  });
});

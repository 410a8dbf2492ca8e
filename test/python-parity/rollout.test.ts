// Ports tests/test_rollout.py of the Python agent-canary v0.1.0 (mizcausevic-dev/agent-canary):
// Stage / Rollout. Our Rollout is an immutable list of stages; the stage in force, promotion and
// rollback live in AgentCanary, so those behaviours are checked through it with the Python rule
// (stage minimums only, plus the absolute rollback rule) and a ManualClock. Python percents
// 0.0..1.0 are 0..100 here; seconds are milliseconds.
import { describe, expect, it } from 'vitest';
import {
  AgentCanary, CanaryStateError, ManualClock, Rollout, Stage, type Decision, type StageOptions,
} from '../../src/index.ts';
import { configError } from '../support/config-error.ts';

const STABLE = 'v1.0.0';
const CANARY = 'v1.1.0';

function pythonCanary(stages: readonly StageOptions[], clock = new ManualClock()): AgentCanary {
  return new AgentCanary({
    rolloutId: 'python-parity', stable: STABLE, canary: CANARY, clock, bucketing: 'agent-canary-md5',
    rollout: new Rollout({ stages: stages.map((s) => new Stage(s)) }),
    gates: { errors: false, latency: false, srm: false, absolute: {} },
  });
}

/** Python `_populate`: `int(total * rate)` successes first, then the failures, all at `latencyMs`. */
function populate(canary: AgentCanary, total: number, successRate = 1, latencyMs = 10): void {
  const successes = Math.trunc(total * successRate);
  for (let i = 0; i < total; i++) canary.record(CANARY, { success: i < successes, latencyMs });
}

function holdingGates(decision: Decision): string[] {
  return decision.gates.filter((g) => g.effect === 'hold').map((g) => g.gate);
}

describe('python parity: test_rollout.py', () => {
  it('test_standard_progression (the first stage is 1 %, five stages, the last 100 %; Python minimums kept)', () => {
    const standard = Rollout.standard();
    expect(standard.stages).toHaveLength(5);
    expect(standard.stages.map((s) => s.percent)).toEqual([1, 5, 25, 50, 100]);
    expect(standard.stages.map((s) => s.minSamples)).toEqual([50, 200, 500, 1000, 0]);
    expect(standard.stages.map((s) => s.minDurationMs)).toEqual([300_000, 600_000, 900_000, 1_200_000, 0]);
    expect(standard.stages.every((s) => s.successThreshold === 0.99 && s.maxP95Ms === undefined)).toBe(true);
    const canary = new AgentCanary({ rolloutId: 'python-parity', stable: STABLE, canary: CANARY, rollout: standard });
    expect(canary.status().trafficPercent).toBe(1);
  });

  it('test_promote_advances_stage — adapted: promoting past the final stage rejects with CanaryStateError (Python returns False)', async () => {
    const canary = pythonCanary([{ percent: 10 }, { percent: 50 }, { percent: 100 }]);
    expect(canary.status().trafficPercent).toBe(10);
    await canary.promote();
    expect(canary.status().trafficPercent).toBe(50);
    await canary.promote();
    expect(canary.status()).toMatchObject({ trafficPercent: 100, stageIndex: 2, state: 'completed' });
    await expect(canary.promote()).rejects.toThrow(CanaryStateError);
    expect(canary.status()).toMatchObject({ trafficPercent: 100, stageIndex: 2, state: 'completed' });
  });

  it('test_rollback_resets — fixed: rolled back is a terminal state at 0 % (Python resets to stage 0 and reports its 10 %)', async () => {
    const canary = pythonCanary([{ percent: 10 }, { percent: 50 }, { percent: 100 }]);
    await canary.promote();
    await canary.promote();
    await canary.rollback();
    expect(canary.status()).toMatchObject({ state: 'rolled_back', trafficPercent: 0 });
    for (let i = 0; i < 50; i++) expect(canary.route(`u-${i}`)).toMatchObject({ version: STABLE, reason: 'rolled_back' });
    await canary.restart();
    expect(canary.status()).toMatchObject({ state: 'running', stageIndex: 0, trafficPercent: 10 });
  });

  it('test_can_promote_blocked_by_duration (min 60 s, just started: hold; after 60 s on the clock: promote)', () => {
    const clock = new ManualClock();
    const canary = pythonCanary([{ percent: 10, minDurationMs: 60_000, minSamples: 10 }, { percent: 100 }], clock);
    populate(canary, 100, 1);
    const early = canary.evaluate();
    expect(early.action).toBe('hold');
    expect(holdingGates(early)).toEqual(['min_duration']);
    clock.advance(60_000);
    expect(canary.evaluate().action).toBe('complete');
  });

  it('test_can_promote_blocked_by_min_samples', () => {
    const canary = pythonCanary([{ percent: 10, minDurationMs: 0, minSamples: 100 }, { percent: 100 }]);
    populate(canary, 5, 1);
    const decision = canary.evaluate();
    expect(decision.action).toBe('hold');
    expect(holdingGates(decision)).toEqual(['min_samples']);
  });

  it('test_can_promote_blocked_by_success_rate (85 % < 0.99)', () => {
    const canary = pythonCanary([{ percent: 10, minDurationMs: 0, minSamples: 10, successThreshold: 0.99 }, { percent: 100 }]);
    populate(canary, 100, 0.85);
    const decision = canary.evaluate();
    expect(decision.action).toBe('hold');
    expect(holdingGates(decision)).toEqual(['success_threshold']);
    expect(decision.gates.find((g) => g.gate === 'success_threshold')?.evidence['successRate']).toBe(0.85);
  });

  it('test_can_promote_blocked_by_p95 (p95 500 ms > 100 ms)', () => {
    const canary = pythonCanary([{ percent: 10, minDurationMs: 0, minSamples: 10, maxP95Ms: 100 }, { percent: 100 }]);
    populate(canary, 100, 1, 500);
    const decision = canary.evaluate();
    expect(decision.action).toBe('hold');
    expect(holdingGates(decision)).toEqual(['max_p95']);
  });

  it("test_can_promote_when_all_gates_pass (promotion into the last stage is our 'complete')", () => {
    const canary = pythonCanary([{ percent: 10, minDurationMs: 0, minSamples: 10, successThreshold: 0.99, maxP95Ms: 100 }, { percent: 100 }]);
    populate(canary, 100, 1);
    const decision = canary.evaluate();
    expect(decision.action).toBe('complete');
    expect(decision.to).toMatchObject({ stageIndex: 1, percent: 100 });
    expect(decision.gates.every((g) => g.effect === 'none')).toBe(true);
  });

  it('test_invalid_stages_rejected (no stages; decreasing percents)', () => {
    expect(configError(() => new Rollout({ stages: [] })).field).toBe('rollout.stages');
    expect(configError(() => new Rollout({ stages: [{ percent: 50 }, { percent: 10 }] })).field).toBe('rollout.stages[1].percent');
  });
});

import { describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Decision, GateResult } from '../../src/rollout/decision.ts';
import { resolveGates } from '../../src/rollout/gate-options.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { SeededRandom } from '../../src/rollout/statistics/seeded-random.ts';

const ids = { rolloutId: 'gates', stable: 'v1', canary: 'v2' };
const oneStage = (stage: object = {}): Rollout => new Rollout({ stages: [{ percent: 20, ...stage }, { percent: 100 }] });

/** Routes keyless traffic and records outcomes from `draw` until a non-hold decision or `limit` requests. */
async function drive(canary: AgentCanary, draw: (role: 'stable' | 'canary') => { success?: boolean; latencyMs?: number; costUsd?: number; scores?: Record<string, number> }, limit = 50_000, clock?: ManualClock): Promise<Decision> {
  let decision = canary.evaluate();
  for (let i = 1; i <= limit; i++) {
    const a = canary.route();
    const o = draw(a.role);
    canary.record(a.version, { success: o.success ?? true, latencyMs: o.latencyMs ?? 100, costUsd: o.costUsd, scores: o.scores });
    clock?.advance(100);
    if (i % 10 === 0) {
      decision = await canary.autoDecide();
      if (decision.action !== 'hold') return decision;
    }
  }
  return decision;
}

const gate = (d: Decision, name: string): GateResult | undefined => d.gates.find((g) => g.gate === name);

describe('gate configuration', () => {
  it('splits alpha across rollback gates by weight, summing to alpha', () => {
    const gates = resolveGates({ alpha: 0.05, latency: { p99: {} }, custom: [{ metric: 'costUsd', worse: 'higher' }] });
    const shares = [gates.errors?.alpha ?? 0, ...gates.latency.map((l) => l.alpha), ...gates.custom.map((c) => c.alpha)];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 12);
    expect(gates.errors?.alpha).toBeCloseTo(0.05 * 4 / 7, 12);
    expect(gates.latency.map((l) => l.name)).toEqual(['latency_p95', 'latency_p99']);
  });

  it('rejects an error grid at or below the margin, naming the field', () => {
    expect(() => resolveGates({ errors: { margin: 1.5, grid: [1.2, 3] } })).toThrow(/gates\.errors\.grid/);
  });
});

describe('gates through AgentCanary', () => {
  it('every gate result carries reproducible evidence', async () => {
    const rng = new SeededRandom(3);
    const canary = new AgentCanary({ ...ids, random: () => rng.next(), rollout: oneStage({ minSamples: 1_000_000 }) });
    const d = await drive(canary, () => ({ success: rng.next() > 0.02, latencyMs: rng.lognormal(5, 0.5) }), 5_000);
    expect(d.action).toBe('hold');
    const errors = gate(d, 'errors');
    expect(errors?.evidence.threshold).toBeCloseTo(25, 9);
    expect(errors?.evidence.alpha).toBeCloseTo(0.04, 12);
    expect(errors?.evidence.margin).toBe(1);
    expect(errors?.evidence.canaryEvents).toBeTypeOf('number');
    expect(errors?.evidence.eValue).toBeGreaterThan(0);
    expect(gate(d, 'latency_p95')?.evidence.thresholdMs).toBeGreaterThan(0);
    expect(gate(d, 'errors_safety')?.evidence).toHaveProperty('ratioUpperBound');
    expect(gate(d, 'srm')?.evidence).toMatchObject({ expectedShare: 0.2 });
    expect(gate(d, 'min_samples')).toMatchObject({ status: 'inconclusive', effect: 'hold' });
  });

  it('a cost budget gate rolls back a canary that overspends', async () => {
    const rng = new SeededRandom(5);
    const canary = new AgentCanary({
      ...ids, random: () => rng.next(), rollout: oneStage({ minSamples: 1_000_000 }),
      gates: { custom: [{ name: 'cost', metric: 'costUsd', worse: 'higher', budget: 0.05 }] },
    });
    const d = await drive(canary, (role) => ({ costUsd: rng.next() < (role === 'canary' ? 0.3 : 0.05) ? 0.08 : 0.01 }));
    expect(d.action).toBe('rollback');
    expect(gate(d, 'cost')).toMatchObject({ status: 'fail', effect: 'rollback' });
    expect(gate(d, 'cost')?.evidence.budget).toBe(0.05);
  });

  it('a judge-score gate without budget compares means and rolls back a worse canary', async () => {
    const rng = new SeededRandom(8);
    const canary = new AgentCanary({
      ...ids, random: () => rng.next(), rollout: oneStage({ minSamples: 1_000_000 }),
      gates: { custom: [{ metric: 'score:judge', worse: 'lower', margin: 0.05 }] },
    });
    const d = await drive(canary, (role) => ({ scores: { judge: (role === 'canary' ? 0.6 : 0.8) + 0.1 * rng.normal() } }));
    expect(d.action).toBe('rollback');
    const judge = gate(d, 'custom_score_judge');
    expect(judge?.status).toBe('fail');
    expect(judge?.evidence.upperBound as number).toBeLessThan(-0.05 * 0.8);
  });

  it('a healthy judge score does not roll back', async () => {
    const rng = new SeededRandom(9);
    const canary = new AgentCanary({
      ...ids, random: () => rng.next(), rollout: oneStage({ minSamples: 1_000_000 }),
      gates: { custom: [{ metric: 'score:judge', worse: 'lower' }] },
    });
    const d = await drive(canary, () => ({ scores: { judge: 0.8 + 0.1 * rng.normal() } }), 20_000);
    expect(d.action).toBe('hold');
    expect(gate(d, 'custom_score_judge')?.status).toBe('pass');
  });

  it('holds on a sample ratio mismatch and says so', async () => {
    const rng = new SeededRandom(13);
    // A broken random source that sends 30 % instead of the configured 20 % to the canary.
    const canary = new AgentCanary({ ...ids, random: () => (rng.next() < 0.3 ? 0 : 0.99), rollout: oneStage() });
    const d = await drive(canary, () => ({ success: true }), 3_000);
    expect(d.action).toBe('hold');
    expect(gate(d, 'srm')).toMatchObject({ status: 'fail', effect: 'hold' });
    expect(d.reasons.join(' ')).toMatch(/sample ratio mismatch/);
  });

  it('applies the max-duration policy when evidence stays inconclusive', async () => {
    for (const [policy, action] of [['promote', 'complete'], ['rollback', 'rollback'], ['hold', 'hold']] as const) {
      const clock = new ManualClock();
      const canary = new AgentCanary({ ...ids, clock, rollout: oneStage({ minSamples: 1_000_000, maxDurationMs: 60_000, onMaxDuration: policy }) });
      clock.advance(60_000);
      const d = canary.evaluate();
      expect(d.action).toBe(action);
      expect(d.reasons[0]).toMatch(/maximum duration of 60 s/);
    }
  });
});

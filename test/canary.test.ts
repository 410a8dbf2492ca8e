import { describe, expect, it } from 'vitest';
import { AgentCanary } from '../src/canary.ts';
import { ManualClock } from '../src/clock.ts';
import { CanaryConfigError, CanaryStateError } from '../src/errors.ts';
import type { Decision } from '../src/rollout/decision.ts';
import { Rollout } from '../src/rollout/rollout.ts';
import { SeededRandom } from '../src/rollout/statistics/seeded-random.ts';
import { MemoryCanaryStore } from '../src/store/memory-store.ts';

const ids = { rolloutId: 'support-v1.1', stable: 'v1', canary: 'v2' };

/** Records n outcomes per version with the given success counts. */
function feed(canary: AgentCanary, version: string, total: number, successes: number, latencyMs = 100): void {
  for (let i = 0; i < total; i++) canary.record(version, { success: i < successes, latencyMs });
}

function pythonParity(clock = new ManualClock()): AgentCanary {
  return new AgentCanary({
    ...ids, clock,
    rollout: new Rollout({ stages: [{ percent: 10, minSamples: 50 }, { percent: 100 }] }),
    gates: { errors: false, latency: false, srm: false, absolute: {} },
  });
}

describe('AgentCanary configuration', () => {
  it.each([
    [{ ...ids, rolloutId: '' }, 'rolloutId'],
    [{ ...ids, canary: 'v1' }, 'canary'],
    [{ ...ids, stable: 42 as unknown as string }, 'stable'],
    [{ ...ids, gates: { alpha: 1.5 } }, 'gates.alpha'],
    [{ ...ids, gates: { errors: { margin: -1 } } }, 'gates.errors.margin'],
    [{ ...ids, gates: { custom: [{ metric: 'latency' as never, worse: 'higher' as const }] } }, 'gates.custom[0].metric'],
    [{ ...ids, rollout: { stages: [] } as unknown as Rollout }, 'rollout'],
  ])('rejects bad configuration naming the field (%#)', (options, field) => {
    let error: unknown;
    try {
      new AgentCanary(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanaryConfigError);
    expect((error as CanaryConfigError).field).toBe(field);
  });
});

describe('AgentCanary routing and recording', () => {
  it('starts at stage 0 of the standard rollout and routes sticky', () => {
    const canary = new AgentCanary(ids);
    expect(canary.status()).toMatchObject({ state: 'running', stageIndex: 0, trafficPercent: 1, stageCount: 5, revision: 0 });
    for (let i = 0; i < 200; i++) expect(canary.route(`user-${i}`)).toEqual(canary.route(`user-${i}`));
  });

  it('rejects bad runtime input without corrupting statistics', () => {
    const canary = new AgentCanary(ids);
    canary.record('v2', { success: true, latencyMs: 100 });
    canary.record('v2', { success: true, latencyMs: Number.NaN });
    canary.record('v2', { success: true, latencyMs: -5 });
    canary.record('v2', { success: true, latencyMs: Infinity });
    canary.record('v3', { success: true, latencyMs: 100 });
    const stats = canary.status().canary;
    expect(stats.samples).toBe(1);
    expect(stats.rejected).toBe(3);
    expect(stats.latencyMs?.p95).toBeCloseTo(100, -1);
    expect(canary.unknownVersionRecords).toBe(1);
  });

  it('no data is never success: an empty canary holds and says why', () => {
    const canary = new AgentCanary({ ...ids, rollout: new Rollout({ stages: [{ percent: 5 }, { percent: 100 }] }) });
    const decision = canary.evaluate();
    expect(decision.action).toBe('hold');
    expect(decision.reasons.join(' ')).toMatch(/canary samples/);
    expect(canary.status().canary.successRate).toBeNull();
  });
});

describe('Python agent-canary parity (absolute rule, seed values)', () => {
  it.each([
    [94, 100, 100, 100, 'rollback'],
    [95, 100, 100, 100, 'hold'],
    [90, 100, 95, 100, 'hold'],
    [89, 100, 95, 100, 'rollback'],
    [0, 49, 1, 1, 'hold'],
    [0, 50, 1, 1, 'rollback'],
    [0, 60, 0, 0, 'hold'],
  ])('canary %i/%i vs stable %i/%i → %s', (cs, ct, ss, st, expected) => {
    const canary = pythonParity();
    feed(canary, 'v2', ct, cs);
    feed(canary, 'v1', st, ss);
    expect(canary.evaluate().action).toBe(expected);
  });

  it('100/100 at 10 000 ms vs 100/100 at 10 ms promotes (no latency gate configured)', () => {
    const canary = pythonParity();
    feed(canary, 'v2', 100, 100, 10_000);
    feed(canary, 'v1', 100, 100, 10);
    expect(canary.evaluate().action).toBe('complete');
  });
});

describe('AgentCanary lifecycle', () => {
  it('promotes stage by stage on evidence, then completes; listeners see every transition', async () => {
    const clock = new ManualClock(1_000);
    const rng = new SeededRandom(7);
    const canary = new AgentCanary({
      ...ids, clock, random: () => rng.next(),
      rollout: new Rollout({ stages: [{ percent: 10, minSamples: 100, minDurationMs: 60_000, successThreshold: 0.98 }, { percent: 50, minSamples: 100, successThreshold: 0.98 }, { percent: 100 }] }),
    });
    const seen: Decision[] = [];
    canary.onDecision((d) => seen.push(d));
    for (let i = 0; i < 200_000 && canary.status().state === 'running'; i++) {
      const a = canary.route();
      canary.record(a.version, { success: rng.next() > 0.001, latencyMs: rng.lognormal(Math.log(200), 0.3) });
      clock.advance(50);
      if (i % 100 === 0) await canary.autoDecide();
    }
    const transitions = seen.filter((d) => d.action !== 'hold');
    expect(transitions.map((d) => d.action)).toEqual(['promote', 'complete']);
    expect(transitions[0]?.from).toEqual({ state: 'running', stageIndex: 0, percent: 10 });
    expect(transitions[0]?.to).toEqual({ state: 'running', stageIndex: 1, percent: 50 });
    expect(transitions[0]?.gates.find((g) => g.gate === 'errors_safety')?.status).toBe('pass');
    expect(canary.status()).toMatchObject({ state: 'completed', trafficPercent: 100 });
  });

  it('rolls back a broken canary, routes everyone to stable, and stays rolled back until restart', async () => {
    const clock = new ManualClock();
    const rng = new SeededRandom(11);
    const canary = new AgentCanary({ ...ids, clock, random: () => rng.next(), rollout: new Rollout({ stages: [{ percent: 20 }, { percent: 100 }] }) });
    let decision: Decision | undefined;
    for (let i = 0; i < 20_000 && canary.status().state === 'running'; i++) {
      const a = canary.route();
      canary.record(a.version, { success: rng.next() > (a.role === 'canary' ? 0.3 : 0.02), latencyMs: 100 });
      if (i % 10 === 0) decision = await canary.autoDecide();
    }
    expect(decision?.action).toBe('rollback');
    expect(decision?.gates.find((g) => g.gate === 'errors')).toMatchObject({ status: 'fail', effect: 'rollback' });
    expect(decision?.to).toEqual({ state: 'rolled_back', stageIndex: 0, percent: 0 });
    for (let i = 0; i < 500; i++) expect(canary.route(`user-${i}`)).toMatchObject({ role: 'stable', reason: 'rolled_back' });
    expect((await canary.autoDecide()).action).toBe('hold');
    await expect(canary.promote()).rejects.toBeInstanceOf(CanaryStateError);
    await canary.restart();
    expect(canary.status()).toMatchObject({ state: 'running', stageIndex: 0, trafficPercent: 20 });
    expect(canary.status().canary.samples).toBe(0);
  });

  it('operator actions are decisions with their source and reason', async () => {
    const canary = new AgentCanary(ids);
    const paused = await canary.pause('incident INC-42');
    expect(paused).toMatchObject({ action: 'pause', source: 'operator', reasons: ['incident INC-42'], to: { state: 'paused' } });
    expect(canary.evaluate().reasons[0]).toMatch(/paused/);
    await canary.resume();
    const promoted = await canary.promote();
    expect(promoted.to).toEqual({ state: 'running', stageIndex: 1, percent: 5 });
    expect(canary.status().lastDecision).toBe(promoted);
  });

  it('refuses a stale decision and lets exactly one of two instances win a transition', async () => {
    const store = new MemoryCanaryStore();
    const a = new AgentCanary({ ...ids, store });
    const b = new AgentCanary({ ...ids, store });
    const stale = a.evaluate();
    await a.promote();
    expect(await a.apply(stale)).toBe(false);
    await expect(b.promote()).rejects.toThrow(/lost a race/);
    expect(b.status()).toMatchObject({ stageIndex: 1, revision: 1 });
    await b.promote();
    await a.sync();
    expect(a.status()).toMatchObject({ stageIndex: 2, trafficPercent: 25, revision: 2 });
  });

  it('a throwing listener does not break the rollout', async () => {
    const canary = new AgentCanary(ids);
    canary.onDecision(() => {
      throw new Error('listener bug');
    });
    await expect(canary.promote()).resolves.toMatchObject({ action: 'promote' });
    expect(canary.status().stageIndex).toBe(1);
  });

  it('start() evaluates on an unref\'d timer and stop() ends it', async () => {
    const canary = new AgentCanary({ ...ids, rollout: new Rollout({ stages: [{ percent: 50 }, { percent: 100 }] }) });
    const seen: Decision[] = [];
    canary.onDecision((d) => seen.push(d));
    canary.start({ intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    canary.stop();
    const count = seen.length;
    expect(count).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(seen.length).toBe(count);
    expect(() => canary.start({ intervalMs: 1 })).toThrow(CanaryConfigError);
  });
});

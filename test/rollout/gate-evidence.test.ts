import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { VersionMetrics } from '../../src/metrics/version-metrics.ts';
import { GateEvidence } from '../../src/rollout/gate-evidence.ts';
import { resolveGates } from '../../src/rollout/gate-options.ts';

function setup(): { evidence: GateEvidence; stable: VersionMetrics; record: (latencyMs: number) => void } {
  const stable = new VersionMetrics({ version: 'v1', clock: new ManualClock() });
  const evidence = new GateEvidence(resolveGates({ latency: { warmupSamples: 200 } }), stable);
  evidence.startStage(5);
  const record = (latencyMs: number): void => {
    const outcome = { success: true, latencyMs };
    stable.record(outcome);
    evidence.observe('stable', outcome);
  };
  return { evidence, stable, record };
}

describe('GateEvidence latency thresholds', () => {
  it('freezes stable p95 after the warm-up and re-freezes as stable data doubles', () => {
    const { evidence, record } = setup();
    const p95 = () => evidence.latency[0]?.thresholdMs;
    for (let i = 0; i < 199; i++) record(10 + (i % 100));
    expect(p95()).toBeNull();
    record(50);
    const early = p95() as number;
    expect(early).toBeGreaterThan(100);
    expect(early).toBeLessThan(112);
    // Later calls are slower (the first to finish after a start are the fast ones): the threshold follows.
    for (let i = 0; i < 199; i++) record(1000);
    expect(p95()).toBe(early);
    record(1000);
    expect(p95() as number).toBeGreaterThan(990);
  });

  it('uses the realized exposure share, anchored to the configured share', () => {
    const { evidence } = setup();
    expect(evidence.exposureShare).toBeCloseTo(0.05, 10);
    for (let i = 0; i < 950; i++) evidence.observe('stable', { success: true, latencyMs: 5 });
    for (let i = 0; i < 50; i++) evidence.observe('canary', { success: true, latencyMs: 5 });
    expect(evidence.exposureShare).toBeCloseTo(52.5 / 1050, 10);
    expect(evidence.stage).toEqual({ canary: 50, stable: 950, canarySuccesses: 50 });
  });
});

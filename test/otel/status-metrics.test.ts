import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { CanaryConfigError } from '../../src/errors.ts';
import { registerStatusMetrics } from '../../src/otel/status-metrics.ts';
import type { InstrumentedCanary } from '../../src/otel/instrumented-canary.ts';
import type { GateResult } from '../../src/rollout/decision.ts';
import { gateResult } from '../../src/rollout/gate-result.ts';

/** A MeterProvider collected on demand; `points(name)` reads the latest collection. */
class Collector {
  readonly provider: MeterProvider;
  private readonly _exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly _reader = new PeriodicExportingMetricReader({ exporter: this._exporter, exportIntervalMillis: 3_600_000 });

  constructor() {
    this.provider = new MeterProvider({ readers: [this._reader] });
  }

  async collect(): Promise<Map<string, { unit: string; points: DataPoint<number>[] }>> {
    this._exporter.reset();
    await this._reader.forceFlush();
    const metrics = this._exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    return new Map(metrics.map((m) => [m.descriptor.name, { unit: m.descriptor.unit, points: m.dataPoints as DataPoint<number>[] }]));
  }
}

function newCanary(rolloutId = 'support-v1.1'): AgentCanary {
  return new AgentCanary({ rolloutId, stable: 'agent-v1.0.0', canary: 'agent-v1.1.0' });
}

class CanaryWithGates extends AgentCanary {
  gates: readonly GateResult[] = [];
  override gateEvidence(): readonly GateResult[] {
    return this.gates;
  }
}

class CountingCanary extends AgentCanary {
  statusCalls = 0;
  override status(): ReturnType<AgentCanary['status']> {
    this.statusCalls++;
    return super.status();
  }
}

class BrokenCanary extends AgentCanary {
  override status(): never {
    throw new Error('store unreachable');
  }
}

describe('registerStatusMetrics', () => {
  it('reports traffic, stage and a one-hot state per rollout', async () => {
    const collector = new Collector();
    const canary = newCanary();
    registerStatusMetrics([canary], { meterProvider: collector.provider });
    await canary.promote();
    await canary.pause();
    const status = canary.status();
    const metrics = await collector.collect();
    const traffic = metrics.get('canary.traffic.percent');
    expect(traffic?.unit).toBe('%');
    expect(traffic?.points.map((p) => p.value)).toEqual([status.trafficPercent]);
    expect(traffic?.points[0]?.attributes).toEqual({ 'canary.rollout.id': 'support-v1.1' });
    expect(metrics.get('canary.stage')?.points.map((p) => p.value)).toEqual([status.stageIndex]);
    const states = Object.fromEntries(metrics.get('canary.state')?.points.map((p) => [p.attributes['canary.state'], p.value]) ?? []);
    expect(states).toEqual({ running: 0, paused: 1, completed: 0, rolled_back: 0 });
  });

  it('omits success ratio and latency of a version without samples (no data is never success)', async () => {
    const collector = new Collector();
    const canary = newCanary();
    registerStatusMetrics([canary], { meterProvider: collector.provider });
    for (let i = 0; i < 20; i++) canary.record('agent-v1.0.0', { success: i % 4 !== 0, latencyMs: 100 + 10 * i });
    const metrics = await collector.collect();
    const ratio = metrics.get('canary.success.ratio');
    expect(ratio?.unit).toBe('1');
    expect(ratio?.points).toHaveLength(1);
    expect(ratio?.points[0]?.attributes).toEqual({ 'canary.rollout.id': 'support-v1.1', 'canary.version': 'agent-v1.0.0', 'canary.role': 'stable' });
    expect(ratio?.points[0]?.value).toBe(canary.status().stable.successRate);
    const latency = metrics.get('canary.latency.seconds');
    expect(latency?.unit).toBe('s');
    const stableMs = canary.status().stable.latencyMs;
    const byQuantile = new Map(latency?.points.map((p) => [p.attributes['quantile'], p.value]));
    expect(byQuantile).toEqual(new Map([[0.5, (stableMs?.p50 ?? 0) / 1000], [0.95, (stableMs?.p95 ?? 0) / 1000], [0.99, (stableMs?.p99 ?? 0) / 1000]]));
    expect(latency?.points.every((p) => p.attributes['canary.version'] === 'agent-v1.0.0')).toBe(true);
  });

  it('reports the e-value of gates whose evidence has a finite numeric eValue, by gate', async () => {
    const collector = new Collector();
    const canary = new CanaryWithGates({ rolloutId: 'r', stable: 'a', canary: 'b' });
    canary.gates = [
      gateResult('errors', 'pass', 'none', 'fine', { eValue: 3.5 }),
      gateResult('latency_p95', 'inconclusive', 'hold', 'warming up', { eValue: null }),
      gateResult('cost', 'fail', 'rollback', 'worse', { eValue: Infinity }),
      gateResult('min_samples', 'inconclusive', 'hold', 'too few', { samples: 3 }),
    ];
    registerStatusMetrics([canary], { meterProvider: collector.provider });
    const eValues = (await collector.collect()).get('canary.gate.e_value');
    expect(eValues?.unit).toBe('');
    expect(eValues?.points.map((p) => [p.attributes['canary.gate'], p.value, p.attributes['canary.rollout.id']])).toEqual([['errors', 3.5, 'r']]);
  });

  it('keeps reporting the other canaries when one status() throws, and never throws into the collection', async () => {
    const collector = new Collector();
    const healthy = newCanary('healthy');
    registerStatusMetrics([new BrokenCanary({ rolloutId: 'broken', stable: 'a', canary: 'b' }), healthy], { meterProvider: collector.provider });
    const metrics = await collector.collect();
    expect(metrics.get('canary.traffic.percent')?.points.map((p) => p.attributes['canary.rollout.id'])).toEqual(['healthy']);
  });

  it('calls status() once per canary per collection, and no more after unregister()', async () => {
    const collector = new Collector();
    const canary = new CountingCanary({ rolloutId: 'r', stable: 'a', canary: 'b' });
    const registration = registerStatusMetrics([canary], { meterProvider: collector.provider });
    await collector.collect();
    expect(canary.statusCalls).toBe(1);
    await collector.collect();
    expect(canary.statusCalls).toBe(2);
    registration.unregister();
    registration.unregister();
    await collector.collect();
    expect(canary.statusCalls).toBe(2);
  });

  it('rejects a non-array with CanaryConfigError', () => {
    expect(() => registerStatusMetrics(newCanary() as unknown as InstrumentedCanary[])).toThrow(CanaryConfigError);
  });
});

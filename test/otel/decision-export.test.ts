import { context, type Tracer, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { exportDecisions, type DecisionExportOptions } from '../../src/otel/decision-export.ts';
import type { Decision } from '../../src/rollout/decision.ts';
import { gateResult } from '../../src/rollout/gate-result.ts';

/** Real SDK providers with in-memory exporters. */
function sinks() {
  const spans = new InMemorySpanExporter();
  const records = new InMemoryLogRecordExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const options = {
    tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
    loggerProvider: new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] }),
    meterProvider: new MeterProvider({ readers: [reader] }),
  } satisfies DecisionExportOptions;
  return {
    options, spans, records,
    async decisionCounts(): Promise<Map<string, number>> {
      metricExporter.reset();
      await reader.forceFlush();
      const metric = metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.descriptor.name === 'canary.decisions.total');
      return new Map(metric?.dataPoints.map((p) => [
        `${String(p.attributes['canary.decision.action'])}|${String(p.attributes['canary.decision.source'])}|${String(p.attributes['canary.rollout.id'])}`,
        p.value as number,
      ]));
    },
  };
}

function newCanary(): AgentCanary {
  return new AgentCanary({ rolloutId: 'support-v1.1', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0' });
}

/** A hold computed against the canary's current revision, with hand-made gate evidence. */
function holdWith(canary: AgentCanary, evidence: Record<string, number | string | boolean | null>): Decision {
  const status = canary.status();
  const position = { state: status.state, stageIndex: status.stageIndex, percent: status.trafficPercent };
  return {
    rolloutId: canary.rolloutId, action: 'hold', source: 'auto', at: 1_000, revision: status.revision, from: position, to: position,
    reasons: ['not enough evidence'], gates: [gateResult('errors', 'inconclusive', 'hold', 'warming up', evidence)],
  };
}

describe('exportDecisions', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('counts holds without exporting them by default, and exports the other actions', async () => {
    const s = sinks();
    const canary = newCanary();
    exportDecisions(canary, s.options);
    await canary.autoDecide();
    await canary.promote();
    await canary.rollback('errors');
    expect(s.spans.getFinishedSpans().map((span) => span.attributes['canary.decision.action'])).toEqual(['promote', 'rollback']);
    expect(s.records.getFinishedLogRecords().map((r) => r.attributes['canary.decision.action'])).toEqual(['promote', 'rollback']);
    expect(await s.decisionCounts()).toEqual(new Map([
      ['hold|auto|support-v1.1', 1], ['promote|operator|support-v1.1', 1], ['rollback|operator|support-v1.1', 1],
    ]));
  });

  it('exports holds with includeHolds, and logs a rollback at WARN and the rest at INFO', async () => {
    const s = sinks();
    const canary = newCanary();
    exportDecisions(canary, { ...s.options, includeHolds: true });
    await canary.autoDecide();
    await canary.rollback('errors');
    const records = s.records.getFinishedLogRecords();
    expect(records.map((r) => [r.eventName, r.attributes['canary.decision.action'], r.severityNumber, r.severityText])).toEqual([
      ['canary.decision', 'hold', 9, 'INFO'], ['canary.decision', 'rollback', 13, 'WARN'],
    ]);
  });

  it('starts a new root span even when a request span is active, and ties the log record to it', async () => {
    const s = sinks();
    const canary = newCanary();
    exportDecisions(canary, s.options);
    const requestTracer = s.options.tracerProvider.getTracer('app');
    await requestTracer.startActiveSpan('request', async (request) => {
      await canary.promote();
      request.end();
    });
    const decision = s.spans.getFinishedSpans().find((span) => span.name === 'canary.decision');
    expect(decision?.parentSpanContext).toBeUndefined();
    expect(decision?.kind).toBe(0);
    const record = s.records.getFinishedLogRecords()[0];
    expect(record?.spanContext?.spanId).toBe(decision?.spanContext().spanId);
  });

  it('keeps evidence reproducible: non-finite numbers as strings, nulls only in the body', async () => {
    const s = sinks();
    const canary = newCanary();
    exportDecisions(canary, { ...s.options, includeHolds: true });
    await canary.apply(holdWith(canary, { eValue: Infinity, bound: null, canaryErrors: 4, warm: false, note: 'x' }));
    const event = s.spans.getFinishedSpans()[0]?.events[0];
    expect(event?.name).toBe('canary.gate');
    expect(event?.attributes).toEqual({
      'canary.gate': 'errors', 'canary.gate.status': 'inconclusive', 'canary.gate.effect': 'hold', 'canary.gate.reason': 'warming up',
      'canary.evidence.eValue': 'Infinity', 'canary.evidence.canaryErrors': 4, 'canary.evidence.warm': false, 'canary.evidence.note': 'x',
    });
    const body = s.records.getFinishedLogRecords()[0]?.body as { gates: { evidence: unknown }[] };
    expect(body.gates[0]?.evidence).toEqual({ eValue: 'Infinity', bound: null, canaryErrors: 4, warm: false, note: 'x' });
  });

  it('never throws into the decision path when a provider fails, and still counts', async () => {
    const s = sinks();
    const throwingTracer = { startSpan: () => { throw new Error('tracer broke'); } } as unknown as Tracer;
    const tracerProvider: ApiTracerProvider = { getTracer: () => throwingTracer };
    const canary = newCanary();
    exportDecisions(canary, { ...s.options, tracerProvider });
    const delivered: string[] = [];
    canary.onDecision((d) => delivered.push(d.action));
    await expect(canary.promote()).resolves.toMatchObject({ action: 'promote' });
    expect(delivered).toEqual(['promote']);
    expect(await s.decisionCounts()).toEqual(new Map([['promote|operator|support-v1.1', 1]]));
  });

  it('stops exporting after unsubscribe', async () => {
    const s = sinks();
    const canary = newCanary();
    const unsubscribe = exportDecisions(canary, s.options);
    unsubscribe();
    await canary.promote();
    expect(s.spans.getFinishedSpans()).toEqual([]);
    expect(await s.decisionCounts()).toEqual(new Map());
  });
});

/**
 * Real OpenTelemetry SDK wiring for the otel layer's tests: a TracerProvider with our processor in
 * front of an in-memory exporter, a MeterProvider read on demand, and the ALS context manager.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader,
  type DataPoint, type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type Sampler,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll } from 'vitest';
import { AgentCanary, type AgentCanaryOptions } from '../../src/canary.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { Stage } from '../../src/rollout/stage.ts';
import type { InstrumentedCanary } from '../../src/otel/instrumented-canary.ts';
import { CanarySpanProcessor } from '../../src/otel/span-processor.ts';

/** Registers the AsyncLocalStorage context manager for the file and removes every global afterwards. */
export function useAsyncContext(): void {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
    trace.disable();
    metrics.disable();
    propagation.disable();
  });
}

export interface Tracing {
  readonly provider: TracerProvider;
  readonly exporter: InMemorySpanExporter;
  readonly processor: CanarySpanProcessor;
  readonly metrics: MetricsReader;
  /** Finished, exported spans by name (throws when absent or ambiguous). */
  span(name: string): ReadableSpan;
}

/** A provider whose pipeline is `[CanarySpanProcessor, SimpleSpanProcessor → in-memory exporter]`. */
export function createTracing(options: { canaries?: readonly InstrumentedCanary[]; sampler?: Sampler } = {}): Tracing {
  const exporter = new InMemorySpanExporter();
  const meterReader = new MetricsReader();
  const processor = new CanarySpanProcessor({ canaries: options.canaries ?? [], meterProvider: meterReader.provider });
  const provider = new TracerProvider({
    sampler: options.sampler,
    spanProcessors: [processor, new SimpleSpanProcessor({ exporter })],
  });
  return {
    provider, exporter, processor, metrics: meterReader,
    span(name) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** A MeterProvider with an in-memory exporter, collected on demand. */
export class MetricsReader {
  readonly provider: MeterProvider;
  private readonly _exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly _reader: PeriodicExportingMetricReader;

  constructor() {
    this._reader = new PeriodicExportingMetricReader({ exporter: this._exporter, exportIntervalMillis: 3_600_000 });
    this.provider = new MeterProvider({ readers: [this._reader] });
  }

  /** Data points of metric `name` from a fresh collection. */
  async points(name: string): Promise<DataPoint<number | Histogram>[]> {
    await this._reader.forceFlush();
    const batches = this._exporter.getMetrics();
    const latest = batches[batches.length - 1];
    const metric = latest?.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  }
}

/** A canary at 50 %: keys in `canaryKeys` are forced to the canary, `stableKeys` to stable. */
export function halfCanary(options: Partial<AgentCanaryOptions> = {}): AgentCanary {
  return new AgentCanary({
    rolloutId: 'support-v1.1', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0',
    rollout: new Rollout({ stages: [new Stage({ percent: 50 }), new Stage({ percent: 100 })] }),
    overrides: [{ keys: ['canary-user'], role: 'canary' }, { keys: ['stable-user'], role: 'stable' }],
    ...options,
  });
}

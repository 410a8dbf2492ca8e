// OpenTelemetry layer: per-span cost of the CanarySpanProcessor in a real SDK pipeline, and
// canary.invoke() against a hand-written startActiveSpan wrapper.
// Usage: npm run bench:otel   (node --conditions=agent-canary-source --expose-gc bench/otel.bench.ts)
// Prints one JSON document on stdout; progress on stderr. Times are CPU ns (see bench/harness.ts).
import { context, SpanKind, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor, NoopSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { AgentCanary, CanarySpanProcessor, Rollout, Stage, withAgent, withTool, type Assignment } from '../src/index.ts';
import { inRoundRatio, measure, printJson, progress, requireExposedGc, round3, yieldToEventLoop, type BenchCase, type Measurement } from './harness.ts';

const ROUNDS = 11;
/** Each round alternates the pipelines in short slices, so load from other processes hits them alike. */
const SLICES = 16;
const SPANS_PER_INVOCATION = 5;
const INVOCATIONS_PER_BATCH = 500;
const CALLS_PER_BATCH = 1_000;
const YIELD_EVERY_SPANS = 256;
const TOOLS = ['search', 'fetch_order', 'send_email'] as const;

/** Exporter that only counts, so the pipeline is measured and not the network. */
class CountingExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported += spans.length;
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One tracer provider under test, with what it started and exported. */
interface Pipeline {
  readonly name: string;
  readonly provider: TracerProvider;
  readonly agentTracer: Tracer;
  /** A third-party instrumentation (an HTTP client) using its own tracer. */
  readonly httpTracer: Tracer;
  readonly exporter: CountingExporter;
  started: number;
}

function newCanary(rolloutId: string): AgentCanary {
  return new AgentCanary({
    rolloutId, stable: 'agent-v1.0.0', canary: 'agent-v1.1.0',
    rollout: new Rollout({ stages: [new Stage({ percent: 5 }), new Stage({ percent: 100 })] }),
  });
}

function pipeline(name: string, first: SpanProcessor | undefined): Pipeline {
  const exporter = new CountingExporter();
  const batch = new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({ spanProcessors: first === undefined ? [batch] : [first, batch] });
  return {
    name, provider, exporter, started: 0,
    agentTracer: provider.getTracer('agent-canary'),
    httpTracer: provider.getTracer('@example/http-client'),
  };
}

/** A MeterProvider that really aggregates (read every hour, i.e. never during the run). */
function aggregatingMeterProvider(): MeterProvider {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  return new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
}

requireExposedGc();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const canaryC = newCanary('support-agent-v1.1');
// Same rollout id as canaryC: the precomputed assignments name it, so processor d records them too.
const canaryD = newCanary('support-agent-v1.1');
const pipelines = {
  a: pipeline('a: BatchSpanProcessor', undefined),
  control: pipeline("a': same as a (noise control)", undefined),
  b: pipeline('b: + empty processor', new NoopSpanProcessor()),
  stampOnly: pipeline('c0: + CanarySpanProcessor, stamping only (no canary registered, nothing recorded)', new CanarySpanProcessor({ canaries: [] })),
  c: pipeline('c: + CanarySpanProcessor (no metrics SDK: per-call metrics skipped)', new CanarySpanProcessor({ canaries: [canaryC] })),
  d: pipeline('d: c with an aggregating MeterProvider', new CanarySpanProcessor({ canaries: [canaryD], meterProvider: aggregatingMeterProvider() })),
};
const keys = Array.from({ length: 10_000 }, (_, i) => `tenant-42:user-${String(i).padStart(6, '0')}`);
/** Routed once up front: the per-span comparison measures the span pipeline, not routing. */
const assignments: readonly Assignment[] = keys.map((key) => canaryC.route(key));

/**
 * One agent invocation as instrumented in real use: `invoke_agent` with the assignment in context,
 * three `execute_tool` children, and a third-party CLIENT span inside the second tool.
 */
function invocation(p: Pipeline, assignment: Assignment): void {
  const tracer = p.agentTracer;
  withAgent({ agent: 'support', assignment, tracer }, () => {
    withTool(TOOLS[0], () => 0, { tracer });
    withTool(TOOLS[1], () => p.httpTracer.startSpan('GET', { kind: SpanKind.CLIENT }).end(), { tracer });
    withTool(TOOLS[2], () => 0, { tracer });
  });
  p.started += SPANS_PER_INVOCATION;
}

function spanCase(p: Pipeline): BenchCase {
  let a = 0;
  return {
    name: p.name, ops: INVOCATIONS_PER_BATCH * SPANS_PER_INVOCATION, run: async () => {
      let sinceYield = 0;
      for (let n = 0; n < INVOCATIONS_PER_BATCH; n++) {
        invocation(p, assignments[a++ % assignments.length] as Assignment);
        if ((sinceYield += SPANS_PER_INVOCATION) >= YIELD_EVERY_SPANS) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
    },
  };
}

/** The user's agent: a small async function. */
async function work(version: string): Promise<number> {
  await null;
  return version.length;
}

function invokeCases(p: Pipeline, canary: AgentCanary): BenchCase[] {
  const tracer = p.agentTracer;
  let k = 0;
  const loop = (call: (key: string) => Promise<number>) => async () => {
    let sum = 0;
    for (let n = 0; n < CALLS_PER_BATCH; n++) {
      sum += await call(keys[k++ % keys.length] as string);
      p.started++;
      if (n % YIELD_EVERY_SPANS === YIELD_EVERY_SPANS - 1) await yieldToEventLoop();
    }
    return sum;
  };
  return [
    { name: 'canary.invoke', ops: CALLS_PER_BATCH, run: loop((key) => canary.invoke({ key, agent: 'support', tracer }, (version) => work(version))) },
    {
      name: 'bare startActiveSpan', ops: CALLS_PER_BATCH, run: loop(() => tracer.startActiveSpan('invoke_agent x', async (span) => {
        try {
          return await work('agent-v1.0.0');
        } finally {
          span.end();
        }
      })),
    },
  ];
}

function perSpan(m: Measurement, name: string): { cpu_ns: number; wall_ns: number; range_ns: readonly number[] } {
  const c = m.cases[name];
  if (c === undefined) throw new Error(`no case ${name}`);
  return { cpu_ns: c.cpuNsPerOp, wall_ns: c.wallNsPerOp, range_ns: c.cpuRangeNs };
}

async function exportCheck(): Promise<Record<string, { started: number; exported: number }>> {
  const result: Record<string, { started: number; exported: number }> = {};
  for (const p of Object.values(pipelines)) {
    await p.provider.forceFlush();
    result[p.name] = { started: p.started, exported: p.exporter.exported };
  }
  return result;
}

const started = performance.now();
progress('per span: a / b / c / d …');
const spans = await measure(Object.values(pipelines).map(spanCase), { rounds: ROUNDS, slices: SLICES, label: 'spans' });
progress('canary.invoke vs bare startActiveSpan …');
const invoke = await measure(invokeCases(pipelines.c, canaryC), { rounds: ROUNDS, slices: SLICES, label: 'invoke' });
const exports = await exportCheck();
const stats = canaryC.status();

const node = process.version;
const { a, control, b, stampOnly, c, d } = pipelines;
printJson({
  benchmark: 'otel',
  node,
  method: `CPU time (process.cpuUsage) per span or call; median of ${ROUNDS} rounds after 3 warm-up rounds; each round alternates the cases in ${SLICES} shuffled slices and sums them (full GC at the start of each round); ratios taken within each round, then the median (range alongside)`,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  rounds: ROUNDS,
  setup: {
    sdk: '@opentelemetry/sdk-trace 3.x TracerProvider({ spanProcessors }), BatchSpanProcessor({ exporter }) → counting no-op exporter, AsyncLocalStorageContextManager registered; default sampler (every span recorded and exported); yields to the event loop every 256 spans',
    invocation: 'invoke_agent (withAgent, assignment in context + baggage) → 3 × execute_tool (withTool) → 1 third-party CLIENT span inside the 2nd tool: 5 spans, same code in every pipeline',
    pipelines: [a.name, control.name, b.name, stampOnly.name, c.name, `${d.name} (not the target; production with metrics on)`],
  },
  perSpan: {
    node,
    [a.name]: perSpan(spans, a.name),
    [control.name]: perSpan(spans, control.name),
    [b.name]: perSpan(spans, b.name),
    [stampOnly.name]: perSpan(spans, stampOnly.name),
    [c.name]: perSpan(spans, c.name),
    [d.name]: perSpan(spans, d.name),
    "a'/a (noise: should be 1)": inRoundRatio(spans, control.name, a.name),
    'b/a (floor: any second processor)': inRoundRatio(spans, b.name, a.name),
    'c0/a (stamping 5 attributes, no recording)': inRoundRatio(spans, stampOnly.name, a.name),
    'c/a': { ...inRoundRatio(spans, c.name, a.name), target: '<= 1.15' },
    'd/a': inRoundRatio(spans, d.name, a.name),
  },
  invoke: {
    node,
    setup: 'both on pipeline c (canary processor registered); work = async (version) => { await null; return version.length }; sequential awaits',
    'canary.invoke({ key, agent }, fn) µs': round3((invoke.cases['canary.invoke']?.cpuNsPerOp ?? Number.NaN) / 1000),
    'bare startActiveSpan + try/finally µs': round3((invoke.cases['bare startActiveSpan']?.cpuNsPerOp ?? Number.NaN) / 1000),
    'canary.invoke wall µs': round3((invoke.cases['canary.invoke']?.wallNsPerOp ?? Number.NaN) / 1000),
    'bare wall µs': round3((invoke.cases['bare startActiveSpan']?.wallNsPerOp ?? Number.NaN) / 1000),
    'invoke/bare': inRoundRatio(invoke, 'canary.invoke', 'bare startActiveSpan'),
    note: 'invoke also routes the key, builds the assignment context and baggage, sets the GenAI and canary.* attributes and records the call into the canary and its metrics; the bare wrapper does none of that',
  },
  sanity: {
    'started/exported per pipeline (after forceFlush)': exports,
    'canary c samples recorded by the processor': stats.stable.samples + stats.canary.samples,
  },
});
await Promise.all(Object.values(pipelines).map((p) => p.provider.shutdown()));

// Cross-check of bench/otel.bench.ts with one pipeline per process (no cross-talk between pipelines
// through GC or JIT state): per-span CPU of the same 5-span invocation on
//   a: BatchSpanProcessor only, c0: + CanarySpanProcessor stamping only, c: + CanarySpanProcessor recording.
// Usage: node --conditions=agent-canary-source bench/otel-isolated.bench.ts   (prints JSON)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { AgentCanary, CanarySpanProcessor, Rollout, Stage, withAgent, withTool, type Assignment } from '../src/index.ts';

const MODES = ['a', 'c0', 'c'] as const;
const PROCESSES_PER_MODE = 5;
const INVOCATIONS = 40_000;
const SPANS_PER_INVOCATION = 5;

class CountingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Runs one pipeline in this process; prints the median CPU ns per span of 7 measured runs. */
async function child(mode: string): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const canary = new AgentCanary({
    rolloutId: 'bench', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0',
    rollout: new Rollout({ stages: [new Stage({ percent: 5 }), new Stage({ percent: 100 })] }),
  });
  const first = mode === 'c' ? [new CanarySpanProcessor({ canaries: [canary] })] : mode === 'c0' ? [new CanarySpanProcessor({ canaries: [] })] : [];
  const provider = new TracerProvider({ spanProcessors: [...first, new BatchSpanProcessor({ exporter: new CountingExporter() })] });
  const tracer = provider.getTracer('agent-canary');
  const http = provider.getTracer('@example/http-client');
  const assignments: Assignment[] = Array.from({ length: 1000 }, (_, i) => canary.route(`user-${i}`));
  const invocation = (assignment: Assignment): void => {
    withAgent({ agent: 'support', assignment, tracer }, () => {
      withTool('search', () => 0, { tracer });
      withTool('fetch_order', () => http.startSpan('GET', { kind: SpanKind.CLIENT }).end(), { tracer });
      withTool('send_email', () => 0, { tracer });
    });
  };
  const run = async (): Promise<void> => {
    for (let i = 0; i < INVOCATIONS; i++) {
      invocation(assignments[i % assignments.length] as Assignment);
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await run();
  const perSpan: number[] = [];
  for (let r = 0; r < 7; r++) {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    perSpan.push(((used.user + used.system) * 1000) / (INVOCATIONS * SPANS_PER_INVOCATION));
  }
  console.log(JSON.stringify({ mode, cpuNsPerSpan: median(perSpan) }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1] as number;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, number[]> = { a: [], c0: [], c: [] };
  for (let p = 0; p < PROCESSES_PER_MODE; p++) {
    for (const mode of MODES) {
      const out = spawnSync(process.execPath, [...process.execArgv, self, mode], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`child ${mode} failed: ${out.stderr}`);
      results[mode]?.push(JSON.parse(out.stdout.trim().split('\n').pop() as string).cpuNsPerSpan);
      process.stderr.write(`  process ${p + 1}/${PROCESSES_PER_MODE} ${mode}\n`);
    }
  }
  const a = median(results.a as number[]);
  console.log(JSON.stringify({
    benchmark: 'otel-isolated', node: process.version,
    method: `one pipeline per process, ${PROCESSES_PER_MODE} processes per pipeline alternating, median of 7 runs of ${INVOCATIONS} invocations (${SPANS_PER_INVOCATION} spans each) per process, CPU time`,
    cpuNsPerSpan: { a: a, c0: median(results.c0 as number[]), c: median(results.c as number[]) },
    ratios: { 'c0/a (stamping 5 attributes)': median(results.c0 as number[]) / a, 'c/a': median(results.c as number[]) / a, target: '<= 1.15' },
    runs: results,
  }, null, 2));
}

const mode = process.argv[2];
if (mode === undefined) parent();
else await child(mode);

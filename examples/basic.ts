/**
 * agent-canary's main example: a support agent rolls out v1.1 behind a canary.
 *
 * v1.1 grounds its answers with a `search` tool and fails less often than v1.0 (0.3 % vs 1.5 %), but
 * the search cluster behind it was sized for a quarter of the traffic. The gates promote the canary
 * 5 → 25 → 50 %; at 50 % searches slow down and time out, and the gates roll it back: everyone is on
 * stable again. Requests of 4,000 simulated users arrive continuously, routed stickily by
 * `canary.invoke`; a `ManualClock` runs 150× faster than the wall clock, so the stage minimums
 * (simulated minutes) pass in seconds. Latencies are real sleeps, measured by the spans.
 *
 * Run:              npm run example     (= node --conditions=agent-canary-source examples/basic.ts)
 * With a collector: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npm run example
 *   `startCanaryTelemetry` ('agent-canary/setup') then sends the traces (canary.* on every span),
 *   metrics and `canary.decision` spans and logs over OTLP/HTTP. Without it the spans stay in process
 *   and the example prints the canary.* attributes of one of them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { AgentCanary, CanarySpanProcessor, ManualClock, Rollout, SeededRandom, withTool } from 'agent-canary';
import type { Decision, VersionStats } from 'agent-canary';

const USERS = 4_000;
const TICK_MS = 2; // every tick of wall time is 300 ms simulated and brings 6 requests (20 per simulated s)
const SIMULATED_MS_PER_TICK = 300;
const REQUESTS_PER_TICK = 6;
const TICKS_PER_EVALUATION = 50; // 15 s simulated, as `canary.start({ intervalMs: 15_000 })` would
const MAX_TICKS = 4_000; // a safety stop; the story ends after about 900

const clock = new ManualClock(Date.now());
const startedAt = clock.now();
const rng = new SeededRandom(7);

const canary = new AgentCanary({
  rolloutId: 'support-agent-v1.1',
  stable: 'agent-v1.0.0',
  canary: 'agent-v1.1.0',
  clock,
  // Rollout.standard() waits 5–20 min and 50–1000 samples per stage; a demo can afford less.
  rollout: new Rollout({ stages: [
    { percent: 5, minDurationMs: 60_000, minSamples: 100 },
    { percent: 25, minDurationMs: 60_000, minSamples: 200 },
    { percent: 50, minDurationMs: 60_000, minSamples: 300 },
    { percent: 100 },
  ] }),
});

class AgentError extends Error { override name = 'AgentError'; }

// The agents draw their random numbers before their first await, so every run sees the same failures.

/** v1.0: answers from the model alone. */
async function stableAgent(question: string): Promise<string> {
  const thinkMs = rng.lognormal(Math.log(30), 0.3);
  const fails = rng.bernoulli(0.015);
  await sleep(thinkMs);
  if (fails) throw new AgentError('the model returned an unusable answer');
  return `answer to ${question}`;
}

/** v1.1: searches first (an `execute_tool search` span), then answers faster and more reliably. */
async function canaryAgent(question: string, trafficPercent: number): Promise<string> {
  const thinkMs = rng.lognormal(Math.log(18), 0.3);
  const fails = rng.bernoulli(0.003);
  const docs = await withTool('search', () => search(question, trafficPercent), { type: 'datastore' });
  await sleep(thinkMs);
  if (fails) throw new AgentError('the model returned an unusable answer');
  return `answer to ${question}, citing ${docs.length} documents`;
}

/** The search cluster copes with the canary's load up to a quarter of all traffic. */
async function search(query: string, trafficPercent: number): Promise<string[]> {
  const overloaded = trafficPercent > 25;
  const latencyMs = rng.lognormal(Math.log(overloaded ? 40 : 5), 0.5);
  const timesOut = overloaded && rng.bernoulli(0.1);
  await sleep(timesOut ? 100 : latencyMs);
  if (timesOut) throw new Error('search timed out');
  return [`doc about ${query}`, 'faq'];
}

/** Stands in for your span exporter: keeps one canary `execute_tool` span to show its tagging. */
class OneSpanExporter implements SpanExporter {
  sample: ReadableSpan | undefined;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.sample ??= spans.find((span) => span.name === 'execute_tool search');
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** OTLP through agent-canary/setup when a collector is configured, else an in-process provider. */
async function startTelemetry(): Promise<{ shutdown(): Promise<void>; exporter?: OneSpanExporter }> {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { startCanaryTelemetry } = await import('agent-canary/setup');
    return startCanaryTelemetry({ serviceName: 'support-agent', canaries: [canary], metricExportIntervalMillis: 1_000 });
  }
  const exporter = new OneSpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new CanarySpanProcessor({ canaries: [canary] }), new SimpleSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return { exporter, shutdown: () => provider.shutdown() };
}

function handle(userId: string, question: string): Promise<string> {
  const answer = canary.invoke({ key: userId, agent: 'support' }, (version, assignment) =>
    version === canary.canaryVersion ? canaryAgent(question, assignment.trafficPercent) : stableAgent(question));
  // The app's own fallback: the failure is already recorded for the gates and on the span.
  return answer.catch(() => 'Sorry, something went wrong. Please try again.');
}

function printDecision(d: Decision): void {
  if (d.action === 'hold') return;
  const at = `+${Math.round((d.at - startedAt) / 1000)} s`.padStart(7);
  console.log(`${at}  ${d.action.padEnd(8)} ${d.from.percent}% → ${d.to.percent}%  ${d.reasons[0] ?? ''}`);
}

function row(version: string, role: string, samples: string, success: string, p95: string): string {
  return `${version.padEnd(14)}${role.padEnd(8)}${samples.padStart(8)}${success.padStart(10)}${p95.padStart(9)}`;
}

function summaryRow(role: string, s: VersionStats): string {
  const success = s.successRate === null ? '–' : `${(s.successRate * 100).toFixed(2)} %`;
  return row(s.version, role, String(s.samples), success, s.latencyMs?.p95.toFixed(1) ?? '–');
}

const telemetry = await startTelemetry();
canary.onDecision(printDecision);
console.log(`rollout ${canary.rolloutId}: ${canary.stableVersion} → ${canary.canaryVersion}, ${USERS} users`);

const inFlight = new Set<Promise<string>>();
for (let tick = 1; tick <= MAX_TICKS && canary.status().state === 'running'; tick++) {
  for (let i = 0; i < REQUESTS_PER_TICK; i++) {
    const request = handle(`user-${Math.floor(rng.next() * USERS)}`, `question ${tick}.${i}`);
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await sleep(TICK_MS);
  clock.advance(SIMULATED_MS_PER_TICK);
  if (tick % TICKS_PER_EVALUATION === 0) await canary.autoDecide();
}
await Promise.all(inFlight);

const status = canary.status();
console.log(`\nfinal state: ${status.state}, canary traffic ${status.trafficPercent}%`);
console.log(row('version', 'role', 'samples', 'success', 'p95 ms'));
console.log(summaryRow('stable', status.stable));
console.log(summaryRow('canary', status.canary));

const sample = telemetry.exporter?.sample;
if (sample) {
  console.log(`\nexample span "${sample.name}":`);
  for (const [key, value] of Object.entries(sample.attributes)) console.log(`  ${key} = ${JSON.stringify(value)}`);
} else {
  console.log(`\ntraces, metrics and decisions sent to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}`);
}
await telemetry.shutdown();

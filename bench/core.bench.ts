// Core hot paths: route(), record(), evaluate() and memory per version, against the targets.
// Usage: npm run bench   (node --conditions=agent-canary-source --expose-gc bench/core.bench.ts)
// Prints one JSON document on stdout; progress on stderr. Times are CPU ns (see bench/harness.ts).
import { AgentCanary, CanaryRouter, ManualClock, Rollout, Stage, VersionMetrics, type Bucketing, type Outcome } from '../src/index.ts';
import {
  consume, lognormal, measure, mulberry32, printJson, progress, requireExposedGc, retainedBytes, round2, round3,
  type BenchCase, type Measurement,
} from './harness.ts';

const ROUNDS = 9;
/** Each round alternates the cases in short slices, so load from other processes hits them alike. */
const SLICES = 8;
const DISTINCT_KEYS = 100_000;
const PRECOMPUTED = 1 << 16;
const MASK = PRECOMPUTED - 1;
const STABLE = 'agent-v1.0.0';
const CANARY = 'agent-v1.1.0';
const TOOLS = ['search', 'fetch_order', 'send_email'] as const;

requireExposedGc();
const random = mulberry32(20_261_122);
/** ~20-character sticky keys, like user ids behind a tenant prefix (`tenant-42:user-000123`). */
const keys = Array.from({ length: DISTINCT_KEYS }, (_, i) => `tenant-42:user-${String(i).padStart(6, '0')}`);
/** Agent latencies: lognormal, median 800 ms, sigma 1 (LLM calls); 2 % failures; token counts. */
const latencies = Float64Array.from({ length: PRECOMPUTED }, () => lognormal(random, 800, 1));
const successes = Array.from({ length: PRECOMPUTED }, () => random() >= 0.02);
const inputTokens = Int32Array.from({ length: PRECOMPUTED }, () => 200 + Math.floor(random() * 1800));
const outputTokens = Int32Array.from({ length: PRECOMPUTED }, () => 50 + Math.floor(random() * 450));
/** Versions in the proportions of a 5 % stage. */
const versions = Array.from({ length: PRECOMPUTED }, () => (random() < 0.05 ? CANARY : STABLE));

function canaryAt(percent: number, options: { bucketing?: Bucketing; maxP95Ms?: number; clock?: ManualClock } = {}): AgentCanary {
  return new AgentCanary({
    rolloutId: 'support-agent-v1.1', stable: STABLE, canary: CANARY, bucketing: options.bucketing, clock: options.clock,
    rollout: new Rollout({
      stages: [
        new Stage({ percent, minDurationMs: 60_000, minSamples: 200, maxP95Ms: options.maxP95Ms }),
        new Stage({ percent: 100 }),
      ],
    }),
  });
}

function agentOutcome(i: number): Outcome {
  const j = i & MASK;
  return { success: successes[j] as boolean, latencyMs: latencies[j] as number, inputTokens: inputTokens[j], outputTokens: outputTokens[j] };
}

// ---------------------------------------------------------------------------------------------- route

function routeCases(): BenchCase[] {
  const ops = 50_000;
  const keyed = canaryAt(5);
  const md5 = canaryAt(5, { bucketing: 'agent-canary-md5' });
  const router = new CanaryRouter({ rolloutId: 'support-agent-v1.1', stable: STABLE, canary: CANARY, percent: 5 });
  let k = 0;
  const keyedLoop = (n: number, route: (key: string) => { bucket: number | null }) => () => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += route(keys[k] as string).bucket ?? 0;
      if (++k === DISTINCT_KEYS) k = 0;
    }
    return sum;
  };
  return [
    { name: 'canary.route(key)', ops, run: keyedLoop(ops, (key) => keyed.route(key)) },
    {
      name: 'canary.route()', ops, run: () => {
        let canaries = 0;
        for (let i = 0; i < ops; i++) if (keyed.route().role === 'canary') canaries++;
        return canaries;
      },
    },
    { name: 'router.route(key)', ops, run: keyedLoop(ops, (key) => router.route(key)) },
    // MD5 through node:crypto is several times slower: fewer ops keep the batch about as long.
    { name: 'canary.route(key) md5', ops: ops / 4, run: keyedLoop(ops / 4, (key) => md5.route(key)) },
  ];
}

// --------------------------------------------------------------------------------------------- record

function recordCases(): BenchCase[] {
  const ops = 25_000;
  const canary = canaryAt(5);
  const metrics = new VersionMetrics({ version: STABLE });
  let i = 0;
  let m = 0;
  return [
    {
      name: 'canary.record(version, outcome)', ops, run: () => {
        for (let n = 0; n < ops; n++, i++) {
          const j = i & MASK;
          canary.record(versions[j] as string, {
            success: successes[j] as boolean, latencyMs: latencies[j] as number,
            inputTokens: inputTokens[j], outputTokens: outputTokens[j],
          });
        }
        return canary;
      },
    },
    {
      name: 'versionMetrics.record(outcome)', ops, run: () => {
        let accepted = 0;
        for (let n = 0; n < ops; n++, m++) {
          const j = m & MASK;
          if (metrics.record({
            success: successes[j] as boolean, latencyMs: latencies[j] as number,
            inputTokens: inputTokens[j], outputTokens: outputTokens[j],
          })) accepted++;
        }
        return accepted;
      },
    },
  ];
}

// ------------------------------------------------------------------------------------------- evaluate

/** A canary in its 5 % stage with `perArm` samples in each arm, spread over 60 s; clock 1 s past the stage minimum. */
function loadedCanary(perArm: number, maxP95Ms: number | undefined): AgentCanary {
  const clock = new ManualClock(1_800_000_000_000);
  const canary = canaryAt(5, { clock, maxP95Ms });
  for (let i = 0; i < perArm; i++) {
    canary.record(STABLE, agentOutcome(i));
    canary.record(CANARY, agentOutcome(i + 7919));
    clock.advance(60_000 / perArm);
  }
  clock.advance(1_000);
  return canary;
}

function evaluateCases(): BenchCase[] {
  const ops = 100;
  const plain = loadedCanary(100_000, undefined);
  const withP95 = loadedCanary(100_000, 2_000);
  let i = 0;
  // One fresh sample per arm before each evaluation, as between real evaluations, so no cached
  // window percentile is reused; it adds about 0.4 µs to the figure.
  const loop = (canary: AgentCanary) => () => {
    let promotes = 0;
    for (let n = 0; n < ops; n++, i++) {
      canary.record(STABLE, agentOutcome(i));
      canary.record(CANARY, agentOutcome(i + 104_729));
      if (canary.evaluate().action === 'promote') promotes++;
    }
    return promotes;
  };
  return [
    { name: 'canary.evaluate()', ops, run: loop(plain) },
    { name: 'canary.evaluate() maxP95Ms', ops, run: loop(withP95) },
  ];
}

// --------------------------------------------------------------------------------------------- memory

const MEMORY_SAMPLES = 1_000_000;
const CHECKPOINT = 100_000;
/** Simulated time per sample: 1 M samples span 10 min, so every slot of the default 5 min window fills and rotates. */
const MS_PER_SAMPLE = 600_000 / MEMORY_SAMPLES;

/** Every 4th sample is a tool call, cycling through 3 tool names; the rest are agent invocations. */
function memoryOutcome(i: number): Outcome {
  if ((i & 3) !== 3) return agentOutcome(i);
  const j = i & MASK;
  return { success: successes[j] as boolean, latencyMs: (latencies[j] as number) / 20, tool: TOOLS[(i >> 2) % 3] };
}

interface MemoryFigures {
  readonly empty: number;
  readonly after100k: number;
  readonly after1M: number;
}

/** Bytes per version retained after construction, 100 k and 1 M samples (`record(i, outcome)` feeds every instance). */
function memoryPerVersion(count: number, versionsPerInstance: number, create: (clock: ManualClock) => (i: number) => void): MemoryFigures {
  const base = retainedBytes();
  const clock = new ManualClock(1_800_000_000_000);
  const recorders = Array.from({ length: count }, () => create(clock));
  const perVersion = () => Math.round((retainedBytes() - base) / (count * versionsPerInstance));
  const empty = perVersion();
  let after100k = 0;
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    for (const record of recorders) record(i);
    clock.advance(MS_PER_SAMPLE);
    if (i + 1 === CHECKPOINT) after100k = perVersion();
  }
  const after1M = perVersion();
  consume(recorders);
  return { empty, after100k, after1M };
}

/** Bytes per canary kept by routing `DISTINCT_KEYS` fresh keys (the sample-ratio check remembers up to 10 k keys). */
function routedKeysPerCanary(count: number): number {
  const canaries = Array.from({ length: count }, () => canaryAt(5));
  const empty = retainedBytes();
  for (const canary of canaries) {
    for (let i = 0; i < DISTINCT_KEYS; i++) canary.route(`tenant-42:user-${String(i).padStart(6, '0')}`);
  }
  const routed = retainedBytes();
  consume(canaries);
  return Math.round((routed - empty) / count);
}

// ----------------------------------------------------------------------------------------------- main

function figure(m: Measurement, name: string, target: string | null, unit: 'ns' | 'µs' = 'ns'): Record<string, unknown> {
  const c = m.cases[name];
  if (c === undefined) throw new Error(`no case ${name}`);
  const scale = unit === 'µs' ? 1 / 1000 : 1;
  return {
    [`median_${unit}`]: unit === 'µs' ? round3(c.cpuNsPerOp * scale) : c.cpuNsPerOp,
    [`wall_median_${unit}`]: unit === 'µs' ? round3(c.wallNsPerOp * scale) : c.wallNsPerOp,
    [`range_${unit}`]: c.cpuRangeNs.map((v) => (unit === 'µs' ? round3(v * scale) : v)),
    ...(target === null ? {} : { target }),
  };
}

const started = performance.now();
progress('route() …');
const route = await measure(routeCases(), { rounds: ROUNDS, slices: SLICES, label: 'route' });
progress('record() …');
const record = await measure(recordCases(), { rounds: ROUNDS, slices: SLICES, label: 'record' });
progress('evaluate() …');
const evaluate = await measure(evaluateCases(), { rounds: ROUNDS, slices: SLICES, label: 'evaluate' });

progress('memory: 50 VersionMetrics × 1 M samples …');
const metricsMemory = memoryPerVersion(50, 1, (clock) => {
  const metrics = new VersionMetrics({ version: STABLE, clock });
  return (i) => metrics.record(memoryOutcome(i));
});
progress('memory: 20 AgentCanary × 1 M samples per version …');
const canaryMemory = memoryPerVersion(20, 2, (clock) => {
  const canary = canaryAt(5, { clock });
  return (i) => {
    canary.record(STABLE, memoryOutcome(i));
    canary.record(CANARY, memoryOutcome(i + 7919));
  };
});
progress('memory: routing 100 k distinct keys …');
const routedKeys = routedKeysPerCanary(20);

const node = process.version;
const kb = (bytes: number) => round2(bytes / 1024);
printJson({
  benchmark: 'core',
  node,
  method: `CPU time (process.cpuUsage) per op; median of ${ROUNDS} rounds after 3 warm-up rounds; each round alternates the cases in ${SLICES} shuffled slices and sums them (full GC at the start of each round); wall figures alongside`,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  route: {
    node,
    setup: `AgentCanary at 5 %, ${DISTINCT_KEYS} distinct ~21-char keys cycled ('tenant-42:user-000123')`,
    'canary.route(key)': figure(route, 'canary.route(key)', '<= 150 ns (Python agent-canary ~920 ns)'),
    'canary.route() keyless': figure(route, 'canary.route()', null),
    'CanaryRouter.route(key)': figure(route, 'router.route(key)', null),
    'canary.route(key) agent-canary-md5': figure(route, 'canary.route(key) md5', null),
  },
  record: {
    node,
    setup: 'lognormal latencies (median 800 ms, sigma 1), 2 % failures, token counts, 5 % canary; values precomputed, outcome object built per call',
    'canary.record(version, outcome)': figure(record, 'canary.record(version, outcome)', '<= 200 ns (Python ~280 ns)'),
    'VersionMetrics.record(outcome)': figure(record, 'versionMetrics.record(outcome)', null),
  },
  evaluate: {
    node,
    setup: '100 k samples per arm, default gates, 5 % stage past its minimums; each op also records 1 sample per arm (~0.4 µs) so window caches are dirty',
    'canary.evaluate()': figure(evaluate, 'canary.evaluate()', '<= 50 µs', 'µs'),
    'canary.evaluate() with maxP95Ms': figure(evaluate, 'canary.evaluate() maxP95Ms', null, 'µs'),
  },
  memory: {
    node,
    setup: 'heapUsed + arrayBuffers after a full GC; 1 M samples per version over 10 simulated minutes (all window slots rotate), 1 in 4 a tool call over 3 tool names; default 2 significant digits',
    target: '<= 150 KB per version',
    versionMetrics: { instances: 50, kbPerVersion: { empty: kb(metricsMemory.empty), after100k: kb(metricsMemory.after100k), after1M: kb(metricsMemory.after1M) } },
    agentCanary: { instances: 20, kbPerVersion: { empty: kb(canaryMemory.empty), after100k: kb(canaryMemory.after100k), after1M: kb(canaryMemory.after1M) } },
    growth100kTo1M: {
      versionMetricsKb: kb(metricsMemory.after1M - metricsMemory.after100k),
      agentCanaryKbPerVersion: kb(canaryMemory.after1M - canaryMemory.after100k),
    },
    routedDistinctKeysKbPerCanary: { keys: DISTINCT_KEYS, kb: kb(routedKeys), note: 'sample-ratio-mismatch unit set (1 key in 8, at most 4 096 per stage), on top of the figures above' },
  },
});

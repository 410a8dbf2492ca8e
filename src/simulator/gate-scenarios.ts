import type { GateOptions } from '../rollout/gate-options.ts';
import { Rollout } from '../rollout/rollout.ts';
import { simulateRollout, type SimulationResult } from './simulate-rollout.ts';
import type { TrafficModel } from './traffic-model.ts';

/** The Python agent-canary's rule: absolute 5-point success margin after 50 canary samples, no statistics. */
export const PYTHON_RULE_GATES: GateOptions = { errors: false, latency: false, srm: false, absolute: {} };

/** A family of seeded rollouts summarised together. */
export interface Scenario {
  readonly name: string;
  readonly traffic: TrafficModel;
  /** `detect`: one stage at `share` that never promotes; `rollout`: the standard 1 → 100 % rollout. */
  readonly kind: 'detect' | 'rollout';
  /** Canary percent of the detection stage. Default 5. */
  readonly share?: number;
  /** Detection runs stop after this many canary requests. Default 2000. */
  readonly maxCanaryRequests?: number;
}

/** Aggregates of one scenario under one gate configuration. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly gates: string;
  readonly runs: number;
  readonly rollbackRate: number;
  readonly completionRate: number;
  /** Medians over the runs that rolled back; null when none did. */
  readonly medianCanaryRequestsToRollback: number | null;
  readonly medianCanaryErrorsToRollback: number | null;
  /** Median simulated minutes to complete over the runs that completed; null when none did. */
  readonly medianMinutesToComplete: number | null;
}

/** Options of `runScenario`. */
export interface RunScenarioOptions {
  readonly runs: number;
  /** Label of the gate configuration in the summary. */
  readonly gatesName: string;
  readonly gates?: GateOptions;
  /** First seed; run i uses seed + i. Default 1. */
  readonly seed?: number;
  /** Called after each run, for progress output. */
  readonly onRun?: (done: number) => void;
}

/** Runs `runs` seeded rollouts of `scenario` and summarises them. */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioSummary> {
  const results: SimulationResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    results.push(await simulateRollout({
      seed: (options.seed ?? 1) + i,
      traffic: scenario.traffic,
      rollout: rolloutFor(scenario),
      gates: options.gates,
      evaluateEvery: 10,
      maxCanaryRequests: scenario.kind === 'detect' ? scenario.maxCanaryRequests ?? 2000 : undefined,
    }));
    options.onRun?.(i + 1);
  }
  const rolledBack = results.filter((r) => r.outcome === 'rolled_back');
  const completed = results.filter((r) => r.outcome === 'completed');
  return {
    scenario: scenario.name,
    gates: options.gatesName,
    runs: results.length,
    rollbackRate: rolledBack.length / results.length,
    completionRate: completed.length / results.length,
    medianCanaryRequestsToRollback: median(rolledBack.map((r) => r.canaryRequests)),
    medianCanaryErrorsToRollback: median(rolledBack.map((r) => r.canaryErrors)),
    medianMinutesToComplete: median(completed.map((r) => r.elapsedMs / 60_000)),
  };
}

function rolloutFor(scenario: Scenario): Rollout {
  if (scenario.kind === 'rollout') return Rollout.standard();
  return new Rollout({ stages: [{ percent: scenario.share ?? 5, minSamples: Number.MAX_SAFE_INTEGER }, { percent: 100 }] });
}

/** Median of `values`, or null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const BASE = { stableErrorRate: 0.02, medianLatencyMs: 800, latencySigma: 0.6 } as const;

/** The scenarios of the gate benchmark (base error 2 %, canary share 5 %, evaluation every 10 requests). */
export const GATE_SCENARIOS: readonly Scenario[] = [
  { name: 'identical', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.02 } },
  { name: 'errors x1.25', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.025 } },
  { name: 'errors x2', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.04 } },
  { name: 'errors x3', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.06 } },
  { name: 'errors x10', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.2 } },
  { name: 'errors x10 at 1% share', kind: 'detect', share: 1, traffic: { ...BASE, canaryErrorRate: 0.2 } },
  { name: 'latency +5%', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.02, canaryLatencyFactor: 1.05 } },
  { name: 'latency +30%', kind: 'detect', traffic: { ...BASE, canaryErrorRate: 0.02, canaryLatencyFactor: 1.3 } },
  {
    name: 'healthy standard rollout (0.5% errors, 100 rps)', kind: 'rollout',
    traffic: { stableErrorRate: 0.005, canaryErrorRate: 0.005, requestsPerSecond: 100 },
  },
];

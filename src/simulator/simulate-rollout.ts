import { AgentCanary } from '../canary.ts';
import { ManualClock } from '../clock.ts';
import type { DecisionAction } from '../rollout/decision.ts';
import type { GateOptions } from '../rollout/gate-options.ts';
import type { Rollout } from '../rollout/rollout.ts';
import { SeededRandom } from '../rollout/statistics/seeded-random.ts';
import type { TrafficModel } from './traffic-model.ts';

/** One simulated rollout through the real `AgentCanary`, with a simulated clock. */
export interface SimulationOptions {
  readonly seed: number;
  readonly traffic: TrafficModel;
  readonly rollout: Rollout;
  readonly gates?: GateOptions;
  /** Evaluate and apply after every this many requests. Default 10. */
  readonly evaluateEvery?: number;
  /** Stop after this many canary requests. Default unlimited. */
  readonly maxCanaryRequests?: number;
  /** Stop after this many requests in all. Default 5,000,000. */
  readonly maxRequests?: number;
}

/** How one simulated rollout ended. */
export interface SimulationResult {
  readonly outcome: 'rolled_back' | 'completed' | 'running';
  readonly requests: number;
  readonly canaryRequests: number;
  readonly canaryErrors: number;
  /** Simulated time from start to the end of the run, ms. */
  readonly elapsedMs: number;
  readonly finalStage: number;
  /** Actions applied, in order (holds excluded). */
  readonly transitions: readonly DecisionAction[];
}

/** Runs one rollout: routes keyless requests, draws outcomes from the traffic model, evaluates every N requests. */
export async function simulateRollout(options: SimulationOptions): Promise<SimulationResult> {
  const rng = new SeededRandom(options.seed);
  const clock = new ManualClock(0);
  const canary = new AgentCanary({
    rolloutId: `sim-${options.seed}`, stable: 'stable', canary: 'canary',
    rollout: options.rollout, gates: options.gates, clock, random: () => rng.next(),
  });
  const traffic = withDefaults(options.traffic);
  const transitions: DecisionAction[] = [];
  canary.onDecision((d) => d.action !== 'hold' && transitions.push(d.action));
  const evaluateEvery = options.evaluateEvery ?? 10;
  const maxCanary = options.maxCanaryRequests ?? Infinity;
  const maxRequests = options.maxRequests ?? 5_000_000;
  const stepMs = 1000 / traffic.requestsPerSecond;
  const mu = Math.log(traffic.medianLatencyMs);
  let requests = 0;
  let canaryRequests = 0;
  let canaryErrors = 0;
  let running = true;
  while (running && requests < maxRequests && canaryRequests < maxCanary) {
    const { version, role } = canary.route();
    const isCanary = role === 'canary';
    const success = !rng.bernoulli(isCanary ? traffic.canaryErrorRate : traffic.stableErrorRate);
    const latencyMs = rng.lognormal(mu, traffic.latencySigma) * (isCanary ? traffic.canaryLatencyFactor : 1);
    canary.record(version, { success, latencyMs });
    requests++;
    if (isCanary) {
      canaryRequests++;
      if (!success) canaryErrors++;
    }
    clock.advance(stepMs);
    if (requests % evaluateEvery === 0) running = (await canary.autoDecide()).to.state === 'running';
  }
  const state = canary.status();
  const outcome = state.state === 'rolled_back' ? 'rolled_back' : state.state === 'completed' ? 'completed' : 'running';
  return { outcome, requests, canaryRequests, canaryErrors, elapsedMs: clock.now(), finalStage: state.stageIndex, transitions };
}

function withDefaults(t: TrafficModel): Required<TrafficModel> {
  return {
    requestsPerSecond: t.requestsPerSecond ?? 50,
    stableErrorRate: t.stableErrorRate,
    canaryErrorRate: t.canaryErrorRate,
    medianLatencyMs: t.medianLatencyMs ?? 800,
    latencySigma: t.latencySigma ?? 0.6,
    canaryLatencyFactor: t.canaryLatencyFactor ?? 1,
  };
}

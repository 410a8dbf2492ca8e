import type { SeededRandom } from '../../../src/rollout/statistics/seeded-random.ts';

/** One simulated A/B error stream with independent per-request routing at a constant canary share. */
export interface ErrorStream {
  readonly rng: SeededRandom;
  /** Canary exposure share s. */
  readonly share: number;
  /** Stable per-request event probability p. */
  readonly stableRate: number;
  /** True ratio ρ: the canary's per-request event probability is ρ·p. */
  readonly ratio: number;
  /** The run ends after this many canary requests. */
  readonly maxCanaryRequests: number;
}

/** Where a run stopped: the canary requests and canary events seen when `onEvent` asked to stop. */
export interface StreamStop {
  readonly canaryRequests: number;
  readonly canaryEvents: number;
}

/**
 * Replays a stream event by event, in request order: the stable requests between two canary requests
 * are Geometric(s), their events Binomial. `onEvent(fromCanary, share)` returns true to stop; the
 * result is where it stopped, or null when the run reached `maxCanaryRequests` without stopping.
 */
export function runErrorStream(stream: ErrorStream, onEvent: (fromCanary: boolean, share: number) => boolean): StreamStop | null {
  const { rng, share, stableRate, ratio } = stream;
  const logStable = Math.log1p(-share);
  let canaryEvents = 0;
  for (let canaryRequests = 1; canaryRequests <= stream.maxCanaryRequests; canaryRequests++) {
    const stableRequests = Math.floor(Math.log(1 - rng.next()) / logStable);
    const stableEvents = rng.binomial(stableRequests, stableRate);
    for (let i = 0; i < stableEvents; i++) {
      if (onEvent(false, share)) return { canaryRequests: canaryRequests - 1, canaryEvents };
    }
    if (rng.bernoulli(ratio * stableRate)) {
      canaryEvents++;
      if (onEvent(true, share)) return { canaryRequests, canaryEvents };
    }
  }
  return null;
}

/** The usual Monte Carlo allowance: α plus three standard errors of a proportion over `runs` runs. */
export function monteCarloLimit(alpha: number, runs: number): number {
  return alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

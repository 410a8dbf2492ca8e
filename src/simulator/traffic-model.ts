/** Synthetic traffic for one simulated rollout. Rates are per request; latency is lognormal. */
export interface TrafficModel {
  /** Requests per second arriving at the service (sets how fast simulated time passes). Default 50. */
  readonly requestsPerSecond?: number;
  /** Stable's error probability per request, 0..1. */
  readonly stableErrorRate: number;
  /** Canary's error probability per request, 0..1. */
  readonly canaryErrorRate: number;
  /** Median latency of stable in ms. Default 800. */
  readonly medianLatencyMs?: number;
  /** Lognormal shape parameter. Default 0.6. */
  readonly latencySigma?: number;
  /** Canary latency multiplier applied to every request. Default 1. */
  readonly canaryLatencyFactor?: number;
}

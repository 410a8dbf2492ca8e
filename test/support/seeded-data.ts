import { SeededRandom } from '../../src/rollout/statistics/seeded-random.ts';

/** Deterministic uniform [0, 1) source, so statistical tests are reproducible. */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

/** `n` log-normal latencies in ms with the given median and log-space sigma (Box–Muller). */
export function lognormalLatencies(options: { seed: number; n: number; medianMs: number; sigma: number }): number[] {
  const random = new SeededRandom(options.seed);
  const mu = Math.log(options.medianMs);
  return Array.from({ length: options.n }, () => random.lognormal(mu, options.sigma));
}

/** Nearest-rank percentile (the definition HDR implements) of values already rounded to the µs. */
export function exactPercentileMs(latenciesMs: readonly number[], p: number): number {
  const sortedUs = latenciesMs.map((ms) => Math.max(1, Math.round(ms * 1000))).sort((a, b) => a - b);
  // Like HDR: the floating-point count may be 1 ulp above the integer rank, so do not round that up.
  const count = (p / 100) * sortedUs.length;
  const rank = Math.max(1, Math.ceil(count - count * Number.EPSILON));
  return (sortedUs[rank - 1] as number) / 1000;
}

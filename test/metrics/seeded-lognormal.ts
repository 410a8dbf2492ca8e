/** Deterministic uniform [0, 1) source (mulberry32), so statistical tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` log-normal latencies in ms with the given median and log-space sigma (Box–Muller). */
export function lognormalLatencies(options: { seed: number; n: number; medianMs: number; sigma: number }): number[] {
  const random = seededRandom(options.seed);
  const mu = Math.log(options.medianMs);
  return Array.from({ length: options.n }, () => {
    const u = 1 - random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.exp(mu + options.sigma * z);
  });
}

/** Nearest-rank percentile (the definition HDR implements) of values already rounded to the µs. */
export function exactPercentileMs(latenciesMs: readonly number[], p: number): number {
  const sortedUs = latenciesMs.map((ms) => Math.max(1, Math.round(ms * 1000))).sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sortedUs.length));
  return (sortedUs[rank - 1] as number) / 1000;
}

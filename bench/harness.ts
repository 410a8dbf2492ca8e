// Shared benchmark harness: warm-up, interleaved shuffled rounds, wall and CPU time per op, medians,
// in-round ratios, memory snapshots and the one-JSON-document output. Progress goes to stderr.
// Figures are CPU time (process.cpuUsage: user + system) unless named `wall`: on a shared, noisy machine
// CPU time is not inflated by preemption, while GC helper threads still count (as they cost CPU).

/** One measured case: `run()` performs `ops` operations (sync or async) and returns a value to keep alive. */
export interface BenchCase {
  readonly name: string;
  /** Operations performed by one call of `run`, the divisor of the time. */
  readonly ops: number;
  readonly run: () => unknown;
}

/** Per-case result: median and spread of the per-round figures. */
export interface CaseResult {
  /** Median CPU ns per op over the rounds. */
  readonly cpuNsPerOp: number;
  /** Median wall-clock ns per op over the rounds. */
  readonly wallNsPerOp: number;
  /** Lowest and highest per-round CPU ns per op, to show the noise. */
  readonly cpuRangeNs: readonly [number, number];
}

/** The result of `measure`: per-case medians and the raw per-round CPU figures (for in-round ratios). */
export interface Measurement {
  readonly rounds: number;
  readonly cases: Readonly<Record<string, CaseResult>>;
  /** `perRound[r][name]` = CPU ns per op of case `name` in round `r`. */
  readonly perRound: readonly Readonly<Record<string, number>>[];
}

/** Options of `measure`. */
export interface MeasureOptions {
  /** Measured rounds; every case runs once per round, in a fresh shuffled order. Default 9. */
  readonly rounds?: number;
  /** Unmeasured calls of every case before the first round (JIT tiers, caches). Default 3. */
  readonly warmupRounds?: number;
  /** Label for progress lines on stderr. */
  readonly label?: string;
  /** Seed of the order shuffle, so runs are reproducible in their order. Default 1. */
  readonly seed?: number;
  /**
   * Slices per round (default 1). With more than one, a round runs every case `slices` times in
   * alternation (a new shuffled order per slice) and sums the times, so a burst of load from another
   * process hits every case alike; the full GC then runs once per round instead of before every call.
   */
  readonly slices?: number;
}

/** Defeats dead-code elimination: benchmarks feed results here. */
export let sink: unknown;

/** Keeps `value` observable so the optimiser cannot drop the work that produced it. */
export function consume(value: unknown): void {
  sink = value;
}

/**
 * Runs every case `warmupRounds` times, then `rounds` rounds in which every case runs `slices` times
 * in shuffled alternation. With one slice a full GC (when `--expose-gc` is on) precedes every call,
 * so no case pays for another's garbage. Returns medians per case and the per-round figures for
 * in-round ratios.
 */
export async function measure(cases: readonly BenchCase[], options: MeasureOptions = {}): Promise<Measurement> {
  const rounds = options.rounds ?? 9;
  const slices = options.slices ?? 1;
  const random = mulberry32(options.seed ?? 1);
  for (let w = 0; w < (options.warmupRounds ?? 3); w++) {
    for (const c of cases) await timeOnce(c, true);
  }
  const perRound: Record<string, number>[] = [];
  const wall = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    const cpuSum = new Map<string, number>();
    const wallSum = new Map<string, number>();
    if (slices > 1) fullGc();
    for (let s = 0; s < slices; s++) {
      for (const c of shuffled(cases, random)) {
        const t = await timeOnce(c, slices === 1);
        cpuSum.set(c.name, (cpuSum.get(c.name) ?? 0) + t.cpuNs);
        wallSum.set(c.name, (wallSum.get(c.name) ?? 0) + t.wallNs);
      }
    }
    const round: Record<string, number> = {};
    for (const c of cases) {
      round[c.name] = (cpuSum.get(c.name) ?? Number.NaN) / (c.ops * slices);
      wall.get(c.name)?.push((wallSum.get(c.name) ?? Number.NaN) / (c.ops * slices));
    }
    perRound.push(round);
    progress(`${options.label ?? 'bench'}: round ${r + 1}/${rounds} ${formatRound(round)}`);
  }
  const results: Record<string, CaseResult> = {};
  for (const c of cases) {
    const cpu = perRound.map((round) => round[c.name] ?? Number.NaN);
    results[c.name] = {
      cpuNsPerOp: round2(median(cpu)),
      wallNsPerOp: round2(median(wall.get(c.name) ?? [])),
      cpuRangeNs: [round2(Math.min(...cpu)), round2(Math.max(...cpu))],
    };
  }
  return { rounds, cases: results, perRound };
}

/** Median over rounds of `numerator / denominator` taken within each round, with the range. */
export function inRoundRatio(m: Measurement, numerator: string, denominator: string): { median: number; range: [number, number] } {
  const ratios = m.perRound.map((round) => (round[numerator] ?? Number.NaN) / (round[denominator] ?? Number.NaN));
  return { median: round3(median(ratios)), range: [round3(Math.min(...ratios)), round3(Math.max(...ratios))] };
}

/** Forces a full collection twice (weak references and finalizers settle); no-op without `--expose-gc`. */
export function fullGc(): void {
  const gc = globalThis.gc;
  if (gc === undefined) return;
  gc();
  gc();
}

/** Heap in use plus ArrayBuffer backing stores (where HDR histograms keep their counts), after a full GC. */
export function retainedBytes(): number {
  fullGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Throws unless run with `--expose-gc`: memory figures without a forced GC would be meaningless. */
export function requireExposedGc(): void {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)');
}

/** Lets timers and I/O run (e.g. the BatchSpanProcessor's export). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Writes one progress line to stderr. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints the one JSON document of a benchmark on stdout. */
export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** Median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rounds to 2 decimals (ns figures). */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Rounds to 3 decimals (ratios, µs figures). */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Seeded uniform [0, 1) source (mulberry32), so inputs are identical from run to run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lognormal sample from a uniform source (Box-Muller): `median * exp(sigma * N(0, 1))`. */
export function lognormal(random: () => number, medianValue: number, sigma: number): number {
  const u = 1 - random();
  const v = random();
  return medianValue * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

async function timeOnce(c: BenchCase, collectFirst: boolean): Promise<{ cpuNs: number; wallNs: number }> {
  if (collectFirst) fullGc();
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const result = c.run();
  consume(result instanceof Promise ? await result : result);
  const wallNs = Number(process.hrtime.bigint() - wall0);
  const cpu = process.cpuUsage(cpu0);
  return { cpuNs: (cpu.user + cpu.system) * 1000, wallNs };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function formatRound(round: Record<string, number>): string {
  return Object.entries(round).map(([name, ns]) => `${name}=${ns.toFixed(0)}`).join(' ');
}

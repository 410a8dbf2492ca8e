import { CanaryConfigError } from '../errors.ts';
import { requireInteger, requireNonEmptyString, requireNumberBetween, requireNumberInRange, requireOneOf } from '../validation.ts';

/** The sequential error gate: canary error rate vs stable's, anytime-valid. */
export interface ErrorGateOptions {
  /** Materiality margin ρ0: roll back only when canary/stable error ratio is shown above it. Default 1. */
  readonly margin?: number;
  /** Share of the rollback α budget (relative weight). Default 4 (latency p95: 1). */
  readonly weight?: number;
  /** Largest tolerated error ratio ρ_max a promotion must exclude. Default 2. */
  readonly maxRatio?: number;
  /** Alternatively, promotion may show the canary's error rate is below this absolute rate. Default 0.01. */
  readonly maxErrorRate?: number;
  /**
   * Alternative error ratios the e-process mixes (all above `margin`), equally weighted. Default
   * `margin` × {1.5, 2, 3, 5, 10}: weight on large ratios buys fast rollback of severe regressions.
   */
  readonly grid?: readonly number[];
}

/** A sequential latency gate on one percentile (exceedance of stable's frozen percentile). */
export interface LatencyGateOptions {
  /** Margin ρ0 on the canary's share of slow requests (1.25 = up to 25 % more). Default 1.1. */
  readonly margin?: number;
  /** Relative α weight. Default 1. */
  readonly weight?: number;
}

/** Latency gates. `p95` is on by default, `p99` off. */
export interface LatencyGatesOptions {
  readonly p95?: LatencyGateOptions | false;
  readonly p99?: LatencyGateOptions | false;
  /** Stable samples needed before a percentile threshold is frozen. Default 200. */
  readonly warmupSamples?: number;
}

/** The metric a custom gate judges. */
export type CustomMetric = 'inputTokens' | 'outputTokens' | 'totalTokens' | 'costUsd' | `score:${string}`;

/** A gate on tokens, cost, or a named score recorded with `Outcome.scores`. */
export interface CustomGateOptions {
  /** Gate name, used in decisions and telemetry. Default derived from the metric. */
  readonly name?: string;
  readonly metric: CustomMetric;
  /** Which direction is a regression. */
  readonly worse: 'higher' | 'lower';
  /**
   * With a budget, a request is "bad" when its value is worse than the budget and the gate runs the
   * rate-ratio e-process on bad requests (good for few samples). Without one, the gate compares
   * means with an anytime-valid confidence sequence.
   */
  readonly budget?: number;
  /** Tolerated relative regression: 0.1 = 10 % worse is still fine. Default 0.1. */
  readonly margin?: number;
  /** Relative α weight. Default 1. */
  readonly weight?: number;
}

/** Sample-ratio-mismatch check of observed vs configured canary share (in routing units). */
export interface SrmOptions {
  /** p-value below which the rollout holds. Default 0.001. */
  readonly pValue?: number;
  /** Units needed before the check runs. Default 100. */
  readonly minUnits?: number;
}

/** The Python agent-canary's absolute rule, kept for parity: roll back when canary success < stable − margin. */
export interface AbsoluteGateOptions {
  /** Absolute success-rate margin. Default 0.05. */
  readonly safetyMargin?: number;
  /** Canary samples needed. Default 50. */
  readonly minSamples?: number;
}

/** Gate configuration of an `AgentCanary`. Every field optional; `false` disables a gate. */
export interface GateOptions {
  /** False-rollback budget of the whole rollout, split across rollback gates by weight. Default 0.05. */
  readonly alpha?: number;
  /** False-promotion budget of the proof of safety. Default 0.05. */
  readonly promotionAlpha?: number;
  readonly errors?: ErrorGateOptions | false;
  readonly latency?: LatencyGatesOptions | false;
  readonly custom?: readonly CustomGateOptions[];
  readonly srm?: SrmOptions | false;
  /** Off by default. */
  readonly absolute?: AbsoluteGateOptions | false;
  /** Promotion requires the proof of safety on errors. Default true. */
  readonly requireSafety?: boolean;
}

/** Gate configuration with defaults applied and α split into per-gate budgets. */
export interface ResolvedGates {
  readonly alpha: number;
  readonly promotionAlpha: number;
  readonly errors: {
    readonly margin: number; readonly alpha: number; readonly maxRatio: number; readonly maxErrorRate: number; readonly grid: readonly number[];
  } | null;
  readonly latency: readonly { readonly name: 'latency_p95' | 'latency_p99'; readonly percentile: number; readonly margin: number; readonly alpha: number }[];
  readonly warmupSamples: number;
  readonly custom: readonly (Required<Omit<CustomGateOptions, 'budget' | 'weight'>> & { readonly budget: number | undefined; readonly alpha: number })[];
  readonly srm: { readonly pValue: number; readonly minUnits: number } | null;
  readonly absolute: { readonly safetyMargin: number; readonly minSamples: number } | null;
  readonly requireSafety: boolean;
}

const CUSTOM_METRIC = /^(inputTokens|outputTokens|totalTokens|costUsd|score:.+)$/;

/** Validates `options` (throws `CanaryConfigError` naming the field) and applies defaults. */
export function resolveGates(options: GateOptions = {}): ResolvedGates {
  const alpha = requireNumberBetween('gates.alpha', options.alpha ?? 0.05, 0, 1);
  const promotionAlpha = requireNumberBetween('gates.promotionAlpha', options.promotionAlpha ?? 0.05, 0, 1);
  const errors = options.errors === false ? null : options.errors ?? {};
  const latency = options.latency === false ? {} : options.latency ?? {};
  const latencyGates = [
    { name: 'latency_p95' as const, percentile: 95, o: latency.p95 === undefined ? {} : latency.p95 },
    { name: 'latency_p99' as const, percentile: 99, o: latency.p99 ?? false },
  ].filter((g) => options.latency !== false && g.o !== false);
  const custom = (options.custom ?? []).map((c, i) => validateCustom(c, i));
  const errorMargin = requireNumberInRange('gates.errors.margin', (errors || {}).margin ?? 1, 0.01, 100);

  const weights = [
    errors ? weightOf('gates.errors.weight', errors.weight, 4) : 0,
    ...latencyGates.map((g) => weightOf(`gates.latency.${g.name.slice(8)}.weight`, (g.o as LatencyGateOptions).weight, 1)),
    ...custom.map((c, i) => weightOf(`gates.custom[${i}].weight`, c.weight, 1)),
  ];
  const total = weights.reduce((a, b) => a + b, 0);
  const share = (i: number): number => (alpha * (weights[i] ?? 0)) / total;

  return {
    alpha,
    promotionAlpha,
    errors: errors && {
      margin: errorMargin,
      grid: errorGrid(errors.grid, errorMargin),
      alpha: share(0),
      maxRatio: requireNumberInRange('gates.errors.maxRatio', errors.maxRatio ?? 2, 1, 100),
      maxErrorRate: requireNumberBetween('gates.errors.maxErrorRate', errors.maxErrorRate ?? 0.01, 0, 1),
    },
    latency: latencyGates.map((g, i) => ({
      name: g.name,
      percentile: g.percentile,
      margin: requireNumberInRange(`gates.latency.${g.name.slice(8)}.margin`, (g.o as LatencyGateOptions).margin ?? 1.1, 0.01, 100),
      alpha: share(1 + i),
    })),
    warmupSamples: requireInteger('gates.latency.warmupSamples', latency.warmupSamples ?? 200, 20),
    custom: custom.map((c, i) => ({
      name: c.name ?? `custom_${c.metric.replace(':', '_')}`,
      metric: c.metric,
      worse: c.worse,
      budget: c.budget,
      margin: requireNumberInRange(`gates.custom[${i}].margin`, c.margin ?? 0.1, 0, 100),
      alpha: share(1 + latencyGates.length + i),
    })),
    srm: options.srm === false ? null : {
      pValue: requireNumberBetween('gates.srm.pValue', options.srm?.pValue ?? 0.001, 0, 1),
      minUnits: requireInteger('gates.srm.minUnits', options.srm?.minUnits ?? 100, 1),
    },
    absolute: options.absolute ? {
      safetyMargin: requireNumberInRange('gates.absolute.safetyMargin', options.absolute.safetyMargin ?? 0.05, 0, 1),
      minSamples: requireInteger('gates.absolute.minSamples', options.absolute.minSamples ?? 50, 1),
    } : null,
    requireSafety: options.requireSafety ?? true,
  };
}

const ERROR_GRID_FACTORS = [1.5, 2, 3, 5, 10] as const;

function errorGrid(grid: readonly number[] | undefined, margin: number): readonly number[] {
  if (grid === undefined) return ERROR_GRID_FACTORS.map((f) => f * margin);
  if (!Array.isArray(grid) || grid.length === 0 || grid.some((g) => !(Number.isFinite(g) && g > margin))) {
    throw new CanaryConfigError('gates.errors.grid', `a non-empty array of finite ratios above the margin ${margin}`, grid);
  }
  return [...grid];
}

function weightOf(field: string, value: number | undefined, fallback: number): number {
  return requireNumberBetween(field, value ?? fallback, 0, Number.MAX_SAFE_INTEGER);
}

function validateCustom(c: CustomGateOptions, i: number): CustomGateOptions {
  const field = `gates.custom[${i}]`;
  if (typeof c?.metric !== 'string' || !CUSTOM_METRIC.test(c.metric)) {
    throw new CanaryConfigError(`${field}.metric`, "'inputTokens' | 'outputTokens' | 'totalTokens' | 'costUsd' | 'score:<name>'", c?.metric);
  }
  requireOneOf(`${field}.worse`, c.worse, ['higher', 'lower']);
  if (c.name !== undefined) requireNonEmptyString(`${field}.name`, c.name);
  if (c.budget !== undefined) requireNumberInRange(`${field}.budget`, c.budget, -Number.MAX_VALUE, Number.MAX_VALUE);
  return c;
}

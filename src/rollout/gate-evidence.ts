import type { Outcome } from '../metrics/outcome.ts';
import type { VersionMetrics } from '../metrics/version-metrics.ts';
import type { Role } from '../routing/assignment.ts';
import type { ResolvedGates } from './gate-options.ts';
import { MeanConfidenceSequence } from './statistics/mean-confidence-sequence.ts';
import { RateRatioEProcess } from './statistics/rate-ratio-e-process.ts';
import { RatioConfidenceSequence } from './statistics/ratio-confidence-sequence.ts';

/**
 * Pseudo-requests at the configured share that anchor the realized exposure share early in a stage.
 * The share used for an event is computed from requests before it, so it stays predictable.
 */
const SHARE_PRIOR_WEIGHT = 50;

/**
 * Latency thresholds re-freeze each time stable's sample count doubles, up to this many samples:
 * the first calls to finish after a start are the fast ones, so an early p95 reads low. Any threshold
 * fixed from past data keeps the test valid; re-freezing only makes it measure the intended percentile.
 */
const LAST_REFREEZE_SAMPLES = 50_000;

/** A latency exceedance test: stable's percentile frozen from earlier data, slow requests counted per arm. */
export interface LatencyEvidence {
  readonly name: 'latency_p95' | 'latency_p99';
  readonly percentile: number;
  readonly margin: number;
  readonly alpha: number;
  readonly process: RateRatioEProcess;
  thresholdMs: number | null;
}

/** A custom metric test: bad-request e-process with a budget, or a confidence sequence on means. */
export interface CustomEvidence {
  readonly config: ResolvedGates['custom'][number];
  readonly process: RateRatioEProcess | null;
  readonly means: MeanConfidenceSequence | null;
}

/** Counts of the current stage. */
export interface StageCounts {
  readonly canary: number;
  readonly stable: number;
  readonly canarySuccesses: number;
}

/**
 * Everything the sequential gates know, fed one invocation at a time. The tests are never reset at
 * stage boundaries (one test per metric for the whole rollout, no multiplicity across stages); only
 * `restart()` of the rollout starts them afresh.
 */
export class GateEvidence {
  readonly errors: RateRatioEProcess | null;
  readonly safety: RatioConfidenceSequence | null;
  readonly latency: readonly LatencyEvidence[];
  readonly custom: readonly CustomEvidence[];
  private readonly _gates: ResolvedGates;
  private readonly _stable: VersionMetrics;
  private _configuredShare = 0;
  private _stageCanary = 0;
  private _stageStable = 0;
  private _stageCanarySuccesses = 0;
  private _canaryRequests = 0;
  private _canaryErrors = 0;
  private _stableRequests = 0;
  private _nextFreezeAt: number;

  constructor(gates: ResolvedGates, stableMetrics: VersionMetrics) {
    this._gates = gates;
    this._stable = stableMetrics;
    this._nextFreezeAt = gates.warmupSamples;
    this.errors = gates.errors ? new RateRatioEProcess({ rho0: gates.errors.margin, grid: gates.errors.grid }) : null;
    this.safety = gates.errors ? new RatioConfidenceSequence({ bounds: safetyBounds(gates.errors.maxRatio) }) : null;
    this.latency = gates.latency.map((g) => ({ ...g, process: new RateRatioEProcess({ rho0: g.margin }), thresholdMs: null }));
    this.custom = gates.custom.map((config) => ({
      config,
      process: config.budget === undefined ? null : new RateRatioEProcess({ rho0: 1 + config.margin }),
      means: config.budget === undefined ? new MeanConfidenceSequence() : null,
    }));
  }

  /** Starts a stage at `percent`: stage counts restart and latency thresholds re-freeze from earlier data (once there is enough). */
  startStage(percent: number): void {
    this._configuredShare = percent / 100;
    this._stageCanary = 0;
    this._stageStable = 0;
    this._stageCanarySuccesses = 0;
    if (this._stableRequests >= this._gates.warmupSamples) this._freezeThresholds();
  }

  /** Feeds one valid agent invocation of `role`. */
  observe(role: Role, outcome: Outcome): void {
    const fromCanary = role === 'canary';
    const share = this.exposureShare;
    if (!outcome.success) {
      this.errors?.observe(fromCanary, share);
      this.safety?.observe(fromCanary, share);
    }
    for (const l of this.latency) {
      if (l.thresholdMs !== null && outcome.latencyMs > l.thresholdMs) l.process.observe(fromCanary, share);
    }
    for (const c of this.custom) this._observeCustom(c, fromCanary, share, outcome);
    this._count(fromCanary, outcome.success);
  }

  /** Canary share of exposure for the next event: the stage's realized share, anchored to the configured one. */
  get exposureShare(): number {
    return (this._stageCanary + SHARE_PRIOR_WEIGHT * this._configuredShare) / (this._stageCanary + this._stageStable + SHARE_PRIOR_WEIGHT);
  }

  get configuredShare(): number {
    return this._configuredShare;
  }

  get stage(): StageCounts {
    return { canary: this._stageCanary, stable: this._stageStable, canarySuccesses: this._stageCanarySuccesses };
  }

  /** Canary invocations and errors since the rollout (re)started. */
  get canaryTotals(): { readonly requests: number; readonly errors: number } {
    return { requests: this._canaryRequests, errors: this._canaryErrors };
  }

  private _count(fromCanary: boolean, success: boolean): void {
    if (fromCanary) {
      this._stageCanary++;
      this._canaryRequests++;
      if (success) this._stageCanarySuccesses++;
      else this._canaryErrors++;
    } else {
      this._stageStable++;
      this._stableRequests++;
      if (this._stableRequests === this._nextFreezeAt) this._freezeThresholds();
    }
  }

  private _freezeThresholds(): void {
    for (const l of this.latency) l.thresholdMs = this._stable.percentileMs(l.percentile);
    if (this._nextFreezeAt <= this._stableRequests) {
      this._nextFreezeAt = this._stableRequests * 2 <= LAST_REFREEZE_SAMPLES ? this._stableRequests * 2 : Infinity;
    }
  }

  private _observeCustom(c: CustomEvidence, fromCanary: boolean, share: number, outcome: Outcome): void {
    const value = metricValue(c.config.metric, outcome);
    if (value === undefined || !Number.isFinite(value)) return;
    if (c.process && c.config.budget !== undefined) {
      const bad = c.config.worse === 'higher' ? value > c.config.budget : value < c.config.budget;
      if (bad) c.process.observe(fromCanary, share);
    } else {
      c.means?.observe(fromCanary ? 'canary' : 'stable', value);
    }
  }
}

/** The value of a custom gate's metric in one outcome, or undefined when not reported. */
export function metricValue(metric: string, outcome: Outcome): number | undefined {
  switch (metric) {
    case 'inputTokens':
      return outcome.inputTokens;
    case 'outputTokens':
      return outcome.outputTokens;
    case 'totalTokens':
      return outcome.inputTokens === undefined && outcome.outputTokens === undefined
        ? undefined
        : (outcome.inputTokens ?? 0) + (outcome.outputTokens ?? 0);
    case 'costUsd':
      return outcome.costUsd;
    default:
      return outcome.scores?.[metric.slice('score:'.length)];
  }
}

function safetyBounds(maxRatio: number): number[] {
  return [...new Set([1.1, 1.25, 1.5, 2, 3, 5, 10, maxRatio])].filter((b) => b >= 1.1).sort((a, b) => a - b);
}

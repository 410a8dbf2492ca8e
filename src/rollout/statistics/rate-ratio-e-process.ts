import { CanaryConfigError } from '../../errors.ts';

/**
 * Which side of ρ₀ the e-process looks for evidence on:
 * - `greater`: H0 ρ ≤ ρ₀, evidence that the canary's event rate exceeds ρ₀ × stable's (rollback gates);
 * - `less`: H0 ρ ≥ ρ₀, evidence that it is below ρ₀ × stable's (proof of safety).
 */
export type EProcessDirection = 'greater' | 'less';

/** Options of {@link RateRatioEProcess}. */
export interface RateRatioEProcessOptions {
  /** Null ratio ρ₀ (canary rate / stable rate), finite and > 0. Default 1 ("any regression"). */
  readonly rho0?: number;
  /**
   * Alternative ratios ρⱼ, all strictly on the alternative side of ρ₀ (> ρ₀ for `greater`,
   * in (0, ρ₀) for `less`). Default: see {@link defaultRateRatioGrid}.
   */
  readonly grid?: readonly number[];
  /** Mixture weights, one per grid point, each > 0, summing to 1. Default uniform. */
  readonly weights?: readonly number[];
  /** Default `greater`. */
  readonly direction?: EProcessDirection;
}

/** The persistable state of a {@link RateRatioEProcess} (plain JSON: finite numbers only). */
export interface RateRatioEProcessState {
  readonly rho0: number;
  readonly direction: EProcessDirection;
  readonly grid: readonly number[];
  readonly weights: readonly number[];
  /** Log of each grid point's likelihood-ratio product, in grid order. */
  readonly logProducts: readonly number[];
  readonly canaryEvents: number;
  readonly stableEvents: number;
  readonly skipped: number;
}

/** §2.3 ladder of alternatives for `greater`; reproduces the reference grids for ρ₀ ∈ {1, 1.25, 1.5}. */
const GREATER_LADDER = [1.25, 1.5, 2, 3, 5, 10] as const;
/** Grid points closer than 10 % to ρ₀ buy almost no evidence, so the ladder skips them. */
const MIN_SEPARATION = 1.1;
const MIN_LADDER_POINTS = 4;
/** The ρ₀ = 1.5 grid, rescaled for large ρ₀ where too few ladder points remain. */
const LARGE_RHO0_GRID = [2, 3, 5, 10] as const;
/** §5 safety alternatives, used for `less` when ρ₀ > 1. */
const LESS_GRID = [0.25, 0.5, 0.75, 1] as const;
const LESS_FRACTIONS = [0.25, 0.5, 0.75] as const;
const WEIGHT_SUM_TOLERANCE = 1e-9;

/**
 * Default alternatives for a null ratio `rho0`:
 * - `greater`, ρ₀ ≤ 1: ρ₀ × {1.25, 1.5, 2, 3, 5, 10};
 * - `greater`, ρ₀ > 1: the points of {1.25, 1.5, 2, 3, 5, 10} that are ≥ 1.1·ρ₀ (ρ₀ = 1.25 →
 *   {1.5, 2, 3, 5, 10}; ρ₀ = 1.5 → {2, 3, 5, 10}, as in §2.3), or, when fewer than four remain
 *   (ρ₀ > 1.82), {2, 3, 5, 10} × ρ₀/1.5;
 * - `less`, ρ₀ > 1: {0.25, 0.5, 0.75, 1} (§5); `less`, ρ₀ ≤ 1: ρ₀ × {0.25, 0.5, 0.75}.
 */
export function defaultRateRatioGrid(rho0: number, direction: EProcessDirection): number[] {
  if (direction === 'less') return rho0 > 1 ? [...LESS_GRID] : LESS_FRACTIONS.map((f) => f * rho0);
  if (rho0 <= 1) return GREATER_LADDER.map((g) => g * rho0);
  const ladder = GREATER_LADDER.filter((g) => g >= MIN_SEPARATION * rho0);
  return ladder.length >= MIN_LADDER_POINTS ? ladder : LARGE_RHO0_GRID.map((g) => (g * rho0) / 1.5);
}

/**
 * Anytime-valid test that the canary's rate of some event (errors, slow requests, over-budget
 * requests) differs from stable's by more than the ratio ρ₀ (reference §2). Only events enter: each
 * event comes from the canary with probability θ(ρ, s) = ρs / (ρs + 1 − s) given the canary's exposure
 * share s, whatever the (possibly drifting) base rate. The statistic is a fixed-weight mixture over
 * the grid of likelihood-ratio products θ(ρⱼ)/θ(ρ₀), a non-negative supermartingale under H0, so by
 * Ville's inequality P(∃t: E_t ≥ 1/α) ≤ α under any monitoring schedule. Never reset it at stage
 * changes: the share carries the stage.
 *
 * O(grid) per event, no allocation per event; nothing per non-event request.
 */
export class RateRatioEProcess {
  /** Null ratio ρ₀. */
  readonly rho0: number;
  readonly direction: EProcessDirection;
  /** Alternative ratios ρⱼ, in the order given. */
  readonly grid: readonly number[];
  /** Mixture weights, aligned with `grid`. */
  readonly weights: readonly number[];
  private readonly _logWeights: Float64Array;
  /** ln(ρⱼ/ρ₀): the part of a canary event's log-factor that does not depend on the share. */
  private readonly _logRatios: Float64Array;
  private readonly _logProducts: Float64Array;
  /** ln((1 − θⱼ)/(1 − θ₀)) at `_cachedShare`; shares repeat, so it is recomputed only on change. */
  private readonly _stableSteps: Float64Array;
  private _cachedShare = Number.NaN;
  private _canaryEvents = 0;
  private _stableEvents = 0;
  private _skipped = 0;

  /** @throws CanaryConfigError naming `rho0`, `direction`, `grid` or `weights` when invalid. */
  constructor(options: RateRatioEProcessOptions = {}) {
    const rho0 = options.rho0 ?? 1;
    if (!(Number.isFinite(rho0) && rho0 > 0)) throw new CanaryConfigError('rho0', 'a finite number > 0', rho0);
    const direction = options.direction ?? 'greater';
    if (direction !== 'greater' && direction !== 'less') throw new CanaryConfigError('direction', "'greater' or 'less'", direction);
    const grid = options.grid ? [...options.grid] : defaultRateRatioGrid(rho0, direction);
    validateGrid(grid, rho0, direction);
    const weights = options.weights ? [...options.weights] : grid.map(() => 1 / grid.length);
    validateWeights(weights, grid.length);
    this.rho0 = rho0;
    this.direction = direction;
    this.grid = Object.freeze(grid);
    this.weights = Object.freeze(weights);
    this._logWeights = Float64Array.from(weights, Math.log);
    this._logRatios = Float64Array.from(grid, (rho) => Math.log(rho / rho0));
    this._logProducts = new Float64Array(grid.length);
    this._stableSteps = new Float64Array(grid.length);
  }

  /**
   * Records one event. `canaryShare` must be predictable: the canary's exposure share fixed before
   * the event's arm is known (the configured share, or the realized share of earlier requests).
   * Events with a share outside (0, 1) or non-finite carry no information; they are skipped and
   * counted in `skipped`. Never throws.
   */
  observe(fromCanary: boolean, canaryShare: number): void {
    if (!(canaryShare > 0 && canaryShare < 1)) {
      this._skipped++;
      return;
    }
    if (canaryShare !== this._cachedShare) this._cacheStableSteps(canaryShare);
    const products = this._logProducts;
    const steps = this._stableSteps;
    if (fromCanary) {
      for (let j = 0; j < products.length; j++) products[j]! += this._logRatios[j]! + steps[j]!;
      this._canaryEvents++;
    } else {
      for (let j = 0; j < products.length; j++) products[j]! += steps[j]!;
      this._stableEvents++;
    }
  }

  /** ln E_t: log-sum-exp of the weighted products. 0 before any event. */
  get logE(): number {
    let max = -Infinity;
    for (let j = 0; j < this._logProducts.length; j++) max = Math.max(max, this._weightedLog(j));
    let sum = 0;
    for (let j = 0; j < this._logProducts.length; j++) sum += Math.exp(this._weightedLog(j) - max);
    return max + Math.log(sum);
  }

  /** E_t = exp(logE); may be `Infinity` for overwhelming evidence (use `logE` for arithmetic). */
  get eValue(): number {
    return Math.exp(this.logE);
  }

  /** Events from the canary counted so far (skipped events excluded). */
  get canaryEvents(): number {
    return this._canaryEvents;
  }

  /** Events from stable counted so far (skipped events excluded). */
  get stableEvents(): number {
    return this._stableEvents;
  }

  /** Events ignored because their share was outside (0, 1) or not finite. */
  get skipped(): number {
    return this._skipped;
  }

  /**
   * Whether E_t ≥ 1/α, i.e. H0 is rejected at level α (valid at any time, any number of looks).
   * @throws CanaryConfigError naming `alpha` unless 0 < α < 1.
   */
  crossed(alpha: number): boolean {
    return this.logE >= logThreshold(alpha);
  }

  /** Forgets all events (E returns to 1). Only for a restarted rollout, never at stage changes. */
  reset(): void {
    this._logProducts.fill(0);
    this._canaryEvents = 0;
    this._stableEvents = 0;
    this._skipped = 0;
  }

  /** The state needed to resume exactly where this process stands (see {@link RateRatioEProcess.fromJSON}). */
  toJSON(): RateRatioEProcessState {
    return {
      rho0: this.rho0,
      direction: this.direction,
      grid: [...this.grid],
      weights: [...this.weights],
      logProducts: Array.from(this._logProducts),
      canaryEvents: this._canaryEvents,
      stableEvents: this._stableEvents,
      skipped: this._skipped,
    };
  }

  /**
   * Rebuilds a process from {@link RateRatioEProcess.toJSON} output (e.g. read back from a store).
   * @throws CanaryConfigError naming the invalid field (`rho0`, `grid`, `weights`, `state.logProducts`, …).
   */
  static fromJSON(state: RateRatioEProcessState): RateRatioEProcess {
    const process = new RateRatioEProcess({ rho0: state.rho0, direction: state.direction, grid: state.grid, weights: state.weights });
    const logProducts = state.logProducts;
    if (!Array.isArray(logProducts) || logProducts.length !== process.grid.length || !logProducts.every(Number.isFinite)) {
      throw new CanaryConfigError('state.logProducts', `${process.grid.length} finite numbers (one per grid point)`, logProducts);
    }
    process._logProducts.set(logProducts);
    process._canaryEvents = validCount('state.canaryEvents', state.canaryEvents);
    process._stableEvents = validCount('state.stableEvents', state.stableEvents);
    process._skipped = validCount('state.skipped', state.skipped);
    return process;
  }

  private _weightedLog(j: number): number {
    return this._logWeights[j]! + this._logProducts[j]!;
  }

  /** θ(ρ, s) = ρs/D(ρ) and 1 − θ = (1 − s)/D(ρ) with D(ρ) = 1 + (ρ − 1)s, so the stable log-factor is ln D(ρ₀) − ln D(ρⱼ). */
  private _cacheStableSteps(share: number): void {
    const logD0 = Math.log1p((this.rho0 - 1) * share);
    for (let j = 0; j < this.grid.length; j++) this._stableSteps[j] = logD0 - Math.log1p((this.grid[j]! - 1) * share);
    this._cachedShare = share;
  }
}

function logThreshold(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new CanaryConfigError('alpha', 'in (0, 1)', alpha);
  return -Math.log(alpha);
}

function validateGrid(grid: readonly number[], rho0: number, direction: EProcessDirection): void {
  if (grid.length === 0) throw new CanaryConfigError('grid', 'a non-empty list of ratios', grid);
  grid.forEach((rho, i) => {
    const onAlternativeSide = direction === 'greater' ? rho > rho0 : rho < rho0 && rho > 0;
    if (!(Number.isFinite(rho) && onAlternativeSide)) {
      const allowed = direction === 'greater' ? `a finite ratio > rho0 (${rho0})` : `a ratio in (0, rho0) = (0, ${rho0})`;
      throw new CanaryConfigError(`grid[${i}]`, allowed, rho);
    }
  });
}

function validateWeights(weights: readonly number[], gridLength: number): void {
  if (weights.length !== gridLength) throw new CanaryConfigError('weights', `${gridLength} weights (one per grid point)`, weights);
  const positive = weights.every((w) => Number.isFinite(w) && w > 0);
  const sum = weights.reduce((a, w) => a + w, 0);
  if (!positive || Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    throw new CanaryConfigError('weights', 'positive numbers summing to 1', weights);
  }
}

function validCount(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new CanaryConfigError(field, 'a non-negative integer', value);
  return value;
}

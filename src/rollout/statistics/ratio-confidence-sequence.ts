import { CanaryConfigError } from '../../errors.ts';
import { RateRatioEProcess } from './rate-ratio-e-process.ts';

/** Options of {@link RatioConfidenceSequence}. */
export interface RatioConfidenceSequenceOptions {
  /**
   * Candidate upper bounds ρ' of the canary/stable rate ratio, each finite and > 0 (sorted and
   * de-duplicated). Include every ratio you will ask `excludes` about. Default {1.1, 1.25, 1.5, 2, 3, 5, 10}.
   */
  readonly bounds?: readonly number[];
}

const DEFAULT_BOUNDS = [1.1, 1.25, 1.5, 2, 3, 5, 10] as const;

/**
 * Upper confidence sequence for the canary/stable event-rate ratio ρ, by inverting e-processes
 * (reference §5): for each grid bound ρ' one `less` {@link RateRatioEProcess} tests H0 ρ ≥ ρ' with the
 * default alternatives ({0.25, 0.5, 0.75, 1} when ρ' > 1, ρ' × {0.25, 0.5, 0.75} otherwise). A bound is
 * excluded once its e-value reaches 1/α. With probability ≥ 1 − α, at all times simultaneously, the
 * true ρ stays below `upperBound(α)`: if ρ ≥ ρ', the process at the largest grid bound ≤ ρ is valid
 * for ρ, so Ville's inequality caps its crossing probability at α. This is the "proof of safety"
 * used for promotion.
 *
 * Cost per event: O(bounds × alternatives); events (errors, slow requests) are rare.
 */
export class RatioConfidenceSequence {
  /** The grid of candidate bounds ρ', ascending. */
  readonly bounds: readonly number[];
  private readonly _processes: readonly RateRatioEProcess[];

  /** @throws CanaryConfigError naming `bounds` when it is empty or has a non-finite or non-positive ratio. */
  constructor(options: RatioConfidenceSequenceOptions = {}) {
    const bounds = [...new Set(options.bounds ?? DEFAULT_BOUNDS)].sort((a, b) => a - b);
    if (bounds.length === 0) throw new CanaryConfigError('bounds', 'a non-empty list of ratios', options.bounds);
    if (bounds.some((b) => !(Number.isFinite(b) && b > 0))) throw new CanaryConfigError('bounds', 'finite ratios > 0', options.bounds);
    this.bounds = Object.freeze(bounds);
    this._processes = bounds.map((rho0) => new RateRatioEProcess({ rho0, direction: 'less' }));
  }

  /**
   * Records one event; `canaryShare` as in {@link RateRatioEProcess.observe} (predictable; shares
   * outside (0, 1) are skipped and counted). Never throws.
   */
  observe(fromCanary: boolean, canaryShare: number): void {
    for (const process of this._processes) process.observe(fromCanary, canaryShare);
  }

  /**
   * Whether the data exclude ρ ≥ `rhoMax` at level α: the e-values at every grid bound ≥ ρ'' reach
   * 1/α, where ρ'' is the largest grid bound ≤ `rhoMax` (so a `rhoMax` between grid points is judged
   * conservatively). Every bound is checked because with varying shares exclusion of one bound does
   * not imply exclusion of larger ones. False when `rhoMax` is below the grid.
   * @throws CanaryConfigError naming `alpha` unless 0 < α < 1.
   */
  excludes(rhoMax: number, alpha: number): boolean {
    const excluded = this._excluded(alpha);
    const from = this._floorIndex(rhoMax);
    return from >= 0 && excluded.slice(from).every(Boolean);
  }

  /**
   * The smallest grid bound ρ' such that it and every larger grid bound are excluded at level α;
   * `null` while the largest bound is not excluded (no proof yet).
   * @throws CanaryConfigError naming `alpha` unless 0 < α < 1.
   */
  upperBound(alpha: number): number | null {
    const excluded = this._excluded(alpha);
    let i = excluded.length;
    while (i > 0 && excluded[i - 1]) i--;
    return this.bounds[i] ?? null;
  }

  /**
   * ln E_t of the safety e-process at the largest grid bound ≤ `rhoPrime` (0, i.e. no evidence, when
   * `rhoPrime` is below the grid).
   */
  logE(rhoPrime: number): number {
    return this._processes[this._floorIndex(rhoPrime)]?.logE ?? 0;
  }

  /** Events ignored because their share was outside (0, 1) or not finite. */
  get skipped(): number {
    return this._processes[0]!.skipped;
  }

  /** Forgets all events. Only for a restarted rollout, never at stage changes. */
  reset(): void {
    for (const process of this._processes) process.reset();
  }

  private _excluded(alpha: number): boolean[] {
    return this._processes.map((process) => process.crossed(alpha));
  }

  private _floorIndex(rho: number): number {
    let index = -1;
    for (let i = 0; i < this.bounds.length && this.bounds[i]! <= rho; i++) index = i;
    return index;
  }
}

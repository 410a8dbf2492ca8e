/** One accepted call as the counters see it: its inputs are already validated. */
export interface CallTally {
  readonly success: boolean;
  /** The latency was above the histogram's range and recorded at its maximum. */
  readonly clamped: boolean;
  /** Some optional field (tokens, cost, a score) was invalid and ignored. */
  readonly flagged: boolean;
  /** Finite and >= 0 (0 when absent). */
  readonly inputTokens: number;
  /** Finite and >= 0 (0 when absent). */
  readonly outputTokens: number;
  /** Finite and >= 0 (0 when absent). */
  readonly costUsd: number;
}

/**
 * Additive totals of a stream of calls: outcomes, usage and data-quality counts. Used for a
 * version's lifetime, for each window slot and for each tool; summing two is `addFrom`.
 */
export class RunningCounters {
  private _successes = 0;
  private _failures = 0;
  private _inputTokens = 0;
  private _outputTokens = 0;
  private _costUsd = 0;
  private _rejected = 0;
  private _clamped = 0;

  /** Accepted calls (successes + failures). */
  get samples(): number {
    return this._successes + this._failures;
  }

  get successes(): number {
    return this._successes;
  }

  get failures(): number {
    return this._failures;
  }

  get inputTokens(): number {
    return this._inputTokens;
  }

  get outputTokens(): number {
    return this._outputTokens;
  }

  get costUsd(): number {
    return this._costUsd;
  }

  /** Calls refused outright plus accepted calls with an ignored invalid field. */
  get rejected(): number {
    return this._rejected;
  }

  /** Accepted calls whose latency was clamped to the histogram's maximum. */
  get clamped(): number {
    return this._clamped;
  }

  /** `successes / samples`, or `null` with no samples (no data is never success). */
  get successRate(): number | null {
    const samples = this.samples;
    return samples === 0 ? null : this._successes / samples;
  }

  /** Counts one accepted call. */
  add(call: CallTally): void {
    if (call.success) this._successes++;
    else this._failures++;
    if (call.clamped) this._clamped++;
    if (call.flagged) this._rejected++;
    this._inputTokens += call.inputTokens;
    this._outputTokens += call.outputTokens;
    this._costUsd += call.costUsd;
  }

  /** Counts one call refused as invalid (it is not a sample). */
  countRejected(): void {
    this._rejected++;
  }

  /** Counts one accepted call whose latency was clamped, outside of `add` (tool calls). */
  countClamped(): void {
    this._clamped++;
  }

  /** Adds `other`'s totals into these. */
  addFrom(other: RunningCounters): void {
    this._successes += other._successes;
    this._failures += other._failures;
    this._inputTokens += other._inputTokens;
    this._outputTokens += other._outputTokens;
    this._costUsd += other._costUsd;
    this._rejected += other._rejected;
    this._clamped += other._clamped;
  }

  /** Zeroes every total. */
  reset(): void {
    this._successes = 0;
    this._failures = 0;
    this._inputTokens = 0;
    this._outputTokens = 0;
    this._costUsd = 0;
    this._rejected = 0;
    this._clamped = 0;
  }
}

import type { Role } from './assignment.ts';

/** Distinct sampled keys remembered per stage (~32 000 keys); beyond this the check runs on the first ones seen. */
const MAX_TRACKED_UNITS = 4_096;

/** One key in 8 is tracked (by the low bits of its hash, independent of its bucket). */
const UNIT_SAMPLE_MASK = 7;

/** Randomization units per arm, as counted for the sample-ratio-mismatch check. */
export interface ExposureCounts {
  readonly canaryUnits: number;
  readonly totalUnits: number;
}

/**
 * Counts randomization units per arm in the current stage: distinct keys for sticky routing (a heavy
 * user is one unit, not many), requests for keyless routing. Keys are identified by the 32-bit hash
 * the router already computed and sampled 1 in 8, so the hot path costs a bit test for most
 * requests, and memory is bounded by `MAX_TRACKED_UNITS` numbers.
 */
export class ExposureUnits implements ExposureCounts {
  private readonly _seen = new Set<number>();
  private _canary = 0;
  private _total = 0;

  /** Counts a split-routed key by its 32-bit hash. */
  observeKey(hash: number, role: Role): void {
    if ((hash & UNIT_SAMPLE_MASK) !== 0 || this._seen.size >= MAX_TRACKED_UNITS) return;
    // The sampled low bits are zero, so dropping them keeps the id unique and small enough to be a Smi.
    const id = hash >>> 3;
    if (this._seen.has(id)) return;
    this._seen.add(id);
    this._count(role);
  }

  /** Counts a keyless (randomly split) request. */
  observeRequest(role: Role): void {
    this._count(role);
  }

  get canaryUnits(): number {
    return this._canary;
  }

  get totalUnits(): number {
    return this._total;
  }

  /** Forgets everything (a new stage changes the expected share). */
  reset(): void {
    this._seen.clear();
    this._canary = 0;
    this._total = 0;
  }

  private _count(role: Role): void {
    this._total++;
    if (role === 'canary') this._canary++;
  }
}

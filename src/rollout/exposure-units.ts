import type { Role } from '../routing/assignment.ts';

/** Distinct keys remembered per stage; beyond this the check runs on the first ones seen. */
const MAX_TRACKED_KEYS = 10_000;

/**
 * Counts randomization units per arm in the current stage for the sample-ratio-mismatch check:
 * distinct keys for sticky routing (a heavy user is one unit, not many), requests for keyless routing.
 * Memory is bounded by `MAX_TRACKED_KEYS`.
 */
export class ExposureUnits {
  private readonly _seen = new Set<string>();
  private _canary = 0;
  private _total = 0;

  /** Counts one split-routed request. */
  observe(key: string | undefined, role: Role): void {
    if (key !== undefined) {
      if (this._seen.has(key) || this._seen.size >= MAX_TRACKED_KEYS) return;
      this._seen.add(key);
    }
    this._total++;
    if (role === 'canary') this._canary++;
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
}

/** Source of the current time in milliseconds since the epoch. Injected so rollouts can be simulated. */
export interface Clock {
  now(): number;
}

/** The wall clock (`Date.now()`). The default everywhere a clock is optional. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  private _now: number;

  /** @param startMs initial time in ms (default 0). */
  constructor(startMs = 0) {
    this._now = startMs;
  }

  now(): number {
    return this._now;
  }

  /** Moves the clock forward by `ms` (must be >= 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0 (got ${ms})`);
    this._now += ms;
  }
}

import { systemClock, type Clock } from '../clock.ts';
import { CanaryConfigError } from '../errors.ts';
import { requireInteger, requireNumberInRange } from '../validation.ts';
import { DEFAULT_SIGNIFICANT_DIGITS, LatencyHistogram } from './latency-histogram.ts';
import { RunningCounters } from './running-counters.ts';
import type { LatencySummary } from './version-stats.ts';

/** Options of {@link WindowedHistogram}. */
export interface WindowedHistogramOptions {
  /** Time source (default `systemClock`). */
  readonly clock?: Clock;
  /** Length of the window in ms, 1..604_800_000 (a week); default 300_000 (5 min). */
  readonly windowMs?: number;
  /** Number of sub-windows the window is made of, an integer in 1..60; default 5. */
  readonly slots?: number;
  /** HDR precision of every slot, 1..5; default 2 (see `LatencyHistogramOptions`). */
  readonly significantDigits?: number;
}

/** One sub-window: the latencies and the counters of the calls made during it. */
export interface WindowSlot {
  readonly histogram: LatencyHistogram;
  readonly counters: RunningCounters;
}

/** Default window: the last 5 minutes. */
export const DEFAULT_WINDOW_MS = 300_000;
/** Default number of sub-windows per window. */
export const DEFAULT_WINDOW_SLOTS = 5;
const MAX_WINDOW_MS = 604_800_000;
const MAX_SLOTS = 60;

class Slot implements WindowSlot {
  readonly histogram: LatencyHistogram;
  readonly counters = new RunningCounters();
  /** Index of the sub-window (time / slotMs) this slot currently holds. */
  epoch = Number.NEGATIVE_INFINITY;

  constructor(significantDigits: number) {
    this.histogram = new LatencyHistogram({ significantDigits });
  }
}

/** Who last filled a shared scratch histogram, and with which data, so a repeated read can reuse it. */
interface Scratch {
  readonly histogram: LatencyHistogram;
  /** Id of the window whose data it holds (an id, not a reference, so no window is kept alive). */
  ownerId: number;
}

let nextWindowId = 1;

/**
 * One merge target per precision, shared by every window in the process: reads are synchronous,
 * so sharing is safe, and it saves a histogram (~14 KB) per version. Looked up in a Map rather
 * than closed over, which would trigger a V8 inlining trap in percentile loops.
 */
const scratchByDigits = new Map<number, Scratch>();
/** The same, for lifetime merges (kept apart so window and lifetime reads do not evict each other). */
const lifetimeScratchByDigits = new Map<number, Scratch>();

/**
 * Latencies and call counters of the last `windowMs`, kept as a ring of `slots` fixed-size
 * sub-windows keyed by clock time, and of the whole lifetime. No timers: a slot that fell out of the
 * window is folded into the lifetime totals and emptied when time reaches it again, and window reads
 * skip it. A sample leaves the window between `windowMs - windowMs / slots` and `windowMs` after it
 * was recorded. Each call is written once (into its slot), and the lifetime is derived on read, so a
 * record costs one histogram write. Memory is fixed at construction (`slots + 1` histograms).
 */
export class WindowedHistogram {
  /** Window length in ms. */
  readonly windowMs: number;
  /** Number of sub-windows. */
  readonly slots: number;
  /** HDR precision of every slot. */
  readonly significantDigits: number;
  private readonly _clock: Clock;
  private readonly _slotMs: number;
  private readonly _ring: Slot[];
  /** Everything recorded in slots that have since been reused. */
  private readonly _retired: Slot;
  /** Latest sub-window seen, so a clock that steps back never revives expired slots. */
  private _latestEpoch = Number.NEGATIVE_INFINITY;
  /** Data changed (or may have) since this window last filled the shared scratch. */
  private _dirty = true;
  private _mergedEpoch = Number.NEGATIVE_INFINITY;
  private _lifetimeDirty = true;
  private readonly _id = nextWindowId++;

  /** @throws CanaryConfigError on an invalid option, naming it. */
  constructor(options: WindowedHistogramOptions = {}) {
    this.windowMs = requireNumberInRange('windowMs', options.windowMs ?? DEFAULT_WINDOW_MS, 1, MAX_WINDOW_MS);
    this.slots = requireInteger('slots', options.slots ?? DEFAULT_WINDOW_SLOTS, 1, MAX_SLOTS);
    this.significantDigits = requireInteger('significantDigits', options.significantDigits ?? DEFAULT_SIGNIFICANT_DIGITS, 1, 5);
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function') throw new CanaryConfigError('clock', 'an object with a now() method', clock);
    this._clock = clock;
    this._slotMs = this.windowMs / this.slots;
    this._ring = Array.from({ length: this.slots }, () => new Slot(this.significantDigits));
    this._retired = new Slot(this.significantDigits);
  }

  /**
   * The slot for the current time, emptied first if it still holds an expired sub-window. Record
   * into it; the caller is assumed to write, so the next read re-merges.
   */
  current(): WindowSlot {
    const epoch = this._epochNow();
    const slot = this._ring[ringIndex(epoch, this.slots)] as Slot;
    if (slot.epoch !== epoch) this._recycle(slot, epoch);
    this._dirty = true;
    this._lifetimeDirty = true;
    return slot;
  }

  /** Number of latencies recorded since construction or `reset`. */
  get lifetimeCount(): number {
    return this._lifetime().count;
  }

  /** The `p`-th percentile (0..100) of every latency recorded, in ms; `null` when none. */
  lifetimePercentileMs(p: number): number | null {
    return this._lifetime().percentileMs(p);
  }

  /** p50/p95/p99/max of every latency recorded, in ms; `null` when none. */
  lifetimeSummary(): LatencySummary | null {
    return this._lifetime().summary();
  }

  /** A fresh sum of every counter recorded (retired and current slots). */
  lifetimeCounters(): RunningCounters {
    const sum = new RunningCounters();
    sum.addFrom(this._retired.counters);
    for (const slot of this._ring) sum.addFrom(slot.counters);
    return sum;
  }

  /** Number of latencies in the window. */
  get count(): number {
    return this._merged().count;
  }

  /**
   * The `p`-th percentile (0..100) of the window's latencies in ms, `null` when the window is empty.
   * @throws CanaryConfigError when `p` is not in 0..100.
   */
  percentileMs(p: number): number | null {
    return this._merged().percentileMs(p);
  }

  /** p50/p95/p99/max of the window in ms, `null` when the window is empty. */
  summary(): LatencySummary | null {
    return this._merged().summary();
  }

  /** A fresh sum of the live slots' counters. */
  counters(): RunningCounters {
    const epoch = this._epochNow();
    const sum = new RunningCounters();
    for (const slot of this._ring) {
      if (isLive(slot, epoch, this.slots)) sum.addFrom(slot.counters);
    }
    return sum;
  }

  /** Empties every slot. */
  reset(): void {
    for (const slot of [...this._ring, this._retired]) {
      slot.histogram.reset();
      slot.counters.reset();
      slot.epoch = Number.NEGATIVE_INFINITY;
    }
    this._dirty = true;
    this._lifetimeDirty = true;
  }

  private _recycle(slot: Slot, epoch: number): void {
    if (slot.epoch !== Number.NEGATIVE_INFINITY) {
      this._retired.histogram.addFrom(slot.histogram);
      this._retired.counters.addFrom(slot.counters);
      slot.histogram.reset();
      slot.counters.reset();
    }
    slot.epoch = epoch;
  }

  /** Retired and current slots merged into the shared lifetime scratch; reused while nothing changed. */
  private _lifetime(): LatencyHistogram {
    const scratch = scratchFor(lifetimeScratchByDigits, this.significantDigits);
    if (scratch.ownerId === this._id && !this._lifetimeDirty) return scratch.histogram;
    scratch.histogram.reset();
    scratch.histogram.addFrom(this._retired.histogram);
    for (const slot of this._ring) scratch.histogram.addFrom(slot.histogram);
    scratch.ownerId = this._id;
    this._lifetimeDirty = false;
    return scratch.histogram;
  }

  private _epochNow(): number {
    const epoch = Math.floor(this._clock.now() / this._slotMs);
    // A non-finite or backward clock reading keeps the latest sub-window.
    if (Number.isFinite(epoch) && epoch > this._latestEpoch) this._latestEpoch = epoch;
    return Number.isFinite(this._latestEpoch) ? this._latestEpoch : 0;
  }

  /** The live slots merged into the shared scratch; reused while nothing changed. */
  private _merged(): LatencyHistogram {
    const epoch = this._epochNow();
    const scratch = scratchFor(scratchByDigits, this.significantDigits);
    if (scratch.ownerId === this._id && !this._dirty && this._mergedEpoch === epoch) return scratch.histogram;
    scratch.histogram.reset();
    for (const slot of this._ring) {
      if (isLive(slot, epoch, this.slots)) scratch.histogram.addFrom(slot.histogram);
    }
    scratch.ownerId = this._id;
    this._dirty = false;
    this._mergedEpoch = epoch;
    return scratch.histogram;
  }
}

function scratchFor(scratches: Map<number, Scratch>, significantDigits: number): Scratch {
  let scratch = scratches.get(significantDigits);
  if (scratch === undefined) {
    scratch = { histogram: new LatencyHistogram({ significantDigits }), ownerId: 0 };
    scratches.set(significantDigits, scratch);
  }
  return scratch;
}

function isLive(slot: Slot, epoch: number, slots: number): boolean {
  return slot.epoch <= epoch && epoch - slot.epoch < slots;
}

function ringIndex(epoch: number, slots: number): number {
  return ((epoch % slots) + slots) % slots;
}

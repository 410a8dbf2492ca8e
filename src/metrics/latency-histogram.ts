import * as hdr from 'hdr-histogram-js';
import { CanaryConfigError } from '../errors.ts';
import { requireInteger } from '../validation.ts';
import type { LatencySummary } from './version-stats.ts';

/** Outcome of recording one latency: kept as is, kept at the range's edge, or refused. */
export type LatencyRecordResult = 'ok' | 'clamped' | 'rejected';

/** Options of {@link LatencyHistogram}. */
export interface LatencyHistogramOptions {
  /**
   * HDR precision, an integer in 1..5 (default 2: ≤ 1 % relative error, ~14 KB per histogram).
   * Memory grows steeply: 3 digits ≈ 95 KB, 4 ≈ 1.2 MB, 5 ≈ 8.4 MB per histogram.
   */
  readonly significantDigits?: number;
}

/** Default HDR precision: 2 significant digits. */
export const DEFAULT_SIGNIFICANT_DIGITS = 2;

/** Smallest latency the histogram resolves: 1 µs. Shorter latencies are recorded as 1 µs. */
const LOWEST_US = 1;
/** Largest latency the histogram holds: 1 h in µs. Longer latencies are clamped to it. */
const HIGHEST_US = 3_600_000_000;
/** Int32 bucket counts would wrap past this many samples, so the histogram stops accepting there. */
const MAX_COUNT = 2 ** 31 - 1;

/**
 * A fixed-size latency histogram in microseconds over 1 µs .. 1 h (HDR, JS Int32 counts, no
 * auto-resize), read in milliseconds. Its memory never grows with the number of samples.
 *
 * Input is validated before it reaches HDR, which would throw on negatives or out-of-range values
 * and be silently corrupted by `NaN`/`Infinity`.
 */
export class LatencyHistogram {
  /** Largest latency held, in ms (1 h); longer latencies are recorded at this value. */
  static readonly MAX_LATENCY_MS = HIGHEST_US / 1000;

  /** The HDR precision in use (1..5). */
  readonly significantDigits: number;
  private readonly _hdr: hdr.Histogram;

  /** @throws CanaryConfigError when `significantDigits` is not an integer in 1..5. */
  constructor(options: LatencyHistogramOptions = {}) {
    this.significantDigits = requireInteger('significantDigits', options.significantDigits ?? DEFAULT_SIGNIFICANT_DIGITS, 1, 5);
    this._hdr = hdr.build({
      bitBucketSize: 32,
      autoResize: false,
      useWebAssembly: false,
      lowestDiscernibleValue: LOWEST_US,
      highestTrackableValue: HIGHEST_US,
      numberOfSignificantValueDigits: this.significantDigits as 1 | 2 | 3 | 4 | 5,
    });
  }

  /**
   * Records one latency in ms (rounded to the µs). Never throws.
   * @returns `'rejected'` for a non-number, `NaN`, an infinity or a negative value (nothing is
   *   recorded), or when the histogram already holds 2³¹ − 1 samples; `'clamped'` when the value is
   *   above 1 h and was recorded as 1 h; `'ok'` otherwise (sub-µs values count as 1 µs).
   */
  record(latencyMs: number): LatencyRecordResult {
    if (!isRecordableLatency(latencyMs)) return 'rejected';
    const histogram = this._hdr;
    if (histogram.totalCount >= MAX_COUNT) return 'rejected';
    const us = Math.round(latencyMs * 1000);
    if (us > HIGHEST_US) {
      histogram.recordValue(HIGHEST_US);
      return 'clamped';
    }
    histogram.recordValue(us < LOWEST_US ? LOWEST_US : us);
    return 'ok';
  }

  /** Number of recorded samples. */
  get count(): number {
    return this._hdr.totalCount;
  }

  /** Largest recorded latency in ms (exact to the µs), or `null` when empty. */
  get maxMs(): number | null {
    return this._hdr.totalCount === 0 ? null : this._hdr.maxValue / 1000;
  }

  /**
   * The `p`-th percentile in ms, within the precision's relative error and never outside the
   * recorded min..max; `null` when empty.
   * @throws CanaryConfigError when `p` is not a number in 0..100 (a programming error, not data).
   */
  percentileMs(p: number): number | null {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new CanaryConfigError('percentile', 'a number in 0..100', p);
    return percentileOf(this._hdr, p);
  }

  /** p50, p95, p99 and max in ms, or `null` when empty. */
  summary(): LatencySummary | null {
    const histogram = this._hdr;
    if (histogram.totalCount === 0) return null;
    return {
      p50: percentileOf(histogram, 50) as number,
      p95: percentileOf(histogram, 95) as number,
      p99: percentileOf(histogram, 99) as number,
      max: histogram.maxValue / 1000,
    };
  }

  /** Empties the histogram; its memory is kept for reuse. */
  reset(): void {
    this._hdr.reset();
  }

  /**
   * Adds every sample of `other` into this histogram (`other` is unchanged). Never throws.
   * @returns `false`, adding nothing, when the sum would exceed 2³¹ − 1 samples.
   */
  addFrom(other: LatencyHistogram): boolean {
    if (this._hdr.totalCount + other._hdr.totalCount > MAX_COUNT) return false;
    this._hdr.add(other._hdr);
    return true;
  }
}

/** Whether `latencyMs` is a latency a histogram accepts: a finite number >= 0 (larger than 1 h is clamped). */
export function isRecordableLatency(latencyMs: unknown): latencyMs is number {
  return typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs !== Infinity;
}

/**
 * HDR reports a bucket's highest equivalent value, which can exceed the largest sample (and the
 * 1 h range when clamped samples exist), so the answer is bounded by the exact min and max.
 * Takes the histogram as a parameter: a closed-over histogram triggers a V8 inlining trap.
 */
function percentileOf(histogram: hdr.Histogram, p: number): number | null {
  if (histogram.totalCount === 0) return null;
  const us = Math.min(Math.max(histogram.getValueAtPercentile(p), histogram.minNonZeroValue), histogram.maxValue);
  return us / 1000;
}

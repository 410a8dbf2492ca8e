import { diag } from '@opentelemetry/api';
import { systemClock, type Clock } from '../clock.ts';
import { requireInteger, requireNonEmptyString, requireNumberInRange } from '../validation.ts';
import { DEFAULT_SIGNIFICANT_DIGITS, isRecordableLatency, LatencyHistogram } from './latency-histogram.ts';
import type { Outcome } from './outcome.ts';
import { RunningCounters } from './running-counters.ts';
import type { LatencySummary, ToolStats, VersionStats } from './version-stats.ts';
import { DEFAULT_WINDOW_MS, DEFAULT_WINDOW_SLOTS, WindowedHistogram, type WindowSlot } from './windowed-histogram.ts';

/** Options of {@link VersionMetrics}. */
export interface VersionMetricsOptions {
  /** The version these statistics describe (non-empty). */
  readonly version: string;
  /** Time source of the window (default `systemClock`). */
  readonly clock?: Clock;
  /** Length of the recent window in ms, 1..604_800_000; default 300_000 (5 min). */
  readonly windowMs?: number;
  /** Sub-windows the window is made of, an integer in 1..60; default 5. Each costs one histogram. */
  readonly windowSlots?: number;
  /**
   * HDR precision, an integer in 1..5; default 2 (≤ 1 % relative error, ~14 KB per histogram, so
   * ~87 KB for the lifetime and window histograms plus ~14 KB per tool). 3 digits costs ~95 KB per
   * histogram; 4 and 5 cost megabytes.
   */
  readonly significantDigits?: number;
  /** Distinct tool names tracked, an integer in 0..256; default 32. Further tools aggregate under `_OTHER`. */
  readonly maxTools?: number;
  /** Distinct score names tracked, an integer in 0..256; default 16. Further names are ignored. */
  readonly maxScores?: number;
}

/** Running statistics of one named score. */
export interface ScoreStats {
  readonly count: number;
  readonly mean: number;
  /** Unbiased sample variance; `null` below 2 samples. */
  readonly variance: number | null;
}

/** Options of {@link VersionMetrics.percentileMs}. */
export interface PercentileOptions {
  /** Read the recent window instead of the lifetime (default `false`). */
  readonly window?: boolean;
}

/** Name under which tools beyond `maxTools` are aggregated. */
export const OTHER_TOOL = '_OTHER';

/** Largest token count, cost or score magnitude accepted from one call; keeps sums finite. */
const MAX_FIELD_VALUE = Number.MAX_SAFE_INTEGER;
/** Marks an optional numeric field that was present but invalid. */
const INVALID = -1;

interface ToolEntry {
  readonly histogram: LatencyHistogram;
  readonly counters: RunningCounters;
}

/** Welford accumulators: numerically stable where a raw sum of squares cancels catastrophically. */
interface ScoreAccumulator {
  count: number;
  mean: number;
  m2: number;
}

/**
 * Statistics of one version, fed with every finished call: lifetime and recent-window latency
 * histograms (HDR, fixed size), success/failure counts, token and cost totals, per-score running
 * moments, and per-tool latency and counts. Memory is bounded by the options, never by traffic.
 *
 * Bad input never throws and never corrupts the statistics: an invalid latency or success flag
 * rejects the call; invalid tokens, cost or scores are ignored and counted in `rejected`;
 * latencies above 1 h are recorded as 1 h and counted in `clamped`.
 */
export class VersionMetrics {
  /** The version these statistics describe. */
  readonly version: string;
  private readonly _maxTools: number;
  private readonly _maxScores: number;
  private readonly _significantDigits: number;
  /** Agent invocations, window and lifetime: each call is written once. */
  private readonly _window: WindowedHistogram;
  /** Lifetime rejections and clamps that are not invocations (tool calls, unreadable outcomes). */
  private readonly _otherFlags = new RunningCounters();
  private readonly _tools = new Map<string, ToolEntry>();
  private readonly _scores = new Map<string, ScoreAccumulator>();
  private _warnedScoreOverflow = false;

  /** @throws CanaryConfigError on an invalid option, naming it and its allowed values. */
  constructor(options: VersionMetricsOptions) {
    this.version = requireNonEmptyString('version', options?.version);
    this._significantDigits = requireInteger('significantDigits', options.significantDigits ?? DEFAULT_SIGNIFICANT_DIGITS, 1, 5);
    this._maxTools = requireInteger('maxTools', options.maxTools ?? 32, 0, 256);
    this._maxScores = requireInteger('maxScores', options.maxScores ?? 16, 0, 256);
    this._window = new WindowedHistogram({
      clock: options.clock ?? systemClock,
      windowMs: requireNumberInRange('windowMs', options.windowMs ?? DEFAULT_WINDOW_MS, 1, 604_800_000),
      slots: requireInteger('windowSlots', options.windowSlots ?? DEFAULT_WINDOW_SLOTS, 1, 60),
      significantDigits: this._significantDigits,
    });
  }

  /**
   * Records one finished call. A call with `tool` feeds that tool's statistics only; any other
   * call is an agent invocation. Never throws.
   * @returns `false` when the call was rejected (invalid latency, success flag or tool name).
   */
  record(outcome: Outcome): boolean {
    try {
      return outcome.tool === undefined ? this._recordInvocation(outcome) : this._recordTool(outcome);
    } catch (error) {
      // Only a hostile object (e.g. a throwing getter) gets here; the statistics stay consistent.
      this._otherFlags.countRejected();
      diag.warn(`agent-canary: rejected an unreadable outcome for version ${this.version}`, error);
      return false;
    }
  }

  /** Lifetime statistics (since construction or the last `reset`). */
  snapshot(): VersionStats {
    const tools: Record<string, ToolStats> = {};
    for (const [tool, entry] of this._tools) tools[tool] = toolStats(tool, entry);
    const counters = this._window.lifetimeCounters();
    counters.addFrom(this._otherFlags);
    return versionStats(this.version, counters, this._window.lifetimeSummary(), tools);
  }

  /** Statistics of the recent window (agent invocations only; `tools` is always empty). */
  windowSnapshot(): VersionStats {
    return versionStats(this.version, this._window.counters(), this._window.summary(), {});
  }

  /**
   * The `p`-th latency percentile (0..100) in ms of the agent invocations, lifetime or recent
   * window; `null` when there is no sample.
   * @throws CanaryConfigError when `p` is not in 0..100.
   */
  percentileMs(p: number, options: PercentileOptions = {}): number | null {
    return options.window === true ? this._window.percentileMs(p) : this._window.lifetimePercentileMs(p);
  }

  /** Lifetime count, mean and variance of the score `name`, or `null` if it was never recorded. */
  scoreStats(name: string): ScoreStats | null {
    const acc = this._scores.get(name);
    if (acc === undefined) return null;
    return { count: acc.count, mean: acc.mean, variance: acc.count < 2 ? null : acc.m2 / (acc.count - 1) };
  }

  /** Forgets every sample (lifetime, window, tools, scores). Lifetime and window histograms are reused; tool entries are dropped. */
  reset(): void {
    this._otherFlags.reset();
    this._window.reset();
    this._tools.clear();
    this._scores.clear();
  }

  private _recordInvocation(outcome: Outcome): boolean {
    // Every field is read before anything is updated, so a throwing getter cannot leave the
    // histograms and the counters disagreeing.
    const { success, latencyMs, scores } = outcome;
    const inputTokens = usageValue(outcome.inputTokens);
    const outputTokens = usageValue(outcome.outputTokens);
    const costUsd = usageValue(outcome.costUsd);
    const scoreEntries = scores === undefined ? [] : readScores(scores);
    const slot = this._window.current();
    if (typeof success !== 'boolean') return this._rejectInvocation(slot);
    const result = slot.histogram.record(latencyMs);
    if (result === 'rejected') return this._rejectInvocation(slot);
    const scoresValid = scoreEntries !== null && this._recordScores(scoreEntries);
    const tally = {
      success,
      clamped: result === 'clamped',
      flagged: inputTokens === INVALID || outputTokens === INVALID || costUsd === INVALID || !scoresValid,
      inputTokens: Math.max(inputTokens, 0),
      outputTokens: Math.max(outputTokens, 0),
      costUsd: Math.max(costUsd, 0),
    };
    slot.counters.add(tally);
    return true;
  }

  private _recordTool(outcome: Outcome): boolean {
    const { tool, success } = outcome;
    const { latencyMs } = outcome;
    if (typeof tool !== 'string' || tool.length === 0 || typeof success !== 'boolean' || !isRecordableLatency(latencyMs)) {
      // Tool calls are not invocations, so a bad one counts in the lifetime totals only.
      this._otherFlags.countRejected();
      return false;
    }
    const entry = this._toolEntry(tool);
    const result = entry.histogram.record(latencyMs);
    if (result === 'rejected') {
      this._otherFlags.countRejected();
      return false;
    }
    const clamped = result === 'clamped';
    entry.counters.add({ success, clamped, flagged: false, inputTokens: 0, outputTokens: 0, costUsd: 0 });
    if (clamped) this._otherFlags.countClamped();
    return true;
  }

  private _rejectInvocation(slot: WindowSlot): false {
    slot.counters.countRejected();
    return false;
  }

  private _toolEntry(tool: string): ToolEntry {
    const known = this._tools.get(tool);
    if (known !== undefined) return known;
    // Named tools fill up to maxTools; `_OTHER` takes the rest and never counts against the limit.
    const name = this._tools.size - (this._tools.has(OTHER_TOOL) ? 1 : 0) < this._maxTools ? tool : OTHER_TOOL;
    let entry = this._tools.get(name);
    if (entry === undefined) {
      entry = { histogram: new LatencyHistogram({ significantDigits: this._significantDigits }), counters: new RunningCounters() };
      this._tools.set(name, entry);
    }
    return entry;
  }

  /** Adds every valid score; returns `false` if any value was invalid. Unknown names beyond maxScores are dropped. */
  private _recordScores(scores: readonly (readonly [string, unknown])[]): boolean {
    let valid = true;
    for (const [name, value] of scores) {
      if (typeof value !== 'number' || !(Math.abs(value) <= MAX_FIELD_VALUE)) {
        valid = false;
        continue;
      }
      const acc = this._scoreAccumulator(name);
      if (acc === undefined) continue;
      acc.count++;
      const delta = value - acc.mean;
      acc.mean += delta / acc.count;
      acc.m2 += delta * (value - acc.mean);
    }
    return valid;
  }

  private _scoreAccumulator(name: string): ScoreAccumulator | undefined {
    const known = this._scores.get(name);
    if (known !== undefined) return known;
    if (this._scores.size >= this._maxScores) {
      if (!this._warnedScoreOverflow) {
        this._warnedScoreOverflow = true;
        diag.warn(`agent-canary: version ${this.version} tracks at most ${this._maxScores} score names; ignoring '${name}' and later new names`);
      }
      return undefined;
    }
    const acc = { count: 0, mean: 0, m2: 0 };
    this._scores.set(name, acc);
    return acc;
  }
}

/** The score entries, or `null` when `scores` is not an object. */
function readScores(scores: unknown): [string, unknown][] | null {
  return typeof scores === 'object' && scores !== null ? Object.entries(scores) : null;
}

/** 0 when absent, the value when valid, `INVALID` when present but not a finite amount in 0..2⁵³. */
function usageValue(value: number | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' && value >= 0 && value <= MAX_FIELD_VALUE ? value : INVALID;
}

function versionStats(version: string, counters: RunningCounters, latencyMs: LatencySummary | null, tools: Record<string, ToolStats>): VersionStats {
  return {
    version,
    samples: counters.samples,
    successes: counters.successes,
    failures: counters.failures,
    successRate: counters.successRate,
    latencyMs,
    inputTokens: counters.inputTokens,
    outputTokens: counters.outputTokens,
    costUsd: counters.costUsd,
    rejected: counters.rejected,
    clamped: counters.clamped,
    tools,
  };
}

function toolStats(tool: string, entry: ToolEntry): ToolStats {
  const { counters } = entry;
  return {
    tool,
    samples: counters.samples,
    successes: counters.successes,
    failures: counters.failures,
    successRate: counters.successRate,
    latencyMs: entry.histogram.summary(),
  };
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Aggregates for one tool of one version. */
export interface ToolStats {
  readonly tool: string;
  readonly samples: number;
  readonly successes: number;
  readonly failures: number;
  /** `null` when there are no samples (no data is never success). */
  readonly successRate: number | null;
  readonly latencyMs: LatencySummary | null;
}

/** Snapshot of one version's statistics (lifetime or a time window). */
export interface VersionStats {
  readonly version: string;
  readonly samples: number;
  readonly successes: number;
  readonly failures: number;
  /** `null` when there are no samples. */
  readonly successRate: number | null;
  /** `null` when there are no samples. */
  readonly latencyMs: LatencySummary | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** Samples rejected as invalid (NaN/negative/infinite latency, bad token counts...). */
  readonly rejected: number;
  /** Latencies above the histogram's range, recorded at the range's maximum. */
  readonly clamped: number;
  /** Per tool, keyed by tool name (bounded; overflow tools aggregate under `_OTHER`). */
  readonly tools: Readonly<Record<string, ToolStats>>;
}

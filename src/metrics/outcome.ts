/**
 * One finished call of a version, as fed to `VersionMetrics.record` / `AgentCanary.record`.
 * A sample with `tool` set describes a tool call: it feeds that tool's statistics only and is not
 * an agent invocation (gates judge invocations).
 */
export interface Outcome {
  /** Whether the call succeeded. */
  readonly success: boolean;
  /** Wall time in milliseconds; non-finite or negative values are rejected and counted. */
  readonly latencyMs: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Cost in US dollars. */
  readonly costUsd?: number;
  /** Tool name (`gen_ai.tool.name`) when this sample is a tool call. */
  readonly tool?: string;
  /** Named numeric scores (for example an LLM-judge evaluation score), used by custom gates. */
  readonly scores?: Readonly<Record<string, number>>;
}

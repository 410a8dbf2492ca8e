/**
 * agent-canary: OpenTelemetry-native canary deployments for AI agents.
 * Explicit export list: everything here is public API; anything else is internal.
 */

// Facade
export { AgentCanary } from './canary.ts';
export type { AgentCanaryOptions, StartOptions } from './canary.ts';

// Errors and time
export { CanaryConfigError, CanaryStateError } from './errors.ts';
export { ManualClock, systemClock } from './clock.ts';
export type { Clock } from './clock.ts';

// Routing
export { CanaryRouter } from './routing/router.ts';
export type { CanaryRouterOptions, RouterCounters } from './routing/router.ts';
export type { CohortRule, CohortValue, RoutingOverride } from './routing/routing-rules.ts';
export { BUCKET_COUNT, BUCKETINGS, Bucketer } from './routing/bucketing.ts';
export type { Bucketing, BucketerOptions } from './routing/bucketing.ts';
export { murmur3_32 } from './routing/murmur3.ts';
export { pythonMd5Fraction } from './routing/python-md5-bucket.ts';
export type { Assignment, AssignmentReason, Role, RouteAttributes } from './routing/assignment.ts';

// Metrics
export { VersionMetrics, OTHER_TOOL } from './metrics/version-metrics.ts';
export type { PercentileOptions, ScoreStats, VersionMetricsOptions } from './metrics/version-metrics.ts';
export { LatencyHistogram } from './metrics/latency-histogram.ts';
export type { LatencyHistogramOptions, LatencyRecordResult } from './metrics/latency-histogram.ts';
export { WindowedHistogram } from './metrics/windowed-histogram.ts';
export type { WindowedHistogramOptions } from './metrics/windowed-histogram.ts';
export type { Outcome } from './metrics/outcome.ts';
export type { LatencySummary, ToolStats, VersionStats } from './metrics/version-stats.ts';

// Rollout
export { Rollout } from './rollout/rollout.ts';
export type { RolloutOptions } from './rollout/rollout.ts';
export { Stage } from './rollout/stage.ts';
export type { MaxDurationPolicy, StageOptions } from './rollout/stage.ts';
export type {
  AbsoluteGateOptions, CustomGateOptions, CustomMetric, ErrorGateOptions, GateOptions, LatencyGateOptions,
  LatencyGatesOptions, SrmOptions,
} from './rollout/gate-options.ts';
export type {
  Decision, DecisionAction, DecisionSource, Evidence, GateEffect, GateResult, GateStatus, RolloutPosition,
  RolloutStateName,
} from './rollout/decision.ts';
export type { CanaryStatus } from './rollout/status.ts';
export type { RolloutState } from './rollout/rollout-state.ts';

// Statistics (usable on their own)
export { RateRatioEProcess } from './rollout/statistics/rate-ratio-e-process.ts';
export type { EProcessDirection, RateRatioEProcessOptions, RateRatioEProcessState } from './rollout/statistics/rate-ratio-e-process.ts';
export { RatioConfidenceSequence } from './rollout/statistics/ratio-confidence-sequence.ts';
export type { RatioConfidenceSequenceOptions } from './rollout/statistics/ratio-confidence-sequence.ts';
export { MeanConfidenceSequence } from './rollout/statistics/mean-confidence-sequence.ts';
export type { MeanConfidenceSequenceOptions } from './rollout/statistics/mean-confidence-sequence.ts';
export { sampleRatioMismatch } from './rollout/statistics/sample-ratio-mismatch.ts';
export type { SampleRatioMismatchInput, SampleRatioMismatchResult } from './rollout/statistics/sample-ratio-mismatch.ts';
export { SeededRandom } from './rollout/statistics/seeded-random.ts';

// Store
export { MemoryCanaryStore } from './store/memory-store.ts';
export type { CanaryStore } from './store/canary-store.ts';

// OpenTelemetry
export { CanarySpanProcessor } from './otel/span-processor.ts';
export type { CanarySpanProcessorOptions } from './otel/span-processor.ts';
export { withAgent, traceAgent } from './otel/with-agent.ts';
export type { AgentSpanOptions } from './otel/with-agent.ts';
export { withTool, traceTool } from './otel/with-tool.ts';
export type { ToolSpanOptions, TracedToolOptions } from './otel/with-tool.ts';
export { currentAssignment, withAssignment, assignmentFrom } from './otel/assignment-context.ts';
export { canarySampler } from './otel/canary-sampler.ts';
export { invokeAgent } from './otel/invoke.ts';
export type { InvokeOptions, InvokeResult } from './otel/invoke.ts';
export type { SpanResult } from './otel/span-runner.ts';
export { registerStatusMetrics } from './otel/status-metrics.ts';
export type { StatusMetricsOptions, StatusMetricsRegistration } from './otel/status-metrics.ts';
export { exportDecisions } from './otel/decision-export.ts';
export type { DecisionExportOptions } from './otel/decision-export.ts';
export type { InstrumentedCanary } from './otel/instrumented-canary.ts';
export {
  ATTR_CANARY_ROLE, ATTR_CANARY_ROLLOUT_ID, ATTR_CANARY_STAGE, ATTR_CANARY_TRAFFIC_PERCENT, ATTR_CANARY_VERSION,
} from './otel/semconv.ts';

// Simulation
export { simulateRollout } from './simulator/simulate-rollout.ts';
export type { SimulationOptions, SimulationResult } from './simulator/simulate-rollout.ts';
export type { TrafficModel } from './simulator/traffic-model.ts';

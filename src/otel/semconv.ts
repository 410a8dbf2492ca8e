/**
 * Every attribute, span, event and metric name agent-canary emits. Copied here (not imported from
 * `@opentelemetry/semantic-conventions/incubating`) because the GenAI conventions are still in
 * development; these strings are a contract for dashboards and queries.
 */

// --- canary.* span attributes (also the W3C baggage entry names) ---
export const ATTR_CANARY_ROLLOUT_ID = 'canary.rollout.id';
export const ATTR_CANARY_VERSION = 'canary.version';
/** `stable` | `canary` | `shadow`. */
export const ATTR_CANARY_ROLE = 'canary.role';
/** Index of the rollout stage. */
export const ATTR_CANARY_STAGE = 'canary.stage';
/** Canary traffic percent, 0..100. */
export const ATTR_CANARY_TRAFFIC_PERCENT = 'canary.traffic.percent';
/** Link attribute on a shadow span's link to its primary: value `shadow_of`. */
export const ATTR_CANARY_LINK_TYPE = 'canary.link.type';
export const ATTR_CANARY_SHADOW = 'canary.shadow';

// --- decisions ---
export const SPAN_CANARY_DECISION = 'canary.decision';
export const EVENT_CANARY_DECISION = 'canary.decision';
export const EVENT_CANARY_GATE = 'canary.gate';
export const ATTR_CANARY_DECISION_ACTION = 'canary.decision.action';
export const ATTR_CANARY_DECISION_SOURCE = 'canary.decision.source';
export const ATTR_CANARY_DECISION_REASONS = 'canary.decision.reasons';
export const ATTR_CANARY_DECISION_REVISION = 'canary.decision.revision';
export const ATTR_CANARY_DECISION_FROM_STATE = 'canary.decision.from.state';
export const ATTR_CANARY_DECISION_FROM_STAGE = 'canary.decision.from.stage';
export const ATTR_CANARY_DECISION_FROM_PERCENT = 'canary.decision.from.percent';
export const ATTR_CANARY_DECISION_TO_STATE = 'canary.decision.to.state';
export const ATTR_CANARY_DECISION_TO_STAGE = 'canary.decision.to.stage';
export const ATTR_CANARY_DECISION_TO_PERCENT = 'canary.decision.to.percent';
export const ATTR_CANARY_GATE = 'canary.gate';
export const ATTR_CANARY_GATE_STATUS = 'canary.gate.status';
export const ATTR_CANARY_GATE_EFFECT = 'canary.gate.effect';
export const ATTR_CANARY_GATE_REASON = 'canary.gate.reason';
/** Prefix of per-gate evidence attributes: `canary.evidence.<key>`. */
export const ATTR_CANARY_EVIDENCE_PREFIX = 'canary.evidence.';
export const ATTR_CANARY_STATE = 'canary.state';
export const ATTR_OUTCOME = 'outcome';
/** Quantile of a `canary.latency.seconds` point: 0.5, 0.95 or 0.99. */
export const ATTR_QUANTILE = 'quantile';

// --- GenAI (semantic-conventions-genai, development status) ---
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** Stable: low-cardinality error class (exception name or `_OTHER`). */
export const ATTR_ERROR_TYPE = 'error.type';
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';

// --- metrics ---
/** Histogram, seconds, GenAI buckets. */
export const METRIC_GEN_AI_INVOKE_AGENT_DURATION = 'gen_ai.invoke_agent.duration';
/** Histogram, seconds, GenAI buckets. */
export const METRIC_GEN_AI_EXECUTE_TOOL_DURATION = 'gen_ai.execute_tool.duration';
/** Counter of agent invocations by `outcome` (`success` | `error`). */
export const METRIC_CANARY_INVOCATIONS = 'canary.invocations.total';
/** Counter of tokens by `gen_ai.token.type` (`input` | `output`). */
export const METRIC_CANARY_TOKENS = 'canary.tokens.total';
/** Counter of applied decisions by action and source. */
export const METRIC_CANARY_DECISIONS = 'canary.decisions.total';
/** Gauge, canary traffic percent 0..100. */
export const METRIC_CANARY_TRAFFIC_PERCENT = 'canary.traffic.percent';
/** Gauge, current stage index. */
export const METRIC_CANARY_STAGE = 'canary.stage';
/** Gauge, 1 for the current state and 0 for the others, by `canary.state`. */
export const METRIC_CANARY_STATE = 'canary.state';
/** Gauge, lifetime success ratio per version (0..1). */
export const METRIC_CANARY_SUCCESS_RATIO = 'canary.success.ratio';
/** Gauge, lifetime latency per version by `quantile` (0.5, 0.95, 0.99), seconds. */
export const METRIC_CANARY_LATENCY = 'canary.latency.seconds';
/** Gauge, current e-value of each sequential gate by `canary.gate`. */
export const METRIC_CANARY_GATE_E_VALUE = 'canary.gate.e_value';

/** GenAI `gen_ai.invoke_agent.duration` bucket boundaries (seconds). */
export const INVOKE_AGENT_DURATION_BUCKETS: readonly number[] = [
  0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
];
/** GenAI `gen_ai.execute_tool.duration` bucket boundaries (seconds). */
export const EXECUTE_TOOL_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** Instrumentation scope name for our tracer, meter and logger. */
export const INSTRUMENTATION_SCOPE = 'agent-canary';

import { context, SpanKind, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Assignment } from '../routing/assignment.ts';
import { requireNonEmptyString } from '../validation.ts';
import { assignmentFrom, withAssignment } from './assignment-context.ts';
import {
  ATTR_CANARY_ROLE,
  ATTR_CANARY_ROLLOUT_ID,
  ATTR_CANARY_STAGE,
  ATTR_CANARY_TRAFFIC_PERCENT,
  ATTR_CANARY_VERSION,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  GEN_AI_OPERATION_INVOKE_AGENT,
  INSTRUMENTATION_SCOPE,
} from './semconv.ts';
import { runInSpan, type SpanResult } from './span-runner.ts';

/** Options of `withAgent` and `traceAgent`. */
export interface AgentSpanOptions {
  /** `gen_ai.agent.name`; the span is named `invoke_agent {agent}`. Low cardinality, non-empty. */
  readonly agent: string;
  /**
   * The routed assignment. When given, it is put in the context (and W3C baggage) `fn` runs in;
   * otherwise the active context's assignment, if any, is used for the span's attributes.
   */
  readonly assignment?: Assignment;
  /** Extra span attributes, set at creation (samplers see them); they win over ours. */
  readonly attributes?: Attributes;
  /** Default: the global tracer provider's `agent-canary` tracer. */
  readonly tracer?: Tracer;
}

/**
 * Runs `fn(span)` now inside a new active INTERNAL span `invoke_agent {agent}`, created with
 * `gen_ai.operation.name=invoke_agent`, `gen_ai.agent.name` and, when an assignment is given or
 * active, `gen_ai.agent.version` = the routed version plus the `canary.*` attributes. Returns what `fn`
 * returns (a sync result stays sync; a promise settles after the span ended; a stream keeps the span
 * open until consumed — see `runInSpan`). `fn`'s exceptions are recorded on the span and rethrown
 * unchanged. A `CanarySpanProcessor` records the span into its canary when it ends.
 * @throws CanaryConfigError when `options.agent` is not a non-empty string.
 */
export function withAgent<T>(options: AgentSpanOptions, fn: (span: Span) => T): SpanResult<T> {
  requireNonEmptyString('agent', options.agent);
  const parent = context.active();
  const given = options.assignment;
  const ctx = given === undefined ? parent : withAssignment(parent, given);
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE);
  const span = startAgentSpan(tracer, options.agent, given ?? assignmentFrom(parent), options.attributes, ctx);
  return runInSpan(span, trace.setSpan(ctx, span), fn);
}

/**
 * Wraps `fn` so that every call runs inside `withAgent(options, …)`; the wrapper has `fn`'s parameters
 * and `this`, and returns what `withAgent` returns. The active span is available inside through
 * `trace.getActiveSpan()`.
 * @throws CanaryConfigError when `options.agent` is not a non-empty string.
 */
export function traceAgent<A extends unknown[], R>(
  options: AgentSpanOptions, fn: (...args: A) => R,
): (...args: A) => SpanResult<R> {
  requireNonEmptyString('agent', options.agent);
  return function tracedAgent(this: unknown, ...args: A): SpanResult<R> {
    return withAgent(options, () => fn.apply(this, args));
  };
}

/** @internal Starts (not activates) an agent span in `ctx` with the creation attributes samplers need. */
export function startAgentSpan(
  tracer: Tracer, agent: string, assignment: Assignment | undefined, extra: Attributes | undefined, ctx: Context,
): Span {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_INVOKE_AGENT,
    [ATTR_GEN_AI_AGENT_NAME]: agent,
  };
  if (assignment !== undefined) {
    attributes[ATTR_GEN_AI_AGENT_VERSION] = assignment.version;
    attributes[ATTR_CANARY_ROLLOUT_ID] = assignment.rolloutId;
    attributes[ATTR_CANARY_VERSION] = assignment.version;
    attributes[ATTR_CANARY_ROLE] = assignment.role;
    attributes[ATTR_CANARY_STAGE] = assignment.stage;
    attributes[ATTR_CANARY_TRAFFIC_PERCENT] = assignment.trafficPercent;
  }
  if (extra !== undefined) Object.assign(attributes, extra);
  return tracer.startSpan(`${GEN_AI_OPERATION_INVOKE_AGENT} ${agent}`, { kind: SpanKind.INTERNAL, attributes }, ctx);
}

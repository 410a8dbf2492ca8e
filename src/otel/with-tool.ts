import { context, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { requireNonEmptyString } from '../validation.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  INSTRUMENTATION_SCOPE,
} from './semconv.ts';
import { runInSpan, type SpanResult } from './span-runner.ts';

/** Options of `withTool`. */
export interface ToolSpanOptions {
  /** `gen_ai.tool.type`: `function`, `extension` or `datastore`. */
  readonly type?: 'function' | 'extension' | 'datastore' | (string & {});
  /** `gen_ai.tool.call.id` of this call (trace attribute only, never a metric label). */
  readonly callId?: string;
  /** Extra span attributes, set at creation; they win over ours. */
  readonly attributes?: Attributes;
  /** Default: the global tracer provider's `agent-canary` tracer. */
  readonly tracer?: Tracer;
}

/** Options of `traceTool`: those of `withTool` except the per-call `callId`. */
export type TracedToolOptions = Omit<ToolSpanOptions, 'callId'>;

/**
 * Runs `fn(span)` now inside a new active INTERNAL span `execute_tool {name}`, created with
 * `gen_ai.operation.name=execute_tool`, `gen_ai.tool.name` and the optional `gen_ai.tool.type` /
 * `gen_ai.tool.call.id`. Inside an assignment's context the `CanarySpanProcessor` adds `canary.*` and
 * records the call as a tool sample of the routed version. Sync results stay sync, promises settle
 * after the span ended, exceptions are recorded and rethrown unchanged (see `runInSpan`).
 * @example await withTool('search', async (span) => search(q));
 * @throws CanaryConfigError when `name` is not a non-empty string.
 */
export function withTool<T>(name: string, fn: (span: Span) => T, options: ToolSpanOptions = {}): SpanResult<T> {
  requireNonEmptyString('name', name);
  const parent = context.active();
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE);
  const span = tracer.startSpan(
    `${GEN_AI_OPERATION_EXECUTE_TOOL} ${name}`,
    { kind: SpanKind.INTERNAL, attributes: toolSpanAttributes(name, options) },
    parent,
  );
  return runInSpan(span, trace.setSpan(parent, span), fn);
}

/**
 * Wraps `fn` so that every call runs inside `withTool(name, …, options)`; the wrapper has `fn`'s
 * parameters and `this`. The active span is available inside through `trace.getActiveSpan()`.
 * @throws CanaryConfigError when `name` is not a non-empty string.
 */
export function traceTool<A extends unknown[], R>(
  name: string, fn: (...args: A) => R, options: TracedToolOptions = {},
): (...args: A) => SpanResult<R> {
  requireNonEmptyString('name', name);
  return function tracedTool(this: unknown, ...args: A): SpanResult<R> {
    return withTool(name, () => fn.apply(this, args), options);
  };
}

function toolSpanAttributes(name: string, options: ToolSpanOptions): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_NAME]: name,
  };
  if (options.type !== undefined) attributes[ATTR_GEN_AI_TOOL_TYPE] = options.type;
  if (options.callId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = options.callId;
  if (options.attributes !== undefined) Object.assign(attributes, options.attributes);
  return attributes;
}

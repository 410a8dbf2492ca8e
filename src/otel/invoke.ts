import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { Assignment, RouteAttributes } from '../routing/assignment.ts';
import { requireNonEmptyString } from '../validation.ts';
import { withAssignment } from './assignment-context.ts';
import { CallMetrics } from './call-metrics.ts';
import type { InstrumentedCanary } from './instrumented-canary.ts';
import { INSTRUMENTATION_SCOPE } from './semconv.ts';
import { awaitProcessorRecord, takeUnrecorded } from './span-processor.ts';
import { errorTypeOf, runInSpan, type SpanResult, type SpanRunObserver } from './span-runner.ts';
import { startAgentSpan } from './with-agent.ts';

/** Options of `invokeAgent` (and `AgentCanary.invoke`). */
export interface InvokeOptions {
  /** Sticky routing key (user, session or conversation id). Never exported. Default: random split. */
  readonly key?: string;
  /** `gen_ai.agent.name`; the span is named `invoke_agent {agent}`. Low cardinality, non-empty. */
  readonly agent: string;
  /** Routing attributes for overrides and cohorts. Never exported. */
  readonly attributes?: RouteAttributes;
  /** Extra span attributes, set at creation (samplers see them); they win over ours. */
  readonly spanAttributes?: Attributes;
  /** Default: the global tracer provider's `agent-canary` tracer. */
  readonly tracer?: Tracer;
}

/** What `invokeAgent` returns for a function returning `T` (see `SpanResult`). */
export type InvokeResult<T> = SpanResult<T>;

/**
 * Routes one request with `canary.route(key, attributes)`, opens the `invoke_agent {agent}` span with
 * the assignment in its context (and W3C baggage), runs `fn(version, assignment)` there and records
 * the call exactly once: a `CanarySpanProcessor` holding `canary` records it when the span ends; when
 * none did (no SDK registered, a sampler made the span non-recording, no processor for this canary),
 * it is recorded here with `canary.record` (latency by `performance.now()`, success = no throw) and
 * the per-call metrics of the global meter provider. A sync `fn` stays sync, a promise settles after
 * the span ended, a stream keeps the span open until consumed; `fn`'s exceptions are recorded and
 * rethrown unchanged.
 * @throws CanaryConfigError when `options.agent` is not a non-empty string.
 */
export function invokeAgent<T>(
  canary: InstrumentedCanary, options: InvokeOptions, fn: (version: string, assignment: Assignment) => T,
): InvokeResult<T> {
  requireNonEmptyString('agent', options.agent);
  const assignment = canary.route(options.key, options.attributes);
  const ctx = withAssignment(context.active(), assignment);
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE);
  const span = startAgentSpan(tracer, options.agent, assignment, options.spanAttributes, ctx);
  awaitProcessorRecord(span);
  const recorder = new UnrecordedCallRecorder(canary, assignment, options.agent, span);
  return runInSpan(span, trace.setSpan(ctx, span), () => fn(assignment.version, assignment), recorder);
}

let _fallbackMetrics: CallMetrics | undefined;

/** Records the call when no processor did, so the gates count it whatever the telemetry pipeline. */
class UnrecordedCallRecorder implements SpanRunObserver {
  private readonly _canary: InstrumentedCanary;
  private readonly _assignment: Assignment;
  private readonly _agent: string;
  private readonly _span: Span;
  private readonly _startedAt = performance.now();

  constructor(canary: InstrumentedCanary, assignment: Assignment, agent: string, span: Span) {
    this._canary = canary;
    this._assignment = assignment;
    this._agent = agent;
    this._span = span;
  }

  settled(failed: boolean, error: unknown): void {
    if (!takeUnrecorded(this._span)) return;
    const latencyMs = performance.now() - this._startedAt;
    const { version, role } = this._assignment;
    this._canary.record(version, { success: !failed, latencyMs });
    _fallbackMetrics ??= new CallMetrics();
    const set = _fallbackMetrics.attributesFor('agent', this._canary.rolloutId, version, role, this._agent,
      failed ? errorTypeOf(error) : undefined);
    _fallbackMetrics.recordAgent(set, latencyMs / 1000, undefined, undefined);
  }
}

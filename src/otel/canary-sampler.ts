import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import type { Sampler, SamplingDecision, SamplingResult } from '@opentelemetry/sdk-trace';
import { assignmentFrom } from './assignment-context.ts';
import { ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_EXECUTE_TOOL, GEN_AI_OPERATION_INVOKE_AGENT } from './semconv.ts';

/** `SamplingDecision` values (a runtime enum of the SDK, which src/ may only import as a type). */
const NOT_RECORD = 0 as SamplingDecision.NOT_RECORD;
const RECORD = 1 as SamplingDecision.RECORD;

/**
 * Wraps the user's sampler so that sampling never starves the gates: a span `inner` would drop
 * (NOT_RECORD) becomes RECORD — recorded, so the `CanarySpanProcessor` sees it, but not sampled, so
 * exporters skip it — when it is started inside an assignment's context or is an `invoke_agent` /
 * `execute_tool` span. Every other decision is `inner`'s, unchanged (attributes and trace state
 * included). To record every span instead, the SDK's `createAlwaysRecordSampler(inner)` is the
 * alternative (more CPU: third-party spans outside canaries are recorded too).
 * @example new TracerProvider({ sampler: canarySampler(new TraceIdRatioBasedSampler(0.1)), spanProcessors })
 */
export function canarySampler(inner: Sampler): Sampler {
  return new CanarySampler(inner);
}

class CanarySampler implements Sampler {
  private readonly _inner: Sampler;

  constructor(inner: Sampler) {
    this._inner = inner;
  }

  shouldSample(
    ctx: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[],
  ): SamplingResult {
    const result = this._inner.shouldSample(ctx, traceId, spanName, spanKind, attributes, links);
    if (result.decision !== NOT_RECORD || !feedsGates(ctx, attributes)) return result;
    return { ...result, decision: RECORD };
  }

  toString(): string {
    return `CanarySampler{${this._inner.toString()}}`;
  }
}

function feedsGates(ctx: Context, attributes: Attributes | undefined): boolean {
  const operation = attributes?.[ATTR_GEN_AI_OPERATION_NAME];
  return operation === GEN_AI_OPERATION_INVOKE_AGENT || operation === GEN_AI_OPERATION_EXECUTE_TOOL
    || assignmentFrom(ctx) !== undefined;
}

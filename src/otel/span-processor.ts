import { diag, SpanStatusCode, type Attributes, type Context, type HrTime, type MeterProvider } from '@opentelemetry/api';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { CanaryConfigError } from '../errors.ts';
import { stampAssignment } from './assignment-attributes.ts';
import { assignmentFrom } from './assignment-context.ts';
import { CallMetrics } from './call-metrics.ts';
import type { InstrumentedCanary } from './instrumented-canary.ts';
import {
  ATTR_CANARY_ROLE,
  ATTR_CANARY_ROLLOUT_ID,
  ATTR_CANARY_VERSION,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ERROR_TYPE_VALUE_OTHER,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  GEN_AI_OPERATION_INVOKE_AGENT,
} from './semconv.ts';

/** Options of `CanarySpanProcessor`. */
export interface CanarySpanProcessorOptions {
  /** The canaries whose `invoke_agent` / `execute_tool` spans feed their statistics (distinct rollout ids). */
  readonly canaries: readonly InstrumentedCanary[];
  /** Where the per-call metrics go. Default: the global meter provider. */
  readonly meterProvider?: MeterProvider;
}

/**
 * Spans whose outcome `invokeAgent` will record itself unless a processor records it first: the
 * processor deletes a span from here when it records it (inside `span.end()`), so every call is
 * counted exactly once whatever the pipeline (no SDK, a sampler that dropped the span, a processor
 * that was never registered, a tracer from another provider).
 */
const _awaitingRecord = new WeakSet<object>();

/** @internal Marks `span` as awaiting a processor record (used by `invokeAgent`). */
export function awaitProcessorRecord(span: object): void {
  _awaitingRecord.add(span);
}

/** @internal After `span.end()`: true (and unmarks) when no processor recorded `span`. */
export function takeUnrecorded(span: object): boolean {
  return _awaitingRecord.delete(span);
}

/**
 * Register next to your exporter's processor. On every span started inside an assignment's context
 * (ours and third-party) it sets `canary.rollout.id`, `canary.version`, `canary.role`, `canary.stage`
 * and `canary.traffic.percent`, leaving any value the caller already set. When an `invoke_agent` or
 * `execute_tool` span of one of `canaries` ends, it records the call into that canary (success = status
 * not ERROR, latency = span duration, tokens from `gen_ai.usage.*`; tool spans by `gen_ai.tool.name`)
 * and into the per-call metrics. Processors only see recording spans: under a sampler, wrap it with
 * `canarySampler` so the gates see every call. No hook ever throws; problems go to `diag.warn`.
 */
export class CanarySpanProcessor implements SpanProcessor {
  private readonly _canaries: ReadonlyMap<string, InstrumentedCanary>;
  private readonly _metrics: CallMetrics;

  /** @throws CanaryConfigError when `canaries` is not an array of canaries with distinct rollout ids. */
  constructor(options: CanarySpanProcessorOptions) {
    this._canaries = indexByRolloutId(options?.canaries);
    this._metrics = new CallMetrics({ meterProvider: options.meterProvider });
  }

  /** Stamps the assignment found in `parentContext` (context key or W3C baggage) on the span. */
  onStart(span: SdkSpan, parentContext: Context): void {
    try {
      const assignment = assignmentFrom(parentContext);
      if (assignment !== undefined) stampAssignment(span, assignment);
    } catch (error) {
      diag.warn('agent-canary: CanarySpanProcessor.onStart failed', error);
    }
  }

  /** Records agent and tool spans of known canaries. */
  onEnd(span: ReadableSpan): void {
    try {
      const attributes = span.attributes;
      const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
      if (operation !== GEN_AI_OPERATION_INVOKE_AGENT && operation !== GEN_AI_OPERATION_EXECUTE_TOOL) return;
      const rolloutId = attributes[ATTR_CANARY_ROLLOUT_ID];
      const version = attributes[ATTR_CANARY_VERSION];
      if (typeof rolloutId !== 'string' || typeof version !== 'string') return;
      const canary = this._canaries.get(rolloutId);
      if (canary === undefined) return;
      _awaitingRecord.delete(span);
      if (operation === GEN_AI_OPERATION_INVOKE_AGENT) this._recordAgent(canary, span, version);
      else this._recordTool(canary, span, version);
    } catch (error) {
      diag.warn('agent-canary: CanarySpanProcessor.onEnd failed', error);
    }
  }

  /** Nothing is buffered: resolves at once. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release: resolves at once. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private _recordAgent(canary: InstrumentedCanary, span: ReadableSpan, version: string): void {
    const attributes = span.attributes;
    const failed = span.status.code === SpanStatusCode.ERROR;
    const latencyMs = durationMs(span.duration);
    const inputTokens = numberOrUndefined(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
    const outputTokens = numberOrUndefined(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]);
    canary.record(version, { success: !failed, latencyMs, inputTokens, outputTokens });
    if (!this._metrics.enabled) return;
    const set = this._metrics.attributesFor('agent', canary.rolloutId, version, roleOf(canary, attributes, version),
      stringOr(attributes[ATTR_GEN_AI_AGENT_NAME], ''), failed ? errorTypeOf(attributes) : undefined);
    this._metrics.recordAgent(set, latencyMs / 1000, inputTokens, outputTokens);
  }

  private _recordTool(canary: InstrumentedCanary, span: ReadableSpan, version: string): void {
    const attributes = span.attributes;
    const failed = span.status.code === SpanStatusCode.ERROR;
    const latencyMs = durationMs(span.duration);
    const tool = stringOr(attributes[ATTR_GEN_AI_TOOL_NAME], ERROR_TYPE_VALUE_OTHER);
    canary.record(version, { success: !failed, latencyMs, tool });
    if (!this._metrics.enabled) return;
    const set = this._metrics.attributesFor('tool', canary.rolloutId, version, roleOf(canary, attributes, version),
      tool, failed ? errorTypeOf(attributes) : undefined);
    this._metrics.recordTool(set, latencyMs / 1000);
  }
}

function indexByRolloutId(canaries: unknown): ReadonlyMap<string, InstrumentedCanary> {
  if (!Array.isArray(canaries)) throw new CanaryConfigError('canaries', 'an array of canaries', canaries);
  const byId = new Map<string, InstrumentedCanary>();
  canaries.forEach((canary: unknown, index) => {
    if (!isInstrumentedCanary(canary)) {
      throw new CanaryConfigError(`canaries[${index}]`, 'a canary with a rolloutId and record() (e.g. an AgentCanary)', canary);
    }
    if (byId.has(canary.rolloutId)) {
      throw new CanaryConfigError(`canaries[${index}].rolloutId`, 'unique among the canaries', canary.rolloutId);
    }
    byId.set(canary.rolloutId, canary);
  });
  return byId;
}

function isInstrumentedCanary(value: unknown): value is InstrumentedCanary {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<InstrumentedCanary>;
  return typeof candidate.rolloutId === 'string' && candidate.rolloutId !== '' && typeof candidate.record === 'function';
}

function durationMs(duration: HrTime): number {
  return duration[0] * 1e3 + duration[1] / 1e6;
}

function roleOf(canary: InstrumentedCanary, attributes: Attributes, version: string): string {
  const role = attributes[ATTR_CANARY_ROLE];
  if (typeof role === 'string') return role;
  return version === canary.canaryVersion ? 'canary' : 'stable';
}

function errorTypeOf(attributes: Attributes): string {
  return stringOr(attributes[ATTR_ERROR_TYPE], ERROR_TYPE_VALUE_OTHER);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

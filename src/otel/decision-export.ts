import {
  diag, logs, metrics, ROOT_CONTEXT, SeverityNumber, SpanKind, trace,
  type Attributes, type AttributeValue, type Counter, type Logger, type LoggerProvider, type MeterProvider,
  type Tracer, type TracerProvider,
} from '@opentelemetry/api';
import type { Decision, Evidence, GateResult, RolloutPosition } from '../rollout/decision.ts';
import type { InstrumentedCanary } from './instrumented-canary.ts';
import {
  ATTR_CANARY_DECISION_ACTION, ATTR_CANARY_DECISION_FROM_PERCENT, ATTR_CANARY_DECISION_FROM_STAGE,
  ATTR_CANARY_DECISION_FROM_STATE, ATTR_CANARY_DECISION_REASONS, ATTR_CANARY_DECISION_REVISION,
  ATTR_CANARY_DECISION_SOURCE, ATTR_CANARY_DECISION_TO_PERCENT, ATTR_CANARY_DECISION_TO_STAGE,
  ATTR_CANARY_DECISION_TO_STATE, ATTR_CANARY_EVIDENCE_PREFIX, ATTR_CANARY_GATE, ATTR_CANARY_GATE_EFFECT,
  ATTR_CANARY_GATE_REASON, ATTR_CANARY_GATE_STATUS, ATTR_CANARY_ROLLOUT_ID, EVENT_CANARY_DECISION, EVENT_CANARY_GATE,
  INSTRUMENTATION_SCOPE, METRIC_CANARY_DECISIONS, SPAN_CANARY_DECISION,
} from './semconv.ts';

/** Options of `exportDecisions`. Providers default to the globals registered at the time of the call. */
export interface DecisionExportOptions {
  readonly tracerProvider?: TracerProvider;
  readonly loggerProvider?: LoggerProvider;
  readonly meterProvider?: MeterProvider;
  /**
   * Also export `hold` decisions as span and log record. Default false: an automatic evaluation holds
   * on most ticks, so holds are only counted in `canary.decisions.total`.
   */
  readonly includeHolds?: boolean;
}

interface DecisionSinks {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly counter: Counter;
  readonly includeHolds: boolean;
}

/**
 * Exports every decision `canary` applies from now on: a root span `canary.decision` (decisions come
 * from timers and operators, not from a request) with one `canary.gate` event per gate carrying its
 * evidence as `canary.evidence.<key>` attributes; a log record with event name `canary.decision`
 * (severity INFO, WARN for a rollback) whose body holds the whole decision; and one increment of
 * `canary.decisions.total` by action, source and rollout id. Holds are counted but exported as
 * span/log only with `includeHolds`. Never throws from the listener; failures go to `diag`.
 * Returns the unsubscribe function.
 */
export function exportDecisions(canary: InstrumentedCanary, options: DecisionExportOptions = {}): () => void {
  const sinks: DecisionSinks = {
    tracer: (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE),
    logger: (options.loggerProvider ?? logs.getLoggerProvider()).getLogger(INSTRUMENTATION_SCOPE),
    counter: (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE).createCounter(METRIC_CANARY_DECISIONS, {
      description: 'Applied rollout decisions by action and source',
    }),
    includeHolds: options.includeHolds ?? false,
  };
  return canary.onDecision((decision) => exportDecision(sinks, decision));
}

function exportDecision(sinks: DecisionSinks, decision: Decision): void {
  try {
    sinks.counter.add(1, {
      [ATTR_CANARY_DECISION_ACTION]: decision.action,
      [ATTR_CANARY_DECISION_SOURCE]: decision.source,
      [ATTR_CANARY_ROLLOUT_ID]: decision.rolloutId,
    });
    if (decision.action === 'hold' && !sinks.includeHolds) return;
    const attributes = decisionAttributes(decision);
    const span = sinks.tracer.startSpan(SPAN_CANARY_DECISION, { root: true, kind: SpanKind.INTERNAL, attributes });
    for (const gate of decision.gates) span.addEvent(EVENT_CANARY_GATE, gateAttributes(gate));
    span.end();
    const rollback = decision.action === 'rollback';
    sinks.logger.emit({
      eventName: EVENT_CANARY_DECISION,
      severityNumber: rollback ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: rollback ? 'WARN' : 'INFO',
      attributes,
      body: decisionBody(decision),
      // Ties the record to the decision span, not to whatever request happens to be active.
      context: trace.setSpan(ROOT_CONTEXT, span),
    });
  } catch (error) {
    diag.warn(`agent-canary: exporting a ${String(decision?.action)} decision failed`, error);
  }
}

/** The flat attributes shared by the decision span and log record. */
function decisionAttributes(decision: Decision): Attributes {
  return {
    [ATTR_CANARY_DECISION_ACTION]: decision.action,
    [ATTR_CANARY_DECISION_SOURCE]: decision.source,
    [ATTR_CANARY_ROLLOUT_ID]: decision.rolloutId,
    [ATTR_CANARY_DECISION_REVISION]: decision.revision,
    [ATTR_CANARY_DECISION_FROM_STATE]: decision.from.state,
    [ATTR_CANARY_DECISION_FROM_STAGE]: decision.from.stageIndex,
    [ATTR_CANARY_DECISION_FROM_PERCENT]: decision.from.percent,
    [ATTR_CANARY_DECISION_TO_STATE]: decision.to.state,
    [ATTR_CANARY_DECISION_TO_STAGE]: decision.to.stageIndex,
    [ATTR_CANARY_DECISION_TO_PERCENT]: decision.to.percent,
    [ATTR_CANARY_DECISION_REASONS]: [...decision.reasons],
  };
}

function gateAttributes(gate: GateResult): Attributes {
  const attributes: Attributes = {
    [ATTR_CANARY_GATE]: gate.gate,
    [ATTR_CANARY_GATE_STATUS]: gate.status,
    [ATTR_CANARY_GATE_EFFECT]: gate.effect,
    [ATTR_CANARY_GATE_REASON]: gate.reason,
  };
  for (const [key, value] of Object.entries(gate.evidence)) {
    // Attributes cannot hold null: a missing attribute already says "not available yet".
    if (value !== null) attributes[ATTR_CANARY_EVIDENCE_PREFIX + key] = exportableValue(value);
  }
  return attributes;
}

/** The whole decision as an OTLP AnyValue map (plain objects, arrays and scalars). */
function decisionBody(decision: Decision): Record<string, unknown> {
  return {
    rolloutId: decision.rolloutId,
    action: decision.action,
    source: decision.source,
    at: decision.at,
    revision: decision.revision,
    from: positionBody(decision.from),
    to: positionBody(decision.to),
    reasons: [...decision.reasons],
    gates: decision.gates.map((gate) => ({
      gate: gate.gate, status: gate.status, effect: gate.effect, reason: gate.reason, evidence: evidenceBody(gate.evidence),
    })),
  };
}

function positionBody(position: RolloutPosition): Record<string, unknown> {
  return { state: position.state, stageIndex: position.stageIndex, percent: position.percent };
}

function evidenceBody(evidence: Evidence): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(evidence)) body[key] = value === null ? null : exportableValue(value);
  return body;
}

/** OTLP/JSON cannot encode NaN or ±Infinity (they become null); keep them readable as strings. */
function exportableValue(value: number | string | boolean): AttributeValue {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

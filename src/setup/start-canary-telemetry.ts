import { diag, type Attributes } from '@opentelemetry/api';
import { getStringFromEnv } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as OTLPJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes, type ResourceDetector } from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { BatchLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler,
  type Sampler, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { CanaryConfigError } from '../errors.ts';
import { canarySampler } from '../otel/canary-sampler.ts';
import { exportDecisions } from '../otel/decision-export.ts';
import { CanarySpanProcessor } from '../otel/span-processor.ts';
import { registerStatusMetrics } from '../otel/status-metrics.ts';
import type { InstrumentedCanary } from '../otel/instrumented-canary.ts';
import { requireInteger, requireNonEmptyString, requireOneOf } from '../validation.ts';

/** OTLP encodings `startCanaryTelemetry` can send over HTTP. */
export type OtlpHttpProtocol = 'http/json' | 'http/protobuf';

const PROTOCOLS: readonly OtlpHttpProtocol[] = ['http/json', 'http/protobuf'];

/** Options of `startCanaryTelemetry`. Only `serviceName` and `canaries` are required. */
export interface CanaryTelemetryOptions {
  /** Resource `service.name` (the Jaeger service, the Prometheus `job`). */
  readonly serviceName: string;
  /** Canaries whose spans, status and decisions are exported (at least one). */
  readonly canaries: readonly InstrumentedCanary[];
  /** Extra resource attributes, e.g. `deployment.environment.name`. */
  readonly resourceAttributes?: Attributes;
  /**
   * Head sampler; it is wrapped with `canarySampler` so spans it drops still feed the gates.
   * Default `ParentBased(AlwaysOn)`.
   */
  readonly sampler?: Sampler;
  /** Span processors of your own, run after the canary processor and before the OTLP batch processor. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Instrumentations to register (HTTP, LLM clients...). */
  readonly instrumentations?: NodeSDKConfiguration['instrumentations'];
  /** Resource detectors. Default: NodeSDK's (service instance, process, host, OS, env). */
  readonly resourceDetectors?: readonly ResourceDetector[];
  /** Milliseconds between metric exports. Default 15 000. */
  readonly metricExportIntervalMillis?: number;
  /**
   * OTLP encoding for all three signals. Default `OTEL_EXPORTER_OTLP_PROTOCOL` when it names one of
   * these, else `http/json`. Endpoints, headers, timeouts and compression come from the standard
   * `OTEL_EXPORTER_OTLP_*` variables (default `http://localhost:4318`).
   */
  readonly otlp?: { readonly protocol?: OtlpHttpProtocol };
  /** Also export `hold` decisions as span and log record (they are always counted). Default false. */
  readonly includeHolds?: boolean;
}

/** What `startCanaryTelemetry` started. */
export interface CanaryTelemetry {
  /** The started NodeSDK (globals registered). */
  readonly sdk: NodeSDK;
  /**
   * Stops exporting decisions, flushes and shuts the SDK down, then stops the status gauges.
   * Idempotent; resolves even when the collector is unreachable (failures go to `diag`).
   */
  shutdown(): Promise<void>;
  /** Exports every pending span, log record and metric now. Resolves even when an export fails. */
  forceFlush(): Promise<void>;
}

interface Pipeline {
  readonly spans: BatchSpanProcessor;
  readonly logs: BatchLogRecordProcessor;
  readonly metrics: PeriodicExportingMetricReader;
}

/**
 * Starts a NodeSDK that sends traces, metrics and logs over OTLP/HTTP with the canary wiring in place:
 * `CanarySpanProcessor` first (stamps canary.* attributes, feeds the gates), the sampler wrapped with
 * `canarySampler`, GenAI-shaped metrics, status gauges of every canary, and each applied decision as
 * span, log record and counter. Throws `CanaryConfigError` for invalid options.
 */
export function startCanaryTelemetry(options: CanaryTelemetryOptions): CanaryTelemetry {
  const serviceName = requireNonEmptyString('serviceName', options?.serviceName);
  const canaries = validateCanaries(options.canaries);
  const intervalMillis = requireInteger('metricExportIntervalMillis', options.metricExportIntervalMillis ?? 15_000, 1);
  const protocol = requireOneOf('otlp.protocol', options.otlp?.protocol ?? protocolFromEnv(), PROTOCOLS);
  const extraProcessors = validateSpanProcessors(options.spanProcessors);

  const pipeline: Pipeline = {
    spans: new BatchSpanProcessor({ exporter: traceExporter(protocol) }),
    logs: new BatchLogRecordProcessor({ exporter: logExporter(protocol) }),
    metrics: new PeriodicExportingMetricReader({ exporter: metricExporter(protocol), exportIntervalMillis: intervalMillis }),
  };
  const sdk = new NodeSDK({
    serviceName,
    ...(options.resourceAttributes ? { resource: defaultResource().merge(resourceFromAttributes(options.resourceAttributes)) } : {}),
    ...(options.resourceDetectors ? { resourceDetectors: [...options.resourceDetectors] } : {}),
    sampler: canarySampler(options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() })),
    spanProcessors: [new CanarySpanProcessor({ canaries }), ...extraProcessors, pipeline.spans],
    metricReaders: [pipeline.metrics],
    logRecordProcessors: [pipeline.logs],
    instrumentations: options.instrumentations ?? [],
  });
  sdk.start();
  // After start(): the global meter, tracer and logger providers are the SDK's now.
  const status = registerStatusMetrics(canaries);
  const unsubscribes = canaries.map((canary) => exportDecisions(canary, { includeHolds: options.includeHolds ?? false }));
  return {
    sdk,
    shutdown: once(async () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      await settle('shutdown', sdk.shutdown());
      status.unregister();
    }),
    forceFlush: () => flush(pipeline),
  };
}

async function flush(pipeline: Pipeline): Promise<void> {
  // Spans and decision logs first, then metrics, so the last collection sees the flushed calls.
  await settle('forceFlush', Promise.all([pipeline.spans.forceFlush(), pipeline.logs.forceFlush()]));
  await settle('forceFlush', pipeline.metrics.forceFlush());
}

async function settle(what: string, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    diag.warn(`agent-canary: telemetry ${what} failed`, error);
  }
}

function once(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= task());
}

function protocolFromEnv(): OtlpHttpProtocol {
  const fromEnv = getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL');
  return PROTOCOLS.find((p) => p === fromEnv) ?? 'http/json';
}

// Constructor URLs are omitted on purpose: the exporters then read OTEL_EXPORTER_OTLP_* themselves.
function traceExporter(protocol: OtlpHttpProtocol): SpanExporter {
  return protocol === 'http/protobuf' ? new OTLPProtoTraceExporter() : new OTLPJsonTraceExporter();
}

function metricExporter(protocol: OtlpHttpProtocol): PushMetricExporter {
  return protocol === 'http/protobuf' ? new OTLPProtoMetricExporter() : new OTLPJsonMetricExporter();
}

function logExporter(protocol: OtlpHttpProtocol): LogRecordExporter {
  return protocol === 'http/protobuf' ? new OTLPProtoLogExporter() : new OTLPJsonLogExporter();
}

function validateCanaries(canaries: unknown): readonly InstrumentedCanary[] {
  if (!Array.isArray(canaries) || canaries.length === 0) throw new CanaryConfigError('canaries', 'a non-empty array of canaries', canaries);
  canaries.forEach((canary: unknown, i) => {
    if (!isCanaryWithEvidence(canary)) throw new CanaryConfigError(`canaries[${i}]`, 'an AgentCanary', canary);
  });
  return [...(canaries as InstrumentedCanary[])];
}

function isCanaryWithEvidence(value: unknown): value is InstrumentedCanary {
  const c = value as Partial<Record<keyof InstrumentedCanary, unknown>> | null;
  return typeof c === 'object' && c !== null && typeof c.rolloutId === 'string'
    && typeof c.status === 'function' && typeof c.onDecision === 'function' && typeof c.gateEvidence === 'function';
}

function validateSpanProcessors(processors: unknown): SpanProcessor[] {
  if (processors === undefined) return [];
  if (!Array.isArray(processors)) throw new CanaryConfigError('spanProcessors', 'an array of span processors', processors);
  return [...(processors as SpanProcessor[])];
}

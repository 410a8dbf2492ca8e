import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AlwaysOffSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { CanaryConfigError } from '../../src/errors.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { Stage } from '../../src/rollout/stage.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { startCanaryTelemetry, type CanaryTelemetryOptions } from '../../src/setup/index.ts';
import { OtlpReceiver } from '../support/otlp-receiver.ts';

const ENV_KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

function newCanary(): AgentCanary {
  return new AgentCanary({
    rolloutId: 'support-v1.1', stable: 'agent-v1.0.0', canary: 'agent-v1.1.0',
    rollout: new Rollout({ stages: [new Stage({ percent: 50 }), new Stage({ percent: 100 })] }),
  });
}

afterEach(() => {
  trace.disable();
  metrics.disable();
  logs.disable();
  propagation.disable();
  context.disable();
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('startCanaryTelemetry options', () => {
  const valid = (): CanaryTelemetryOptions => ({ serviceName: 'svc', canaries: [newCanary()] });
  const invalid: [string, (o: CanaryTelemetryOptions) => unknown][] = [
    ['serviceName', (o) => ({ ...o, serviceName: '' })],
    ['canaries', (o) => ({ ...o, canaries: [] })],
    ['canaries', (o) => ({ ...o, canaries: undefined })],
    ['canaries[0]', (o) => ({ ...o, canaries: [{ rolloutId: 'r' }] })],
    ['otlp.protocol', (o) => ({ ...o, otlp: { protocol: 'grpc' } })],
    ['metricExportIntervalMillis', (o) => ({ ...o, metricExportIntervalMillis: 0 })],
    ['spanProcessors', (o) => ({ ...o, spanProcessors: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }) })],
  ];

  it.each(invalid)('rejects a bad %s with CanaryConfigError before starting anything', (field, mutate) => {
    const options = mutate(valid()) as CanaryTelemetryOptions;
    expect(() => startCanaryTelemetry(options)).toThrow(CanaryConfigError);
    try {
      startCanaryTelemetry(options);
    } catch (error) {
      expect((error as CanaryConfigError).field).toBe(field);
    }
    expect(trace.getTracer('probe').startSpan('x').isRecording(), 'no tracer provider was registered').toBe(false);
  });
});

describe('startCanaryTelemetry pipeline', () => {
  it('with a sampler that drops everything: nothing exported, but the gates still see every call and tool call', async () => {
    const receiver = await OtlpReceiver.start();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    const mine = new InMemorySpanExporter();
    const canary = newCanary();
    const telemetry = startCanaryTelemetry({
      serviceName: 'svc', canaries: [canary], resourceDetectors: [], sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter: mine })],
    });
    try {
      for (let i = 0; i < 10; i++) {
        await canary.invoke({ key: `user-${i}`, agent: 'support' }, async () => withTool('search', async () => 'ok'));
      }
      await telemetry.forceFlush();
      const status = canary.status();
      expect(status.stable.samples + status.canary.samples).toBe(10);
      // Tool calls reach the statistics only through the processor, i.e. only if their spans were recorded.
      expect((status.stable.tools['search']?.samples ?? 0) + (status.canary.tools['search']?.samples ?? 0)).toBe(10);
      expect(receiver.spans, 'AlwaysOff: nothing sampled, nothing exported').toEqual([]);
      expect(mine.getFinishedSpans(), 'recorded-only spans are not sampled, so no exporter gets them').toEqual([]);
      const invocations = receiver.points('canary.invocations.total').reduce((n, p) => n + (p.value ?? 0), 0);
      expect(invocations).toBe(10);
    } finally {
      await telemetry.shutdown();
      await receiver.close();
    }
  });

  it('hands spans with canary.* attributes to the user processors under the default sampler', async () => {
    const receiver = await OtlpReceiver.start();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    const mine = new InMemorySpanExporter();
    const canary = newCanary();
    const telemetry = startCanaryTelemetry({
      serviceName: 'svc', canaries: [canary], resourceDetectors: [], spanProcessors: [new SimpleSpanProcessor({ exporter: mine })],
    });
    try {
      const version = await canary.invoke({ key: 'user-1', agent: 'support' }, async (v) => v);
      const [span] = mine.getFinishedSpans();
      expect(span?.attributes['canary.version']).toBe(version);
      expect(span?.attributes['gen_ai.agent.version']).toBe(version);
    } finally {
      await telemetry.shutdown();
      await receiver.close();
    }
  });

  it('takes the encoding from OTEL_EXPORTER_OTLP_PROTOCOL when the option is absent', async () => {
    const receiver = await OtlpReceiver.start();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/protobuf';
    const canary = newCanary();
    const telemetry = startCanaryTelemetry({ serviceName: 'svc', canaries: [canary], resourceDetectors: [] });
    try {
      await canary.invoke({ key: 'user-1', agent: 'support' }, async () => 'ok');
      await telemetry.forceFlush();
      expect(receiver.requests.map((r) => r.contentType)).toContain('application/x-protobuf');
      expect(receiver.requests.map((r) => r.contentType)).not.toContain('application/json');
      expect(receiver.spans.map((s) => s.resource['service.name'])).toEqual(['svc']);
    } finally {
      await telemetry.shutdown();
      await receiver.close();
    }
  });

  it('shutdown is idempotent', async () => {
    const receiver = await OtlpReceiver.start();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    const telemetry = startCanaryTelemetry({ serviceName: 'svc', canaries: [newCanary()], resourceDetectors: [] });
    const first = telemetry.shutdown();
    expect(telemetry.shutdown()).toBe(first);
    await expect(first).resolves.toBeUndefined();
    await receiver.close();
  });
});

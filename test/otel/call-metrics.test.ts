import { metrics } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { CallMetrics } from '../../src/otel/call-metrics.ts';
import { EXECUTE_TOOL_DURATION_BUCKETS } from '../../src/otel/semconv.ts';
import { MetricsReader } from './harness.ts';

describe('CallMetrics', () => {
  afterEach(() => metrics.disable());

  it('reuses one frozen attribute object per series and separates outcomes', () => {
    const callMetrics = new CallMetrics({ meterProvider: new MetricsReader().provider });
    const ok = callMetrics.attributesFor('agent', 'r', 'v2', 'canary', 'support', undefined);
    expect(callMetrics.attributesFor('agent', 'r', 'v2', 'canary', 'support', undefined)).toBe(ok);
    const failed = callMetrics.attributesFor('agent', 'r', 'v2', 'canary', 'support', 'TimeoutError');
    expect(failed).not.toBe(ok);
    expect(ok.call).toEqual({
      'canary.rollout.id': 'r', 'canary.version': 'v2', 'canary.role': 'canary', 'gen_ai.agent.name': 'support', outcome: 'success',
    });
    expect(failed.call).toMatchObject({ outcome: 'error', 'error.type': 'TimeoutError' });
    expect(failed.outputTokens).toMatchObject({ 'gen_ai.token.type': 'output', 'canary.version': 'v2' });
    expect(Object.isFrozen(ok.call)).toBe(true);
    expect(callMetrics.attributesFor('tool', 'r', 'v2', 'canary', 'support', undefined).call['gen_ai.tool.name']).toBe('support');
  });

  it('bounds its cache: after many distinct series an early one is rebuilt (equal, not the same object)', () => {
    const callMetrics = new CallMetrics({ meterProvider: new MetricsReader().provider });
    const first = callMetrics.attributesFor('tool', 'r', 'v1', 'stable', 'tool-0', undefined);
    for (let i = 1; i < 5_000; i++) callMetrics.attributesFor('tool', 'r', 'v1', 'stable', `tool-${i}`, undefined);
    const again = callMetrics.attributesFor('tool', 'r', 'v1', 'stable', 'tool-0', undefined);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('skips invalid durations and token counts instead of corrupting the series', async () => {
    const reader = new MetricsReader();
    const callMetrics = new CallMetrics({ meterProvider: reader.provider });
    const set = callMetrics.attributesFor('agent', 'r', 'v1', 'stable', 'a', undefined);
    callMetrics.recordAgent(set, 0.5, 100, Number.NaN);
    callMetrics.recordAgent(set, Number.NaN, -5, Number.POSITIVE_INFINITY);
    callMetrics.recordAgent(set, -1, undefined, 7);
    const duration = (await reader.points('gen_ai.invoke_agent.duration'))[0]!.value as Histogram;
    expect([duration.count, duration.sum]).toEqual([1, 0.5]);
    const invocations = await reader.points('canary.invocations.total');
    expect(invocations[0]!.value).toBe(3);
    const tokens = Object.fromEntries((await reader.points('canary.tokens.total')).map((p) => [p.attributes['gen_ai.token.type'], p.value]));
    expect(tokens).toEqual({ input: 100, output: 7 });
  });

  it('records tool durations with the GenAI tool buckets', async () => {
    const reader = new MetricsReader();
    const callMetrics = new CallMetrics({ meterProvider: reader.provider });
    callMetrics.recordTool(callMetrics.attributesFor('tool', 'r', 'v1', 'stable', 'search', undefined), 0.03);
    const point = (await reader.points('gen_ai.execute_tool.duration'))[0]!;
    expect((point.value as Histogram).buckets.boundaries).toEqual(EXECUTE_TOOL_DURATION_BUCKETS);
    expect(point.attributes['gen_ai.tool.name']).toBe('search');
  });

  it('follows the global meter provider registered after construction (NodeSDK starts after processors are built)', async () => {
    const callMetrics = new CallMetrics();
    const set = callMetrics.attributesFor('agent', 'r', 'v1', 'stable', 'a', undefined);
    callMetrics.recordAgent(set, 0.1, undefined, undefined);
    const reader = new MetricsReader();
    metrics.setGlobalMeterProvider(reader.provider);
    callMetrics.recordAgent(set, 0.2, undefined, undefined);
    callMetrics.recordAgent(set, 0.3, undefined, undefined);
    expect((await reader.points('canary.invocations.total'))[0]?.value).toBe(2);
  });

  it('is disabled exactly while the global meter provider is the API\'s no-op one', () => {
    const callMetrics = new CallMetrics();
    expect(callMetrics.enabled).toBe(false);
    metrics.setGlobalMeterProvider(new MetricsReader().provider);
    expect(callMetrics.enabled).toBe(true);
    metrics.disable();
    expect(callMetrics.enabled).toBe(false);
    expect(new CallMetrics({ meterProvider: new MetricsReader().provider }).enabled).toBe(true);
  });
});

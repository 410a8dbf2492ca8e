import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOnSampler, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { withAssignment } from '../../src/otel/assignment-context.ts';
import { canarySampler } from '../../src/otel/canary-sampler.ts';
import { invokeAgent } from '../../src/otel/invoke.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { createTracing, halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

const traceId = '0af7651916cd43dd8448eb211c80319c';

describe('canarySampler', () => {
  it('with a ratio-0 inner sampler exports nothing, yet the processor counts every call and tool', async () => {
    const canary = halfCanary({ overrides: [] });
    const tracing = createTracing({ canaries: [canary], sampler: canarySampler(new TraceIdRatioBasedSampler(0)) });
    const tracer = tracing.provider.getTracer('t');
    const calls = 60;
    for (let i = 0; i < calls; i++) {
      await invokeAgent(canary, { key: `user-${i}`, agent: 'support', tracer }, async (_v, assignment) => {
        tracing.provider.getTracer('http').startSpan('GET').end();
        await withTool('search', async () => 'hit', { tracer });
        return assignment;
      });
    }
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    const { stable, canary: candidate } = canary.status();
    expect(stable.samples + candidate.samples).toBe(calls);
    const toolSamples = (stable.tools['search']?.samples ?? 0) + (candidate.tools['search']?.samples ?? 0);
    expect(toolSamples).toBe(calls);
    const invocations = await tracing.metrics.points('canary.invocations.total');
    expect(invocations.reduce((sum, p) => sum + (p.value as number), 0)).toBe(calls);
  });

  it('records, without sampling, dropped spans that are inside an assignment or are agent/tool spans', () => {
    const sampler = canarySampler(new TraceIdRatioBasedSampler(0));
    const inside = withAssignment(ROOT_CONTEXT, halfCanary().route('canary-user'));
    const decide = (ctx = ROOT_CONTEXT, attributes = {}) =>
      sampler.shouldSample(ctx, traceId, 'span', SpanKind.CLIENT, attributes, []).decision;
    expect(decide(inside)).toBe(SamplingDecision.RECORD);
    expect(decide(ROOT_CONTEXT, { 'gen_ai.operation.name': 'execute_tool' })).toBe(SamplingDecision.RECORD);
    expect(decide(ROOT_CONTEXT, { 'gen_ai.operation.name': 'invoke_agent' })).toBe(SamplingDecision.RECORD);
    expect(decide(ROOT_CONTEXT, { 'gen_ai.operation.name': 'chat' })).toBe(SamplingDecision.NOT_RECORD);
    expect(decide()).toBe(SamplingDecision.NOT_RECORD);
  });

  it('keeps the inner decision when it records, and names the inner sampler', () => {
    const inner = new AlwaysOnSampler();
    const sampler = canarySampler(inner);
    const result = sampler.shouldSample(ROOT_CONTEXT, traceId, 'GET', SpanKind.CLIENT, {}, []);
    expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(sampler.toString()).toContain(inner.toString());
  });

  it('lets a tool span outside any canary be recorded by processors but not exported', () => {
    const tracing = createTracing({ sampler: canarySampler(new TraceIdRatioBasedSampler(0)) });
    let recording: boolean | undefined;
    withTool('search', (span) => { recording = span.isRecording(); }, { tracer: tracing.provider.getTracer('t') });
    expect(recording).toBe(true);
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
  });
});

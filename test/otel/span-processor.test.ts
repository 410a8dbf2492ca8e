import {
  DiagLogLevel, ROOT_CONTEXT, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, diag, propagation, trace,
  type DiagLogger,
} from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { CanaryConfigError } from '../../src/errors.ts';
import type { Outcome } from '../../src/metrics/outcome.ts';
import { withAssignment } from '../../src/otel/assignment-context.ts';
import { invokeAgent } from '../../src/otel/invoke.ts';
import { INVOKE_AGENT_DURATION_BUCKETS } from '../../src/otel/semconv.ts';
import { CanarySpanProcessor } from '../../src/otel/span-processor.ts';
import { withAgent } from '../../src/otel/with-agent.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { createTracing, halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

const canaryAttributeNames = ['canary.rollout.id', 'canary.version', 'canary.role', 'canary.stage', 'canary.traffic.percent'];

describe('CanarySpanProcessor.onStart', () => {
  it('stamps the assignment on our spans and on third-party spans started inside, with parentage intact', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('agent-canary');
    const assignment = canary.route('canary-user');
    await withAgent({ agent: 'support', assignment, tracer }, async () => {
      await withTool('search', async () => {
        tracing.provider.getTracer('http').startSpan('GET').end();
      }, { tracer });
    });
    const expected = {
      'canary.rollout.id': 'support-v1.1', 'canary.version': 'agent-v1.1.0', 'canary.role': 'canary',
      'canary.stage': assignment.stage, 'canary.traffic.percent': 50,
    };
    const [agent, tool, http] = [tracing.span('invoke_agent support'), tracing.span('execute_tool search'), tracing.span('GET')];
    for (const span of [agent, tool, http]) expect(span.attributes).toMatchObject(expected);
    expect(http.instrumentationScope.name).toBe('http');
    expect(tool.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(http.parentSpanContext?.spanId).toBe(tool.spanContext().spanId);
    expect(new Set([agent, tool, http].map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('never overwrites attributes the caller set at creation', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const ctx = withAssignment(ROOT_CONTEXT, canary.route('canary-user'));
    tracing.provider.getTracer('http')
      .startSpan('GET', { attributes: { 'canary.version': 'pinned-by-caller', 'canary.stage': 7 } }, ctx).end();
    expect(tracing.span('GET').attributes).toMatchObject({
      'canary.version': 'pinned-by-caller', 'canary.stage': 7, 'canary.role': 'canary', 'canary.rollout.id': 'support-v1.1',
    });
  });

  it('leaves spans outside any assignment untouched', () => {
    const tracing = createTracing({ canaries: [halfCanary()] });
    tracing.provider.getTracer('http').startSpan('GET').end();
    const attributes = tracing.span('GET').attributes;
    for (const name of canaryAttributeNames) expect(attributes[name]).toBeUndefined();
  });

  it('stamps a downstream service\'s spans from W3C baggage, with the same version and role', () => {
    const canary = halfCanary();
    const upstream = createTracing({ canaries: [canary] });
    const propagator = new W3CBaggagePropagator();
    const headers: Record<string, string> = {};
    withAgent({ agent: 'support', assignment: canary.route('stable-user'), tracer: upstream.provider.getTracer('a') }, () => {
      propagator.inject(propagation.setBaggage(ROOT_CONTEXT, propagation.getActiveBaggage()!), headers, defaultTextMapSetter);
    });
    const downstream = createTracing();
    const received = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    downstream.provider.getTracer('db').startSpan('SELECT', {}, received).end();
    const upstreamAgent = upstream.span('invoke_agent support').attributes;
    expect(downstream.span('SELECT').attributes).toMatchObject({
      'canary.version': upstreamAgent['canary.version'], 'canary.role': 'stable',
      'canary.rollout.id': 'support-v1.1', 'canary.stage': upstreamAgent['canary.stage'],
      'canary.traffic.percent': upstreamAgent['canary.traffic.percent'],
    });
  });
});

describe('CanarySpanProcessor.onEnd', () => {
  it('records agent spans (success, latency, tokens) and tool spans into the routed version', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('agent-canary');
    const assignment = canary.route('canary-user');
    await withAgent({ agent: 'support', assignment, tracer }, async (span) => {
      await withTool('search', () => new Promise((resolve) => setTimeout(resolve, 20)), { tracer });
      span.setAttributes({ 'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.output_tokens': 120 });
    });
    const stats = canary.status().canary;
    expect(stats).toMatchObject({ samples: 1, successes: 1, inputTokens: 900, outputTokens: 120 });
    expect(stats.tools['search']).toMatchObject({ samples: 1, successes: 1 });
    expect(stats.tools['search']!.latencyMs!.max).toBeGreaterThanOrEqual(19);
    expect(stats.latencyMs!.max).toBeGreaterThanOrEqual(stats.tools['search']!.latencyMs!.max);
    expect(canary.status().stable.samples).toBe(0);
  });

  it('counts an agent span with status ERROR as a failure', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    expect(() => withAgent({ agent: 'support', assignment: canary.route('stable-user'), tracer: tracing.provider.getTracer('t') },
      () => { throw new Error('model unavailable'); })).toThrow('model unavailable');
    expect(canary.status().stable).toMatchObject({ samples: 1, failures: 1 });
  });

  it('ignores agent spans of rollouts it was not given', () => {
    const known = halfCanary();
    const other = halfCanary({ rolloutId: 'billing-v2' });
    const tracing = createTracing({ canaries: [known] });
    withAgent({ agent: 'billing', assignment: other.route('canary-user'), tracer: tracing.provider.getTracer('t') }, () => 1);
    expect(tracing.span('invoke_agent billing').attributes['canary.rollout.id']).toBe('billing-v2');
    expect(known.status().canary.samples + known.status().stable.samples).toBe(0);
    expect(other.status().canary.samples).toBe(0);
  });

  it('exports per-call metrics labelled by rollout, version, role and outcome, never the key', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('t');
    const call = (key: string, fail: boolean) => invokeAgent(canary, { key, agent: 'support', tracer }, (_version) => {
      trace.getActiveSpan()!.setAttribute('gen_ai.usage.input_tokens', 10);
      if (fail) throw new TypeError('bad tool args');
      return withTool('search', () => 'ok', { tracer });
    });
    call('canary-user', false);
    call('canary-user', false);
    expect(() => call('stable-user', true)).toThrow(TypeError);

    const invocations = await tracing.metrics.points('canary.invocations.total');
    const byOutcome = Object.fromEntries(invocations.map((p) => [`${p.attributes['canary.version']}/${p.attributes['outcome']}`, p]));
    expect(byOutcome['agent-v1.1.0/success']?.value).toBe(2);
    expect(byOutcome['agent-v1.0.0/error']?.value).toBe(1);
    expect(byOutcome['agent-v1.0.0/error']?.attributes).toEqual({
      'canary.rollout.id': 'support-v1.1', 'canary.version': 'agent-v1.0.0', 'canary.role': 'stable',
      'gen_ai.agent.name': 'support', outcome: 'error', 'error.type': 'TypeError',
    });

    const durations = await tracing.metrics.points('gen_ai.invoke_agent.duration');
    const histogram = durations.find((p) => p.attributes['canary.version'] === 'agent-v1.1.0')!.value as Histogram;
    expect(histogram.count).toBe(2);
    expect(histogram.buckets.boundaries).toEqual(INVOKE_AGENT_DURATION_BUCKETS);

    const tokens = await tracing.metrics.points('canary.tokens.total');
    expect(tokens.filter((p) => p.attributes['gen_ai.token.type'] === 'input').reduce((sum, p) => sum + (p.value as number), 0)).toBe(30);

    const tools = await tracing.metrics.points('gen_ai.execute_tool.duration');
    expect(tools.map((p) => p.attributes['gen_ai.tool.name'])).toEqual(['search']);
    const allLabels = JSON.stringify([invocations, durations, tokens, tools].flat().map((p) => p.attributes));
    expect(allLabels).not.toContain('canary-user');
    expect(allLabels).not.toContain('stable-user');
  });
});

describe('CanarySpanProcessor safety', () => {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: () => {}, info: () => {}, debug: () => {}, verbose: () => {},
    warn: (message) => { warnings.push(message); },
  };
  afterEach(() => {
    diag.disable();
    warnings.length = 0;
  });

  it('never throws into user code when the canary throws, and the exporter still gets the span', async () => {
    class ExplodingCanary extends AgentCanary {
      override record(_version: string, _outcome: Outcome): void {
        throw new Error('store is on fire');
      }
    }
    diag.setLogger(logger, DiagLogLevel.WARN);
    const canary = new ExplodingCanary({ rolloutId: 'r', stable: 'v1', canary: 'v2' });
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('t');
    const result = await withAgent({ agent: 'a', assignment: canary.route('k'), tracer }, async () => {
      return withTool('t', () => 'fine', { tracer });
    });
    expect(result).toBe('fine');
    expect(tracing.exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual(['execute_tool t', 'invoke_agent a']);
    expect(warnings.filter((w) => w.includes('onEnd'))).toHaveLength(2);
  });

  it('rejects bad configuration naming the field', () => {
    const canary = halfCanary();
    const fieldOf = (build: () => unknown): string | undefined => {
      try {
        build();
      } catch (error) {
        return error instanceof CanaryConfigError ? error.field : 'not a CanaryConfigError';
      }
      return undefined;
    };
    expect(fieldOf(() => new CanarySpanProcessor({ canaries: canary as never }))).toBe('canaries');
    expect(fieldOf(() => new CanarySpanProcessor({ canaries: [canary, {} as never] }))).toBe('canaries[1]');
    expect(fieldOf(() => new CanarySpanProcessor({ canaries: [canary, halfCanary()] }))).toBe('canaries[1].rolloutId');
  });

  it('resolves forceFlush and shutdown', async () => {
    const processor = new CanarySpanProcessor({ canaries: [] });
    await expect(processor.forceFlush()).resolves.toBeUndefined();
    await expect(processor.shutdown()).resolves.toBeUndefined();
  });
});

describe('status codes seen by the processor', () => {
  it('treats OK and UNSET as success', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('t');
    withAgent({ agent: 'a', assignment: canary.route('canary-user'), tracer }, (span) => span.setStatus({ code: SpanStatusCode.OK }));
    withAgent({ agent: 'a', assignment: canary.route('canary-user'), tracer }, () => undefined);
    expect(canary.status().canary).toMatchObject({ samples: 2, successes: 2 });
  });
});

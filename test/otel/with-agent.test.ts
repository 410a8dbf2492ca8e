import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { AlwaysOnSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';
import { currentAssignment, withAssignment } from '../../src/otel/assignment-context.ts';
import { traceAgent, withAgent } from '../../src/otel/with-agent.ts';
import { createTracing, halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

/** Remembers the attributes each span had when the sampler was asked about it. */
function attributeSpy(): { sampler: Sampler; seen: Map<string, Attributes> } {
  const inner: Sampler = new AlwaysOnSampler();
  const seen = new Map<string, Attributes>();
  return {
    seen,
    sampler: {
      shouldSample: (ctx, traceId, name, kind, attributes, links) => {
        seen.set(name, { ...attributes });
        return inner.shouldSample(ctx, traceId, name, kind, attributes, links);
      },
      toString: () => 'spy',
    },
  };
}

describe('withAgent', () => {
  it('creates an INTERNAL invoke_agent span whose sampler sees the GenAI and canary attributes', () => {
    const { sampler, seen } = attributeSpy();
    const tracing = createTracing({ sampler });
    const assignment = halfCanary().route('canary-user');
    withAgent({ agent: 'support', assignment, tracer: tracing.provider.getTracer('t') }, () => 'ok');
    expect(seen.get('invoke_agent support')).toEqual({
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'gen_ai.agent.version': 'agent-v1.1.0',
      'canary.rollout.id': 'support-v1.1', 'canary.version': 'agent-v1.1.0', 'canary.role': 'canary',
      'canary.stage': assignment.stage, 'canary.traffic.percent': 50,
    });
    expect(tracing.span('invoke_agent support').kind).toBe(SpanKind.INTERNAL);
  });

  it('puts a given assignment in the context and baggage that fn runs in', () => {
    const tracing = createTracing();
    const assignment = halfCanary().route('stable-user');
    const inside = withAgent({ agent: 'support', assignment, tracer: tracing.provider.getTracer('t') }, (span) => ({
      assignment: currentAssignment(),
      baggageVersion: propagation.getActiveBaggage()?.getEntry('canary.version')?.value,
      active: trace.getActiveSpan() === span,
    }));
    expect(inside).toEqual({ assignment, baggageVersion: 'agent-v1.0.0', active: true });
    expect(currentAssignment()).toBeUndefined();
  });

  it('takes gen_ai.agent.version from the active assignment when none is given', () => {
    const tracing = createTracing();
    const assignment = halfCanary().route('canary-user');
    context.with(withAssignment(ROOT_CONTEXT, assignment), () =>
      withAgent({ agent: 'planner', tracer: tracing.provider.getTracer('t') }, () => undefined));
    expect(tracing.span('invoke_agent planner').attributes['gen_ai.agent.version']).toBe('agent-v1.1.0');
  });

  it('sets no version or canary attributes outside any assignment, and caller attributes win', () => {
    const tracing = createTracing();
    withAgent({
      agent: 'support', tracer: tracing.provider.getTracer('t'),
      attributes: { 'gen_ai.agent.id': 'asst_1', 'gen_ai.agent.name': 'support-eu' },
    }, () => undefined);
    expect(tracing.span('invoke_agent support').attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-eu', 'gen_ai.agent.id': 'asst_1',
    });
  });

  it('rejects a missing or empty agent name before running anything', () => {
    let ran = false;
    expect(() => withAgent({ agent: '' }, () => { ran = true; })).toThrow(CanaryConfigError);
    expect(() => withAgent({ agent: 7 as unknown as string }, () => { ran = true; })).toThrow(/agent must be a non-empty string/);
    expect(ran).toBe(false);
  });
});

describe('traceAgent', () => {
  it('wraps a function: same arguments and this, one span per call, sync stays sync', () => {
    const tracing = createTracing();
    const bot = {
      greeting: 'hello',
      answer: traceAgent({ agent: 'greeter', tracer: tracing.provider.getTracer('t') },
        function (this: { greeting: string }, name: string, times: number) {
          return `${this.greeting} ${name}`.repeat(times);
        }),
    };
    expect(bot.answer('ada', 2)).toBe('hello adahello ada');
    expect(bot.answer('bob', 1)).toBe('hello bob');
    expect(tracing.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['invoke_agent greeter', 'invoke_agent greeter']);
  });

  it('keeps async functions async and the span open until they settle', async () => {
    const tracing = createTracing();
    const slow = traceAgent({ agent: 'slow', tracer: tracing.provider.getTracer('t') },
      async (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)));
    const pending = slow(15);
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    expect(await pending).toBe(15);
    const { duration } = tracing.span('invoke_agent slow');
    expect(duration[0] * 1e3 + duration[1] / 1e6).toBeGreaterThanOrEqual(14);
  });

  it('validates the agent name when wrapping', () => {
    expect(() => traceAgent({ agent: '' }, () => 1)).toThrow(CanaryConfigError);
  });
});

import { trace } from '@opentelemetry/api';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';
import { currentAssignment } from '../../src/otel/assignment-context.ts';
import { invokeAgent } from '../../src/otel/invoke.ts';
import { CanarySpanProcessor } from '../../src/otel/span-processor.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { createTracing, halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

function totalSamples(canary: ReturnType<typeof halfCanary>): number {
  const { stable, canary: candidate } = canary.status();
  return stable.samples + candidate.samples;
}

describe('invokeAgent without any SDK registered', () => {
  it('routes stickily, passes version and assignment to fn, and still records every call', () => {
    const canary = halfCanary({ overrides: [] });
    const calls = 400;
    let failures = 0;
    for (let i = 0; i < calls; i++) {
      const key = `user-${i}`;
      const fail = i % 10 === 0;
      try {
        const served = invokeAgent(canary, { key, agent: 'support' }, (version, assignment) => {
          expect(currentAssignment()).toBe(assignment);
          if (fail) throw new Error('boom');
          return version;
        });
        expect(served).toBe(canary.route(key).version);
      } catch {
        failures++;
      }
    }
    const { stable, canary: candidate } = canary.status();
    expect(stable.samples + candidate.samples).toBe(calls);
    expect(stable.failures + candidate.failures).toBe(failures);
    // A 50 % split of 400 keys: both arms get traffic (P(either < 150) is below 1e-6).
    expect(Math.min(stable.samples, candidate.samples)).toBeGreaterThan(150);
  });

  it('measures latency until the promise settles and rethrows the same error object', async () => {
    const canary = halfCanary();
    await invokeAgent(canary, { key: 'canary-user', agent: 'support' }, () => new Promise((resolve) => setTimeout(resolve, 25)));
    const error = new Error('upstream 500');
    await expect(invokeAgent(canary, { key: 'canary-user', agent: 'support' }, async () => { throw error; })).rejects.toBe(error);
    const stats = canary.status().canary;
    expect(stats).toMatchObject({ samples: 2, successes: 1, failures: 1 });
    expect(stats.latencyMs!.max).toBeGreaterThanOrEqual(24);
  });

  it('records a streamed answer once the stream is consumed', async () => {
    const canary = halfCanary();
    async function* answer() {
      yield 'Hel';
      yield 'lo';
    }
    const stream = invokeAgent(canary, { key: 'canary-user', agent: 'support' }, answer);
    expect(canary.status().canary.samples).toBe(0);
    let text = '';
    for await (const chunk of stream) text += chunk;
    expect(text).toBe('Hello');
    expect(canary.status().canary.samples).toBe(1);
  });
});

describe('invokeAgent with an SDK: each call is recorded exactly once', () => {
  it('lets the processor record (tokens included) and does not record again', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('t');
    for (let i = 0; i < 25; i++) {
      await invokeAgent(canary, { key: 'canary-user', agent: 'support', tracer }, async () => {
        await withTool('search', async () => 'hit', { tracer });
        trace.getActiveSpan()!.setAttribute('gen_ai.usage.output_tokens', 4);
      });
    }
    expect(canary.status().canary).toMatchObject({ samples: 25, outputTokens: 100 });
    expect(canary.status().canary.tools['search']?.samples).toBe(25);
  });

  it('records directly when the sampler made the span non-recording', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary], sampler: new AlwaysOffSampler() });
    for (let i = 0; i < 10; i++) invokeAgent(canary, { key: 'stable-user', agent: 'support', tracer: tracing.provider.getTracer('t') }, () => i);
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    expect(canary.status().stable.samples).toBe(10);
  });

  it('records directly when the pipeline\'s processor does not hold this canary', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [halfCanary({ rolloutId: 'another-rollout' })] });
    invokeAgent(canary, { key: 'stable-user', agent: 'support', tracer: tracing.provider.getTracer('t') }, () => 1);
    expect(tracing.span('invoke_agent support').attributes['canary.rollout.id']).toBe('support-v1.1');
    expect(totalSamples(canary)).toBe(1);
  });

  it('records directly when a processor holding the canary exists but is not in the pipeline', () => {
    const canary = halfCanary();
    new CanarySpanProcessor({ canaries: [canary] });
    const tracing = createTracing();
    invokeAgent(canary, { key: 'stable-user', agent: 'support', tracer: tracing.provider.getTracer('t') }, () => 1);
    expect(totalSamples(canary)).toBe(1);
  });

  it('goes through AgentCanary.invoke the same way', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const version = await canary.invoke({ key: 'canary-user', agent: 'support', tracer: tracing.provider.getTracer('t') },
      async (v) => v);
    expect(version).toBe('agent-v1.1.0');
    expect(tracing.span('invoke_agent support').attributes['gen_ai.agent.version']).toBe('agent-v1.1.0');
    expect(canary.status().canary.samples).toBe(1);
  });
});

describe('invokeAgent span contents', () => {
  it('exports span attributes but never the sticky key or the routing attributes', () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    invokeAgent(canary, {
      key: 'secret-user-77', agent: 'support', attributes: { plan: 'enterprise-plan' },
      spanAttributes: { 'gen_ai.request.model': 'model-x' }, tracer: tracing.provider.getTracer('t'),
    }, () => withTool('search', () => 1, { tracer: tracing.provider.getTracer('t') }));
    const exported = JSON.stringify(tracing.exporter.getFinishedSpans().map((s) => [s.attributes, s.events]));
    expect(tracing.span('invoke_agent support').attributes['gen_ai.request.model']).toBe('model-x');
    expect(exported).not.toContain('secret-user-77');
    expect(exported).not.toContain('enterprise-plan');
  });

  it('rejects an empty agent name without routing', () => {
    const canary = halfCanary();
    expect(() => invokeAgent(canary, { agent: '' }, () => 1)).toThrow(CanaryConfigError);
    expect(totalSamples(canary)).toBe(0);
  });
});

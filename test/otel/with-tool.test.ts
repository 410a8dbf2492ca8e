import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';
import { withAgent } from '../../src/otel/with-agent.ts';
import { traceTool, withTool } from '../../src/otel/with-tool.ts';
import { createTracing, halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

describe('withTool', () => {
  it('creates an INTERNAL execute_tool span with the GenAI tool attributes', async () => {
    const tracing = createTracing();
    const hits = await withTool('search', async () => ['doc-1'], {
      type: 'datastore', callId: 'call_8f2', tracer: tracing.provider.getTracer('t'),
    });
    expect(hits).toEqual(['doc-1']);
    const span = tracing.span('execute_tool search');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search',
      'gen_ai.tool.type': 'datastore', 'gen_ai.tool.call.id': 'call_8f2',
    });
  });

  it('inherits canary attributes from the agent context and feeds the version\'s tool statistics', async () => {
    const canary = halfCanary();
    const tracing = createTracing({ canaries: [canary] });
    const tracer = tracing.provider.getTracer('t');
    await withAgent({ agent: 'support', assignment: canary.route('stable-user'), tracer }, async () => {
      await withTool('lookup', async () => 1, { tracer });
      await expect(withTool('lookup', async () => { throw new Error('timeout'); }, { tracer })).rejects.toThrow('timeout');
    });
    const spans = tracing.exporter.getFinishedSpans().filter((s) => s.name === 'execute_tool lookup');
    expect(spans.map((s) => s.attributes['canary.version'])).toEqual(['agent-v1.0.0', 'agent-v1.0.0']);
    expect(spans.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(canary.status().stable.tools['lookup']).toMatchObject({ samples: 2, successes: 1, failures: 1 });
    expect(canary.status().stable.samples).toBe(1);
  });

  it('rejects an empty tool name', () => {
    expect(() => withTool('', () => 1)).toThrow(CanaryConfigError);
  });
});

describe('traceTool', () => {
  it('wraps a function so that every call is its own tool span with the same result', () => {
    const tracing = createTracing();
    const add = traceTool('add', (a: number, b: number) => a + b, { type: 'function', tracer: tracing.provider.getTracer('t') });
    expect([add(1, 2), add(20, 22)]).toEqual([3, 42]);
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.attributes['gen_ai.tool.type']])).toEqual([
      ['execute_tool add', 'function'], ['execute_tool add', 'function'],
    ]);
  });
});

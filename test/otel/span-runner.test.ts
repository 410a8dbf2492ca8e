import { Readable } from 'node:stream';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { runInSpan } from '../../src/otel/span-runner.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import { createTracing, useAsyncContext } from './harness.ts';

useAsyncContext();

function start(name = 'work') {
  const tracing = createTracing();
  const tracer = tracing.provider.getTracer('test');
  const span = tracer.startSpan(name);
  return { tracing, tracer, span, ctx: trace.setSpan(ROOT_CONTEXT, span) };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
}

describe('runInSpan: plain results', () => {
  it('keeps a sync result sync and ends the span before returning', () => {
    const { tracing, span, ctx } = start();
    const result = runInSpan(span, ctx, (active) => {
      expect(trace.getActiveSpan()).toBe(active);
      return { answer: 42 };
    });
    expect(result).toEqual({ answer: 42 });
    expect(tracing.span('work').ended).toBe(true);
  });

  it('ends the span only when a returned promise settles, resolving to the same value', async () => {
    const { tracing, span, ctx } = start();
    const gate = deferred<string>();
    const result = runInSpan(span, ctx, () => gate.promise);
    expect(result).toBeInstanceOf(Promise);
    await Promise.resolve();
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    gate.resolve('done');
    await expect(result).resolves.toBe('done');
    expect(tracing.span('work').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('keeps the span active across awaits inside the function', async () => {
    const { tracing, tracer, span, ctx } = start();
    await runInSpan(span, ctx, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan('child').end();
    });
    expect(tracing.span('child').parentSpanContext?.spanId).toBe(tracing.span('work').spanContext().spanId);
  });
});

describe('runInSpan: failures', () => {
  it('rethrows the same sync error object and records status, error.type and an exception event', () => {
    const { tracing, span, ctx } = start();
    const error = new QuotaExceededError('quota for tenant exceeded');
    let caught: unknown;
    try {
      runInSpan(span, ctx, () => { throw error; });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    const ended = tracing.span('work');
    expect(ended.status).toEqual({ code: SpanStatusCode.ERROR, message: 'quota for tenant exceeded' });
    expect(ended.attributes['error.type']).toBe('QuotaExceededError');
    const event = ended.events.find((e) => e.name === 'exception');
    expect(event?.attributes?.['exception.type']).toBe('QuotaExceededError');
    expect(event?.attributes?.['exception.message']).toBe('quota for tenant exceeded');
  });

  it('rejects with the same error object when the promise rejects', async () => {
    const { tracing, span, ctx } = start();
    const error = new TypeError('bad input');
    await expect(runInSpan(span, ctx, async () => { throw error; })).rejects.toBe(error);
    expect(tracing.span('work').attributes['error.type']).toBe('TypeError');
    expect(tracing.span('work').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('uses _OTHER for thrown values without a name and passes them through unchanged', () => {
    const { tracing, span, ctx } = start();
    const thrown = { code: 503 };
    expect(() => runInSpan(span, ctx, () => { throw thrown; })).toThrow(expect.objectContaining({ code: 503 }));
    expect(tracing.span('work').attributes['error.type']).toBe('_OTHER');
    expect(tracing.span('work').events.map((e) => e.name)).toContain('exception');
  });

  it('keeps an error.type the caller set on the span', async () => {
    const { tracing, span, ctx } = start();
    await expect(runInSpan(span, ctx, async (active: Span) => {
      active.setAttribute('error.type', 'rate_limited');
      throw new Error('429');
    })).rejects.toThrow('429');
    expect(tracing.span('work').attributes['error.type']).toBe('rate_limited');
  });
});

describe('runInSpan: streams', () => {
  async function* chunks(words: string[], pauseMs: number) {
    for (const word of words) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      yield word;
    }
  }

  it('keeps the span open until the stream is consumed and sets time_to_first_chunk', async () => {
    const { tracing, span, ctx } = start();
    const stream = runInSpan(span, ctx, () => chunks(['a', 'b', 'c'], 5));
    const received: string[] = [];
    for await (const chunk of stream) {
      received.push(chunk);
      expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    }
    expect(received).toEqual(['a', 'b', 'c']);
    const ended = tracing.span('work');
    const ttfc = ended.attributes['gen_ai.response.time_to_first_chunk'] as number;
    const durationS = ended.duration[0] + ended.duration[1] / 1e9;
    expect(ttfc).toBeGreaterThan(0.003);
    expect(ttfc).toBeLessThan(durationS);
    expect(ended.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('treats a promise of a stream (an async function returning a stream) as that stream', async () => {
    const { tracing, span, ctx } = start();
    const stream = await runInSpan(span, ctx, async () => chunks(['x', 'y'], 2));
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
    const received: string[] = [];
    for await (const chunk of stream) received.push(chunk);
    expect(received).toEqual(['x', 'y']);
    expect(tracing.span('work').attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  it('ends the span when the consumer breaks early, and closes the source', async () => {
    const { tracing, span, ctx } = start();
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const n of runInSpan(span, ctx, endless)) if (n === 2) break;
    expect(closed).toBe(true);
    expect(tracing.span('work').ended).toBe(true);
    expect(tracing.span('work').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records a stream that throws midway and rethrows the same error', async () => {
    const { tracing, span, ctx } = start();
    const error = new RangeError('context window exceeded');
    async function* failing() {
      yield 'partial';
      throw error;
    }
    const received: string[] = [];
    await expect((async () => {
      for await (const chunk of runInSpan(span, ctx, failing)) received.push(chunk);
    })()).rejects.toBe(error);
    expect(received).toEqual(['partial']);
    expect(tracing.span('work').attributes['error.type']).toBe('RangeError');
  });

  it('pulls the stream inside the span context, so spans started by the generator are its children', async () => {
    const { tracing, tracer, span, ctx } = start();
    async function* agent() {
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield withTool('search', () => 'hit', { tracer });
    }
    const stream = runInSpan(span, ctx, agent);
    for await (const _ of stream) { /* drain */ }
    expect(tracing.span('execute_tool search').parentSpanContext?.spanId).toBe(tracing.span('work').spanContext().spanId);
  });

  it('returns Node streams unchanged and ends the span at once', () => {
    const { tracing, span, ctx } = start();
    const readable = Readable.from(['x']);
    expect(runInSpan(span, ctx, () => readable)).toBe(readable);
    expect(tracing.span('work').ended).toBe(true);
  });
});

import { context, diag, SpanStatusCode, type Context, type Exception, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ERROR_TYPE_VALUE_OTHER } from './semconv.ts';

/**
 * What running `fn` inside a span returns: a promise-like result becomes a `Promise` of the same value
 * (settled after the span ended); anything else is returned as is, so sync functions stay sync. An
 * async-iterable result is replaced by an async iterator over the same items (see `runInSpan`).
 */
export type SpanResult<T> = T extends PromiseLike<infer U> ? Promise<U> : T;

/** Told once, after the span ended, whether the work failed (and with what). Errors it throws go to `diag`. */
export interface SpanRunObserver {
  settled(failed: boolean, error: unknown): void;
}

/**
 * Runs `fn(span)` with `ctx` active and ends `span` when the work is over:
 * - sync result: ends now; a sync throw is recorded and rethrown;
 * - promise-like: ends when it settles; a rejection is recorded and the returned promise rejects with
 *   the same error object; a promise of an async iterable is treated as that stream (below);
 * - async iterable (streamed output, e.g. an async generator): returns an async iterator over the same
 *   items, pulled with `ctx` active, that keeps the span open until the stream ends, throws or is
 *   returned early (`break`), and sets `gen_ai.response.time_to_first_chunk` (seconds) at the first
 *   item. Other members of the original object are not carried over. Node and web streams (objects
 *   with `pipe` or `getReader`) are returned unchanged and end the span at once. A stream that is
 *   never consumed leaves its span open.
 *
 * A failure sets status ERROR, `error.type` (the error's `name`, or `_OTHER`; a value the caller
 * already set is kept) and an `exception` event. Telemetry errors never replace the user's outcome.
 */
export function runInSpan<T>(span: Span, ctx: Context, fn: (span: Span) => T, observer?: SpanRunObserver): SpanResult<T> {
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (error) {
    finishSpan(span, observer, true, error);
    throw error;
  }
  if (isPromiseLike(result)) return endWhenSettled(result, span, ctx, observer) as SpanResult<T>;
  if (isWrappableStream(result)) return new SpanStream(result, span, ctx, observer) as SpanResult<T>;
  finishSpan(span, observer, false, undefined);
  return result as SpanResult<T>;
}

/** Marks `span` as failed by `error`: status ERROR, `error.type` unless already set, `exception` event. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(asException(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
  if (attributeOf(span, ATTR_ERROR_TYPE) === undefined) span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
}

/** Low-cardinality error class for `error.type`: the error's `name`, or `_OTHER`. */
export function errorTypeOf(error: unknown): string {
  const name: unknown = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : ERROR_TYPE_VALUE_OTHER;
}

/** Ends the span when the promise settles, or, when it resolves to a stream, when that stream ends. */
async function endWhenSettled<U>(promise: PromiseLike<U>, span: Span, ctx: Context, observer: SpanRunObserver | undefined): Promise<U> {
  let value: U;
  try {
    value = await promise;
  } catch (error) {
    finishSpan(span, observer, true, error);
    throw error;
  }
  if (isWrappableStream(value)) return new SpanStream(value, span, ctx, observer) as U;
  finishSpan(span, observer, false, undefined);
  return value;
}

function finishSpan(span: Span, observer: SpanRunObserver | undefined, failed: boolean, error: unknown): void {
  try {
    if (failed) recordFailure(span, error);
    span.end();
  } catch (telemetryError) {
    diag.warn('agent-canary: could not end a span', telemetryError);
  }
  if (observer === undefined) return;
  try {
    observer.settled(failed, error);
  } catch (telemetryError) {
    diag.warn('agent-canary: could not record a finished call', telemetryError);
  }
}

/** Keeps the span open over a stream; one object per stream, no closures per item. */
class SpanStream<T> implements AsyncIterableIterator<T> {
  private readonly _iterator: AsyncIterator<T>;
  private readonly _span: Span;
  private readonly _ctx: Context;
  private readonly _observer: SpanRunObserver | undefined;
  private readonly _startedAt = performance.now();
  private _sawFirstChunk = false;
  private _finished = false;

  constructor(source: AsyncIterable<T>, span: Span, ctx: Context, observer: SpanRunObserver | undefined) {
    this._span = span;
    this._ctx = ctx;
    this._observer = observer;
    this._iterator = context.with(ctx, source[Symbol.asyncIterator], source);
  }

  async next(...args: [] | [unknown]): Promise<IteratorResult<T>> {
    let result: IteratorResult<T>;
    try {
      result = await context.with(this._ctx, this._iterator.next, this._iterator, ...args);
    } catch (error) {
      this._finish(true, error);
      throw error;
    }
    if (result.done === true) this._finish(false, undefined);
    else if (!this._sawFirstChunk) this._markFirstChunk();
    return result;
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    const iterator = this._iterator;
    let result: IteratorResult<T>;
    try {
      result = iterator.return === undefined
        ? { done: true, value: value as T }
        : await context.with(this._ctx, iterator.return, iterator, value);
    } catch (error) {
      this._finish(true, error);
      throw error;
    }
    this._finish(false, undefined);
    return result;
  }

  async throw(injected?: unknown): Promise<IteratorResult<T>> {
    const iterator = this._iterator;
    if (iterator.throw === undefined) {
      this._finish(true, injected);
      throw injected;
    }
    let result: IteratorResult<T>;
    try {
      result = await context.with(this._ctx, iterator.throw, iterator, injected);
    } catch (error) {
      this._finish(true, error);
      throw error;
    }
    if (result.done === true) this._finish(false, undefined);
    return result;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private _markFirstChunk(): void {
    this._sawFirstChunk = true;
    try {
      this._span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, (performance.now() - this._startedAt) / 1000);
    } catch (telemetryError) {
      diag.warn('agent-canary: could not set time_to_first_chunk', telemetryError);
    }
  }

  private _finish(failed: boolean, error: unknown): void {
    if (this._finished) return;
    this._finished = true;
    finishSpan(this._span, this._observer, failed, error);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    && typeof (value as { then?: unknown }).then === 'function';
}

function isWrappableStream(value: unknown): value is AsyncIterable<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { [Symbol.asyncIterator]?: unknown; pipe?: unknown; getReader?: unknown };
  return typeof candidate[Symbol.asyncIterator] === 'function'
    && typeof candidate.pipe !== 'function' && typeof candidate.getReader !== 'function';
}

function asException(error: unknown): Exception {
  if (error instanceof Error || typeof error === 'string') return error;
  return { name: errorTypeOf(error), message: String(error) };
}

function messageOf(error: unknown): string | undefined {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : undefined;
}

/** Reads an attribute when the span is an SDK span (the API `Span` has no getter). */
function attributeOf(span: Span, key: string): unknown {
  return (span as { attributes?: Readonly<Record<string, unknown>> }).attributes?.[key];
}

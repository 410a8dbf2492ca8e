import { ROOT_CONTEXT, type Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type Span as SdkSpan, type SpanLimits } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/routing/assignment.ts';
import { stampAssignment } from '../../src/otel/assignment-attributes.ts';

const assignment: Assignment = Object.freeze({
  rolloutId: 'support-agent-v1.1', version: 'agent-v1.1.0', role: 'canary', bucket: 17, trafficPercent: 5, stage: 1, reason: 'split',
});

const canaryValues: Attributes = {
  'canary.rollout.id': assignment.rolloutId, 'canary.version': assignment.version, 'canary.role': assignment.role,
  'canary.stage': assignment.stage, 'canary.traffic.percent': assignment.trafficPercent,
};

/** What the contract says: `setAttribute` for every canary attribute the caller did not set. */
function stampWithSetAttribute(span: SdkSpan, from: Attributes): void {
  for (const [name, value] of Object.entries(from)) {
    if (span.attributes[name] === undefined) span.setAttribute(name, value);
  }
}

function startSpan(spanLimits: SpanLimits, attributes: Attributes): SdkSpan {
  const provider = new TracerProvider({ spanLimits, spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  return provider.getTracer('test').startSpan('execute_tool search', { attributes }, ROOT_CONTEXT) as SdkSpan;
}

/** Stamps, then adds three more attributes through the public API, so the SDK's own count is exercised. */
function outcome(span: SdkSpan, stamp: (span: SdkSpan) => void): { attributes: Attributes; dropped: number } {
  stamp(span);
  for (let i = 0; i < 3; i++) span.setAttribute(`later.${i}`, i);
  span.end();
  return { attributes: { ...span.attributes }, dropped: span.droppedAttributesCount };
}

function countSetAttributeCalls(span: SdkSpan): () => number {
  let calls = 0;
  const original = span.setAttribute.bind(span);
  span.setAttribute = (key, value) => {
    calls++;
    return original(key, value);
  };
  return () => calls;
}

describe('stampAssignment', () => {
  const cases: { name: string; limits: SpanLimits; attributes: Attributes }[] = [
    { name: 'default limits', limits: {}, attributes: { 'gen_ai.tool.name': 'search' } },
    { name: 'caller-set canary attributes', limits: {}, attributes: { 'canary.version': 'pinned', 'canary.stage': 9 } },
    { name: 'count limit reached midway', limits: { attributeCountLimit: 4 }, attributes: { a: 1, b: 2 } },
    { name: 'count limit exactly met', limits: { attributeCountLimit: 6 }, attributes: { a: 1 } },
    { name: 'count limit already full', limits: { attributeCountLimit: 2 }, attributes: { a: 1, b: 2 } },
    { name: 'value length limit', limits: { attributeValueLengthLimit: 5 }, attributes: {} },
    { name: 'value length limit just fits', limits: { attributeValueLengthLimit: 18 }, attributes: {} },
  ];

  for (const { name, limits, attributes } of cases) {
    it(`leaves the span exactly as setAttribute would: ${name}`, () => {
      const expected = outcome(startSpan(limits, attributes), (span) => stampWithSetAttribute(span, canaryValues));
      const actual = outcome(startSpan(limits, attributes), (span) => stampAssignment(span, assignment));
      expect(actual).toEqual(expected);
    });
  }

  it('bypasses setAttribute on SDK spans within their limits (the cheap path is really taken)', () => {
    const span = startSpan({}, { 'gen_ai.tool.name': 'search' });
    const calls = countSetAttributeCalls(span);
    stampAssignment(span, assignment);
    expect(calls()).toBe(0);
    expect(span.attributes).toMatchObject(canaryValues);
  });

  it('goes through setAttribute when a limit is within reach', () => {
    const span = startSpan({ attributeCountLimit: 5 }, { 'gen_ai.tool.name': 'search' });
    const calls = countSetAttributeCalls(span);
    stampAssignment(span, assignment);
    expect(calls()).toBe(5);
    expect(span.droppedAttributesCount).toBe(1);
  });

  it('goes through setAttribute for a span that is not the SDK\'s, and for values of unexpected types', () => {
    const set: Attributes = {};
    const foreign = { attributes: set, setAttribute: (key: string, value: unknown) => void (set[key] = value as string) };
    stampAssignment(foreign as unknown as SdkSpan, assignment);
    expect(set).toEqual(canaryValues);

    const span = startSpan({}, {});
    const calls = countSetAttributeCalls(span);
    stampAssignment(span, { ...assignment, version: 42 as unknown as string });
    expect(calls()).toBe(5);
    expect(span.attributes['canary.version']).toBe(42);
  });
});

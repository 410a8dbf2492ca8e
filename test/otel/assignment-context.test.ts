import { context, defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { assignmentFrom, currentAssignment, withAssignment } from '../../src/otel/assignment-context.ts';
import { halfCanary, useAsyncContext } from './harness.ts';

useAsyncContext();

const propagator = new W3CBaggagePropagator();

function baggageContext(entries: Record<string, string>) {
  const baggage = propagation.createBaggage(Object.fromEntries(Object.entries(entries).map(([k, value]) => [k, { value }])));
  return propagation.setBaggage(ROOT_CONTEXT, baggage);
}

const validEntries = {
  'canary.rollout.id': 'support-v1.1', 'canary.version': 'agent-v1.1.0', 'canary.role': 'canary',
  'canary.stage': '2', 'canary.traffic.percent': '25',
};

describe('withAssignment / assignmentFrom', () => {
  it('carries the very assignment object in the context and exposes it as the current one inside', () => {
    const assignment = halfCanary().route('canary-user');
    const ctx = withAssignment(ROOT_CONTEXT, assignment);
    expect(assignmentFrom(ctx)).toBe(assignment);
    expect(currentAssignment()).toBeUndefined();
    const inside = context.with(ctx, () => currentAssignment());
    expect(inside).toBe(assignment);
  });

  it('writes the five canary baggage entries and keeps the caller\'s own entries', () => {
    const assignment = halfCanary().route('stable-user');
    const userBaggage = propagation.createBaggage({ tenant: { value: 'acme' }, 'canary.version': { value: 'stale' } });
    const ctx = withAssignment(propagation.setBaggage(ROOT_CONTEXT, userBaggage), assignment);
    const entries = Object.fromEntries(propagation.getBaggage(ctx)!.getAllEntries().map(([k, e]) => [k, e.value]));
    expect(entries).toEqual({
      tenant: 'acme',
      'canary.rollout.id': 'support-v1.1',
      'canary.version': assignment.version,
      'canary.role': 'stable',
      'canary.stage': String(assignment.stage),
      'canary.traffic.percent': String(assignment.trafficPercent),
    });
  });

  it('shares one baggage object between requests with the same entries, and builds a new one when they change', () => {
    const canary = halfCanary();
    const entriesOf = (ctx: ReturnType<typeof withAssignment>) =>
      Object.fromEntries(propagation.getBaggage(ctx)!.getAllEntries().map(([k, e]) => [k, e.value]));
    const baggageOf = (ctx: ReturnType<typeof withAssignment>) => propagation.getBaggage(ctx);
    const first = withAssignment(ROOT_CONTEXT, canary.route('canary-user'));
    const again = withAssignment(ROOT_CONTEXT, canary.route('canary-user'));
    const stable = withAssignment(ROOT_CONTEXT, canary.route('stable-user'));
    expect(baggageOf(again)).toBe(baggageOf(first));
    expect(baggageOf(stable)).not.toBe(baggageOf(first));
    expect(entriesOf(stable)['canary.role']).toBe('stable');

    const moved = { ...canary.route('canary-user'), stage: 3, trafficPercent: 75 };
    expect(entriesOf(withAssignment(ROOT_CONTEXT, moved))).toMatchObject({ 'canary.stage': '3', 'canary.traffic.percent': '75' });
    expect(entriesOf(first)).toMatchObject({ 'canary.role': 'canary', 'canary.traffic.percent': '50' });
    expect(entriesOf(withAssignment(ROOT_CONTEXT, canary.route('canary-user')))['canary.traffic.percent']).toBe('50');
  });

  it('keeps every rollout\'s baggage right past the cache bound', () => {
    const assignment = halfCanary().route('canary-user');
    for (let i = 0; i < 600; i++) {
      const ctx = withAssignment(ROOT_CONTEXT, { ...assignment, rolloutId: `rollout-${i % 300}` });
      expect(propagation.getBaggage(ctx)!.getEntry('canary.rollout.id')?.value).toBe(`rollout-${i % 300}`);
    }
  });

  it('round-trips through the W3C baggage header into another process\'s context, without the sticky key', () => {
    const canary = halfCanary();
    const key = 'user-with-a-secret-id-4711';
    const assignment = canary.route(key);
    const carrier: Record<string, string> = {};
    propagator.inject(withAssignment(ROOT_CONTEXT, assignment), carrier, defaultTextMapSetter);
    expect(JSON.stringify(carrier)).not.toContain(key);

    const downstream = assignmentFrom(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
    expect(downstream).toEqual({
      rolloutId: assignment.rolloutId, version: assignment.version, role: assignment.role,
      stage: assignment.stage, trafficPercent: assignment.trafficPercent, bucket: null, reason: 'propagated',
    });
  });

  it('parses one baggage object once: every span of a request gets the same assignment object', () => {
    const ctx = baggageContext(validEntries);
    const first = assignmentFrom(ctx);
    expect(first?.version).toBe('agent-v1.1.0');
    expect(assignmentFrom(ctx.setValue(Symbol('other'), 1))).toBe(first);
  });

  it.each([
    ['missing version', { ...validEntries, 'canary.version': undefined }],
    ['empty rollout id', { ...validEntries, 'canary.rollout.id': '' }],
    ['unknown role', { ...validEntries, 'canary.role': 'admin' }],
    ['negative stage', { ...validEntries, 'canary.stage': '-1' }],
    ['fractional stage', { ...validEntries, 'canary.stage': '1.5' }],
    ['percent above 100', { ...validEntries, 'canary.traffic.percent': '250' }],
    ['non-numeric percent', { ...validEntries, 'canary.traffic.percent': 'lots' }],
    ['empty percent', { ...validEntries, 'canary.traffic.percent': '' }],
  ])('rejects baggage with %s', (_label, entries) => {
    const defined = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect(assignmentFrom(baggageContext(defined))).toBeUndefined();
  });

  it('prefers the in-process assignment over baggage entries', () => {
    const assignment = halfCanary().route('stable-user');
    const ctx = baggageContext(validEntries).setValue(Symbol('unrelated'), true);
    expect(assignmentFrom(ctx)?.role).toBe('canary');
    expect(assignmentFrom(withAssignment(ctx, assignment))).toBe(assignment);
  });
});

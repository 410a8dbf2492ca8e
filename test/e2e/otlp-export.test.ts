/**
 * End to end through the real NodeSDK: startCanaryTelemetry → OTLP/HTTP → an in-process receiver, once
 * with JSON and once with protobuf. What the receiver decodes is what Jaeger and Grafana would ingest.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCanary } from '../../src/canary.ts';
import { withTool } from '../../src/otel/with-tool.ts';
import {
  EXECUTE_TOOL_DURATION_BUCKETS, INSTRUMENTATION_SCOPE, INVOKE_AGENT_DURATION_BUCKETS,
} from '../../src/otel/semconv.ts';
import type { Decision } from '../../src/rollout/decision.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { Stage } from '../../src/rollout/stage.ts';
import { startCanaryTelemetry, type CanaryTelemetry, type OtlpHttpProtocol } from '../../src/setup/index.ts';
import { OtlpReceiver, type ReceivedMetricPoint, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { resetOtelGlobals } from '../support/otel-globals.ts';

const SERVICE = 'support-agent-e2e';
const STABLE = 'agent-v1.0.0';
const CANARY = 'agent-v1.1.0';
const CALLS = 60;

/** What the test itself saw, to compare with what arrived. */
interface Scenario {
  readonly receiver: OtlpReceiver;
  readonly telemetry: CanaryTelemetry;
  readonly canary: AgentCanary;
  /** Agent span id → the version `fn` was called with. */
  readonly versionBySpanId: Map<string, string>;
  /** `${version}|${outcome}` → number of calls. */
  readonly outcomes: Map<string, number>;
  readonly decisions: Decision[];
}

const ENV_KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;

async function runScenario(protocol: OtlpHttpProtocol): Promise<Scenario> {
  const receiver = await OtlpReceiver.start();
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
  delete process.env['OTEL_EXPORTER_OTLP_PROTOCOL'];
  const canary = new AgentCanary({
    rolloutId: 'support-agent-v1.1', stable: STABLE, canary: CANARY,
    rollout: new Rollout({ stages: [new Stage({ percent: 50, minSamples: 1_000 }), new Stage({ percent: 75 }), new Stage({ percent: 100 })] }),
  });
  const telemetry = startCanaryTelemetry({
    serviceName: SERVICE, canaries: [canary], otlp: { protocol }, resourceDetectors: [],
    resourceAttributes: { 'deployment.environment.name': 'e2e' }, metricExportIntervalMillis: 600_000, includeHolds: true,
  });
  const scenario: Scenario = { receiver, telemetry, canary, versionBySpanId: new Map(), outcomes: new Map(), decisions: [] };
  canary.onDecision((d) => scenario.decisions.push(d));
  for (let i = 0; i < CALLS; i++) await invokeOnce(scenario, i);
  await canary.autoDecide();
  await canary.promote();
  await canary.rollback('canary answers are worse');
  await telemetry.forceFlush();
  return scenario;
}

async function invokeOnce(scenario: Scenario, i: number): Promise<void> {
  let calledWith = '';
  try {
    await scenario.canary.invoke({ key: `user-${i}`, agent: 'support' }, async (version) => {
      calledWith = version;
      scenario.versionBySpanId.set(trace.getActiveSpan()?.spanContext().spanId ?? '', version);
      await withTool('search', async () => {
        // A third-party library's span, started inside the tool call.
        trace.getTracer('third-party-http').startActiveSpan('GET /kb', (span) => span.end());
      });
      if (version === CANARY && i % 7 === 0) throw new TypeError('model refused');
      return 'answer';
    });
    count(scenario.outcomes, `${calledWith}|success`);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    count(scenario.outcomes, `${calledWith}|error`);
  }
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

describe.each<OtlpHttpProtocol>(['http/json', 'http/protobuf'])('OTLP export over %s', (protocol) => {
  let s: Scenario;
  const saved = { ...process.env };

  beforeAll(async () => {
    s = await runScenario(protocol);
  });

  afterAll(async () => {
    await s?.telemetry.shutdown();
    await s?.receiver.close();
    resetOtelGlobals();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const agentSpans = (): ReceivedSpan[] => s.receiver.spans.filter((span) => span.name === 'invoke_agent support');

  it('sends every signal with the chosen encoding and a decodable body', () => {
    const expected = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    for (const path of ['/v1/traces', '/v1/metrics', '/v1/logs']) {
      const requests = s.receiver.requests.filter((r) => r.path === path);
      expect(requests.length, path).toBeGreaterThan(0);
      for (const r of requests) expect(r.contentType, path).toContain(expected);
    }
    expect(s.receiver.errors).toEqual([]);
  });

  it('exports one invoke_agent span per call with gen_ai.* and canary.* attributes of the routed version', () => {
    const spans = agentSpans();
    expect(spans).toHaveLength(CALLS);
    for (const span of spans) {
      const routed = s.versionBySpanId.get(span.spanId);
      expect(routed, 'span id seen inside fn').toBeDefined();
      expect(span.kind).toBe(1);
      expect(span.parentSpanId).toBe('');
      expect(span.resource['service.name']).toBe(SERVICE);
      expect(span.resource['deployment.environment.name']).toBe('e2e');
      expect(span.scope.name).toBe(INSTRUMENTATION_SCOPE);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'gen_ai.agent.version': routed,
        'canary.version': routed, 'canary.role': routed === CANARY ? 'canary' : 'stable',
        'canary.rollout.id': 'support-agent-v1.1', 'canary.stage': 0, 'canary.traffic.percent': 50,
      });
      expect(Object.values(span.attributes), 'the raw sticky key is never exported').not.toContainEqual(expect.stringMatching(/^user-/));
    }
    const versions = new Set(spans.map((span) => span.attributes['canary.version']));
    expect(versions).toEqual(new Set([STABLE, CANARY]));
  });

  it('makes the tool span and a third-party span children that inherit canary.*', () => {
    const byId = new Map(s.receiver.spans.map((span) => [span.spanId, span]));
    const thirdParty = s.receiver.spans.filter((span) => span.name === 'GET /kb');
    expect(thirdParty).toHaveLength(CALLS);
    for (const leaf of thirdParty) {
      const tool = byId.get(leaf.parentSpanId);
      expect(tool?.name).toBe('execute_tool search');
      const agent = byId.get(tool?.parentSpanId ?? '');
      expect(agent?.name).toBe('invoke_agent support');
      expect(new Set([leaf.traceId, tool?.traceId, agent?.traceId]).size).toBe(1);
      expect(leaf.scope.name).toBe('third-party-http');
      expect(tool?.attributes['gen_ai.tool.name']).toBe('search');
      for (const key of ['canary.rollout.id', 'canary.version', 'canary.role', 'canary.stage', 'canary.traffic.percent']) {
        expect(tool?.attributes[key], key).toEqual(agent?.attributes[key]);
        expect(leaf.attributes[key], key).toEqual(agent?.attributes[key]);
      }
    }
  });

  it('marks failed calls with status ERROR and error.type, and only those', () => {
    const failed = agentSpans().filter((span) => span.status.code === 2);
    expect(failed.length).toBe(s.outcomes.get(`${CANARY}|error`));
    expect(failed.length).toBeGreaterThan(0);
    for (const span of failed) {
      expect(span.attributes['error.type']).toBe('TypeError');
      expect(span.attributes['canary.version']).toBe(CANARY);
      expect(span.events.map((e) => e.name)).toContain('exception');
    }
  });

  it('exports each decision as a root canary.decision span with gate events carrying the evidence', () => {
    const decisionSpans = s.receiver.spans.filter((span) => span.name === 'canary.decision');
    expect(decisionSpans.map((span) => span.attributes['canary.decision.action'])).toEqual(s.decisions.map((d) => d.action));
    expect(s.decisions.map((d) => d.action)).toEqual(['hold', 'promote', 'rollback']);
    for (const [i, decision] of s.decisions.entries()) {
      const span = decisionSpans[i] as ReceivedSpan;
      expect(span.parentSpanId).toBe('');
      expect(span.kind).toBe(1);
      expect(span.attributes).toMatchObject({
        'canary.rollout.id': decision.rolloutId, 'canary.decision.source': decision.source,
        'canary.decision.revision': decision.revision, 'canary.decision.reasons': [...decision.reasons],
        'canary.decision.from.state': decision.from.state, 'canary.decision.from.stage': decision.from.stageIndex,
        'canary.decision.from.percent': decision.from.percent, 'canary.decision.to.state': decision.to.state,
        'canary.decision.to.stage': decision.to.stageIndex, 'canary.decision.to.percent': decision.to.percent,
      });
      expect(span.events).toHaveLength(decision.gates.length);
      for (const [j, gate] of decision.gates.entries()) {
        const event = span.events[j];
        expect(event?.name).toBe('canary.gate');
        expect(event?.attributes).toMatchObject({
          'canary.gate': gate.gate, 'canary.gate.status': gate.status, 'canary.gate.effect': gate.effect, 'canary.gate.reason': gate.reason,
        });
        for (const [key, value] of Object.entries(gate.evidence)) {
          if (value !== null) expect(event?.attributes[`canary.evidence.${key}`], key).toBe(value);
        }
      }
    }
    const auto = s.decisions[0] as Decision;
    expect(auto.source).toBe('auto');
    expect(auto.gates.length).toBeGreaterThan(0);
  });

  it('exports each decision as a canary.decision log record tied to its span, with the whole decision as body', () => {
    const records = s.receiver.logRecords.filter((r) => r.eventName === 'canary.decision');
    expect(records.map((r) => r.attributes['canary.decision.action'])).toEqual(s.decisions.map((d) => d.action));
    const decisionSpans = s.receiver.spans.filter((span) => span.name === 'canary.decision');
    for (const [i, decision] of s.decisions.entries()) {
      const record = records[i];
      expect(record?.severityNumber).toBe(decision.action === 'rollback' ? 13 : 9);
      expect(record?.resource['service.name']).toBe(SERVICE);
      expect(record?.spanId).toBe(decisionSpans[i]?.spanId);
      expect(record?.traceId).toBe(decisionSpans[i]?.traceId);
      expect(record?.attributes['canary.decision.to.percent']).toBe(decision.to.percent);
      expect(record?.body).toEqual({
        rolloutId: decision.rolloutId, action: decision.action, source: decision.source, at: decision.at,
        revision: decision.revision, from: { ...decision.from }, to: { ...decision.to }, reasons: [...decision.reasons],
        gates: decision.gates.map((g) => ({ gate: g.gate, status: g.status, effect: g.effect, reason: g.reason, evidence: { ...g.evidence } })),
      });
    }
  });

  it('exports the GenAI duration histograms with the GenAI buckets, per version', () => {
    const agent = s.receiver.points('gen_ai.invoke_agent.duration');
    expect(new Set(agent.map((p) => p.attributes['canary.version']))).toEqual(new Set([STABLE, CANARY]));
    for (const p of agent) {
      expect(p.type).toBe('histogram');
      expect(p.unit).toBe('s');
      expect(p.explicitBounds).toEqual(INVOKE_AGENT_DURATION_BUCKETS);
      expect(p.attributes['gen_ai.agent.name']).toBe('support');
    }
    expect(agent.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(CALLS);
    const tool = s.receiver.points('gen_ai.execute_tool.duration');
    expect(tool.length).toBeGreaterThan(0);
    for (const p of tool) expect(p.explicitBounds).toEqual(EXECUTE_TOOL_DURATION_BUCKETS);
    expect(tool.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(CALLS);
  });

  it('counts canary.invocations.total by version and outcome as the calls happened', () => {
    const points = s.receiver.points('canary.invocations.total');
    expect(points.every((p) => p.type === 'sum' && p.isMonotonic === true)).toBe(true);
    const exported = new Map(points.map((p) => [`${String(p.attributes['canary.version'])}|${String(p.attributes['outcome'])}`, p.value]));
    expect(exported).toEqual(s.outcomes);
    for (const p of points) expect(p.attributes['canary.role']).toBe(p.attributes['canary.version'] === CANARY ? 'canary' : 'stable');
  });

  it('exports the status gauges as status() reports them', () => {
    const status = s.canary.status();
    const rollout = { 'canary.rollout.id': 'support-agent-v1.1' };
    const traffic = only(s.receiver.points('canary.traffic.percent'), 'traffic');
    expect(traffic).toMatchObject({ type: 'gauge', unit: '%', value: status.trafficPercent, attributes: rollout });
    expect(only(s.receiver.points('canary.stage'), 'stage').value).toBe(status.stageIndex);
    const states = s.receiver.points('canary.state');
    expect(states).toHaveLength(4);
    for (const p of states) expect(p.value, String(p.attributes['canary.state'])).toBe(p.attributes['canary.state'] === status.state ? 1 : 0);
    expect(status.state).toBe('rolled_back');

    for (const stats of [status.stable, status.canary]) {
      const mine = (points: ReceivedMetricPoint[]): ReceivedMetricPoint[] => points.filter((p) => p.attributes['canary.version'] === stats.version);
      const ratio = only(mine(s.receiver.points('canary.success.ratio')), `ratio ${stats.version}`);
      expect(ratio).toMatchObject({ unit: '1', value: stats.successRate, attributes: { ...rollout, 'canary.role': stats.version === CANARY ? 'canary' : 'stable' } });
      const latency = mine(s.receiver.points('canary.latency.seconds'));
      expect(latency.map((p) => p.attributes['quantile']).sort()).toEqual([0.5, 0.95, 0.99]);
      for (const p of latency) {
        const key = ({ 0.5: 'p50', 0.95: 'p95', 0.99: 'p99' } as const)[p.attributes['quantile'] as 0.5 | 0.95 | 0.99];
        expect(p.unit).toBe('s');
        expect(p.value).toBeCloseTo((stats.latencyMs?.[key] ?? NaN) / 1000, 9);
      }
    }
    const withEValue = s.canary.gateEvidence().filter((g) => typeof g.evidence['eValue'] === 'number');
    expect(withEValue.length).toBeGreaterThan(0);
    const eValues = s.receiver.points('canary.gate.e_value');
    expect(new Map(eValues.map((p) => [p.attributes['canary.gate'], p.value]))).toEqual(new Map(withEValue.map((g) => [g.gate, g.evidence['eValue']])));
    for (const p of eValues) expect(p.unit).toBe('');
  });

  it('counts decisions in canary.decisions.total by action and source', () => {
    const points = s.receiver.points('canary.decisions.total');
    const exported = new Map(points.map((p) => [`${String(p.attributes['canary.decision.action'])}|${String(p.attributes['canary.decision.source'])}`, p.value]));
    expect(exported).toEqual(new Map([['hold|auto', 1], ['promote|operator', 1], ['rollback|operator', 1]]));
  });
});

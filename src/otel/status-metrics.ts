import {
  diag, metrics,
  type Attributes, type BatchObservableResult, type Meter, type MeterProvider, type ObservableGauge,
} from '@opentelemetry/api';
import { CanaryConfigError } from '../errors.ts';
import type { VersionStats } from '../metrics/version-stats.ts';
import type { GateResult, RolloutStateName } from '../rollout/decision.ts';
import type { Role } from '../routing/assignment.ts';
import type { InstrumentedCanary } from './instrumented-canary.ts';
import {
  ATTR_CANARY_GATE, ATTR_CANARY_ROLE, ATTR_CANARY_ROLLOUT_ID, ATTR_CANARY_STATE, ATTR_CANARY_VERSION, ATTR_QUANTILE,
  INSTRUMENTATION_SCOPE, METRIC_CANARY_GATE_E_VALUE, METRIC_CANARY_LATENCY, METRIC_CANARY_STAGE, METRIC_CANARY_STATE,
  METRIC_CANARY_SUCCESS_RATIO, METRIC_CANARY_TRAFFIC_PERCENT,
} from './semconv.ts';

/** Options of `registerStatusMetrics`. */
export interface StatusMetricsOptions {
  /** Where the gauges live. Default: the global meter provider at the time of the call. */
  readonly meterProvider?: MeterProvider;
}

/** Handle returned by `registerStatusMetrics`. */
export interface StatusMetricsRegistration {
  /**
   * Stops observing: later collections no longer call `status()`. (Under cumulative temporality the SDK
   * may keep repeating the last observed points.) Idempotent.
   */
  unregister(): void;
}

const ROLLOUT_STATES: readonly RolloutStateName[] = ['running', 'paused', 'completed', 'rolled_back'];
const QUANTILES = [
  { quantile: 0.5, key: 'p50' },
  { quantile: 0.95, key: 'p95' },
  { quantile: 0.99, key: 'p99' },
] as const;

interface StatusGauges {
  readonly trafficPercent: ObservableGauge;
  readonly stage: ObservableGauge;
  readonly state: ObservableGauge;
  readonly successRatio: ObservableGauge;
  readonly latency: ObservableGauge;
  readonly gateEValue: ObservableGauge;
}

/**
 * Registers the status gauges of `canaries` (`canary.traffic.percent`, `canary.stage`, `canary.state`,
 * `canary.success.ratio`, `canary.latency.seconds`, `canary.gate.e_value`) with one batch callback that
 * calls `status()` once per canary per collection. Every point carries `canary.rollout.id`; per-version
 * points also `canary.version` and `canary.role`. Versions without samples report no ratio or latency
 * (no data is never success). The callback never throws: a failing canary is reported through `diag`
 * and skipped. Throws `CanaryConfigError` when `canaries` is not an array.
 */
export function registerStatusMetrics(
  canaries: readonly InstrumentedCanary[],
  options: StatusMetricsOptions = {},
): StatusMetricsRegistration {
  if (!Array.isArray(canaries)) throw new CanaryConfigError('canaries', 'an array of canaries', canaries);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
  const gauges = createGauges(meter);
  const observables = Object.values(gauges);
  const list = [...canaries];
  const callback = (result: BatchObservableResult): void => {
    for (const canary of list) observeCanary(result, gauges, canary);
  };
  meter.addBatchObservableCallback(callback, observables);
  let registered = true;
  return {
    unregister(): void {
      if (!registered) return;
      registered = false;
      meter.removeBatchObservableCallback(callback, observables);
    },
  };
}

function createGauges(meter: Meter): StatusGauges {
  return {
    trafficPercent: meter.createObservableGauge(METRIC_CANARY_TRAFFIC_PERCENT, { unit: '%', description: 'Canary traffic percent (0..100)' }),
    stage: meter.createObservableGauge(METRIC_CANARY_STAGE, { description: 'Index of the current rollout stage' }),
    state: meter.createObservableGauge(METRIC_CANARY_STATE, { description: 'Rollout state: 1 for the current state, 0 for the others' }),
    successRatio: meter.createObservableGauge(METRIC_CANARY_SUCCESS_RATIO, { unit: '1', description: 'Lifetime success ratio per version' }),
    latency: meter.createObservableGauge(METRIC_CANARY_LATENCY, { unit: 's', description: 'Lifetime latency quantiles per version' }),
    // An e-value is dimensionless but not a ratio: no unit, so no `_ratio` suffix on the Prometheus path.
    gateEValue: meter.createObservableGauge(METRIC_CANARY_GATE_E_VALUE, { description: 'Current e-value of each sequential gate' }),
  };
}

function observeCanary(result: BatchObservableResult, gauges: StatusGauges, canary: InstrumentedCanary): void {
  try {
    const status = canary.status();
    const rollout: Attributes = { [ATTR_CANARY_ROLLOUT_ID]: status.rolloutId };
    result.observe(gauges.trafficPercent, status.trafficPercent, rollout);
    result.observe(gauges.stage, status.stageIndex, rollout);
    for (const state of ROLLOUT_STATES) {
      result.observe(gauges.state, state === status.state ? 1 : 0, { ...rollout, [ATTR_CANARY_STATE]: state });
    }
    observeVersion(result, gauges, status.rolloutId, 'stable', status.stable);
    observeVersion(result, gauges, status.rolloutId, 'canary', status.canary);
    observeGates(result, gauges.gateEValue, rollout, canary.gateEvidence());
  } catch (error) {
    diag.warn(`agent-canary: status metrics of rollout ${safeRolloutId(canary)} failed`, error);
  }
}

function observeVersion(result: BatchObservableResult, gauges: StatusGauges, rolloutId: string, role: Role, stats: VersionStats): void {
  const attributes: Attributes = { [ATTR_CANARY_ROLLOUT_ID]: rolloutId, [ATTR_CANARY_VERSION]: stats.version, [ATTR_CANARY_ROLE]: role };
  if (isFiniteNumber(stats.successRate)) result.observe(gauges.successRatio, stats.successRate, attributes);
  const latency = stats.latencyMs;
  if (latency === null) return;
  for (const { quantile, key } of QUANTILES) {
    const ms = latency[key];
    if (isFiniteNumber(ms)) result.observe(gauges.latency, ms / 1000, { ...attributes, [ATTR_QUANTILE]: quantile });
  }
}

function observeGates(result: BatchObservableResult, gauge: ObservableGauge, rollout: Attributes, gates: readonly GateResult[]): void {
  for (const gate of gates) {
    const eValue = gate.evidence['eValue'];
    if (isFiniteNumber(eValue)) result.observe(gauge, eValue, { ...rollout, [ATTR_CANARY_GATE]: gate.gate });
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function safeRolloutId(canary: InstrumentedCanary): string {
  try {
    return JSON.stringify(canary.rolloutId);
  } catch {
    return '(unknown)';
  }
}

import type { ExposureCounts } from '../routing/exposure-units.ts';
import type { GateResult } from './decision.ts';
import type { CustomEvidence, GateEvidence, LatencyEvidence } from './gate-evidence.ts';
import type { ResolvedGates } from './gate-options.ts';
import { fmt, gateResult } from './gate-result.ts';
import type { RateRatioEProcess } from './statistics/rate-ratio-e-process.ts';
import { errorRateBelowLogE } from './statistics/error-rate-bound.ts';
import { sampleRatioMismatch } from './statistics/sample-ratio-mismatch.ts';

/** Results of the anytime-valid comparisons with stable, the proof of safety and the SRM check. */
export function sequentialGates(evidence: GateEvidence, exposure: ExposureCounts, gates: ResolvedGates): GateResult[] {
  const results: GateResult[] = [];
  if (evidence.errors && gates.errors) {
    results.push(eProcessGate('errors', 'error rate', evidence.errors, gates.errors.alpha, gates.errors.margin));
  }
  for (const l of evidence.latency) results.push(latencyGate(l));
  for (const c of evidence.custom) results.push(customGate(c));
  if (gates.errors) results.push(safetyGate(evidence, gates));
  if (gates.srm) results.push(srmGate(exposure, evidence.configuredShare, gates.srm));
  return results;
}

function eProcessGate(gate: string, what: string, process: RateRatioEProcess, alpha: number, margin: number, extra = {}): GateResult {
  const eValue = process.eValue;
  const evidence = {
    eValue, logE: process.logE, threshold: 1 / alpha, alpha, margin,
    canaryEvents: process.canaryEvents, stableEvents: process.stableEvents, ...extra,
  };
  return eValue >= 1 / alpha
    ? gateResult(gate, 'fail', 'rollback', `canary ${what} is worse than stable beyond the ${margin}x margin (e-value ${fmt(eValue)} >= ${fmt(1 / alpha)})`, evidence)
    : gateResult(gate, 'pass', 'none', `no evidence that the canary ${what} is worse than stable (e-value ${fmt(eValue)} < ${fmt(1 / alpha)})`, evidence);
}

function latencyGate(l: LatencyEvidence): GateResult {
  if (l.thresholdMs === null) {
    return gateResult(l.name, 'inconclusive', 'hold', `waiting for enough stable latency data to freeze p${l.percentile}`, { alpha: l.alpha, margin: l.margin, thresholdMs: null });
  }
  return eProcessGate(l.name, `share of requests slower than stable's p${l.percentile} (${fmt(l.thresholdMs)} ms)`, l.process, l.alpha, l.margin, { thresholdMs: l.thresholdMs });
}

function customGate(c: CustomEvidence): GateResult {
  const { config } = c;
  if (c.process) {
    const bad = config.worse === 'higher' ? `above ${config.budget}` : `below ${config.budget}`;
    return eProcessGate(config.name, `share of requests with ${config.metric} ${bad}`, c.process, config.alpha, 1 + config.margin, { budget: config.budget ?? null });
  }
  return meanGate(c);
}

function meanGate({ config, means }: CustomEvidence): GateResult {
  const lower = means?.lowerBound(config.alpha) ?? null;
  const upper = means?.upperBound(config.alpha) ?? null;
  const stableMean = means?.means.stable ?? null;
  const evidence = { lowerBound: lower, upperBound: upper, stableMean, canaryMean: means?.means.canary ?? null, alpha: config.alpha, margin: config.margin };
  if (lower === null || upper === null || stableMean === null) {
    return gateResult(config.name, 'inconclusive', 'none', `not enough ${config.metric} samples in both versions yet`, evidence);
  }
  const tolerated = config.margin * Math.abs(stableMean);
  const worse = config.worse === 'higher' ? lower > tolerated : upper < -tolerated;
  return worse
    ? gateResult(config.name, 'fail', 'rollback', `canary ${config.metric} is ${config.worse} than stable beyond the ${config.margin * 100} % margin (difference bounds ${fmt(lower)}..${fmt(upper)})`, evidence)
    : gateResult(config.name, 'pass', 'none', `no evidence of a ${config.metric} regression (difference bounds ${fmt(lower)}..${fmt(upper)})`, evidence);
}

function safetyGate(evidence: GateEvidence, gates: ResolvedGates): GateResult {
  const errors = gates.errors as NonNullable<ResolvedGates['errors']>;
  const alpha = gates.promotionAlpha;
  const { requests, errors: canaryErrors } = evidence.canaryTotals;
  const ratioBound = evidence.safety?.upperBound(alpha) ?? null;
  const ratioProved = evidence.safety?.excludes(errors.maxRatio, alpha) ?? false;
  const rateLogE = errorRateBelowLogE(canaryErrors, requests, errors.maxErrorRate);
  const rateProved = rateLogE >= Math.log(1 / alpha);
  const facts = {
    ratioUpperBound: ratioBound, maxRatio: errors.maxRatio, ratioEValue: Math.exp(evidence.safety?.logE(errors.maxRatio) ?? 0),
    canaryErrors, canaryRequests: requests, maxErrorRate: errors.maxErrorRate, rateEValue: Math.exp(rateLogE), threshold: 1 / alpha, alpha,
  };
  if (ratioProved || rateProved) {
    const why = ratioProved
      ? `canary/stable error ratio is below ${errors.maxRatio} (upper bound ${fmt(ratioBound ?? NaN)})`
      : `canary error rate is below ${errors.maxErrorRate} (${canaryErrors} errors in ${requests})`;
    return gateResult('errors_safety', 'pass', 'none', `evidence of safety: ${why}`, facts);
  }
  const effect = gates.requireSafety ? 'hold' : 'none';
  return gateResult('errors_safety', 'inconclusive', effect, `not yet enough evidence that the canary error ratio is below ${errors.maxRatio} or its error rate below ${errors.maxErrorRate}`, facts);
}

function srmGate({ canaryUnits, totalUnits }: ExposureCounts, expectedShare: number, srm: NonNullable<ResolvedGates['srm']>): GateResult {
  const facts = { canaryUnits, totalUnits, expectedShare, pValueThreshold: srm.pValue };
  if (totalUnits < srm.minUnits || expectedShare <= 0 || expectedShare >= 1) {
    return gateResult('srm', 'inconclusive', 'none', `sample-ratio check waits for ${srm.minUnits} units (has ${totalUnits})`, facts);
  }
  const test = sampleRatioMismatch({ canaryUnits, totalUnits, expectedShare });
  const all = { ...facts, pValue: test.pValue, observedShare: test.observedShare };
  return test.pValue < srm.pValue
    ? gateResult('srm', 'fail', 'hold', `sample ratio mismatch: canary got ${fmt(test.observedShare * 100)} % of units, expected ${fmt(expectedShare * 100)} % (p = ${test.pValue.toExponential(2)})`, all)
    : gateResult('srm', 'pass', 'none', `canary share ${fmt(test.observedShare * 100)} % of ${totalUnits} units matches ${fmt(expectedShare * 100)} %`, all);
}

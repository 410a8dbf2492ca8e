import type { VersionMetrics } from '../metrics/version-metrics.ts';
import type { GateResult } from './decision.ts';
import type { StageCounts } from './gate-evidence.ts';
import type { ResolvedGates } from './gate-options.ts';
import { fmt, gateResult } from './gate-result.ts';
import type { Stage } from './stage.ts';

/** What the stage gates read. */
export interface StageGateInput {
  readonly stage: Stage;
  readonly elapsedMs: number;
  readonly counts: StageCounts;
  readonly canary: VersionMetrics;
  readonly stable: VersionMetrics;
  readonly absolute: ResolvedGates['absolute'];
}

/** The stage's minimums and absolute thresholds (the Python library's gates, with no data never a pass). */
export function stageGates(input: StageGateInput): GateResult[] {
  const results = [minDuration(input), minSamples(input), successThreshold(input)];
  const { stage, canary } = input;
  if (stage.maxP95Ms !== undefined) results.push(maxPercentile('max_p95', 95, stage.maxP95Ms, canary));
  if (stage.maxP99Ms !== undefined) results.push(maxPercentile('max_p99', 99, stage.maxP99Ms, canary));
  if (input.absolute) results.push(absoluteSuccess(input, input.absolute));
  return results;
}

function minDuration({ stage, elapsedMs }: StageGateInput): GateResult {
  const evidence = { elapsedMs, minDurationMs: stage.minDurationMs };
  return elapsedMs >= stage.minDurationMs
    ? gateResult('min_duration', 'pass', 'none', `stage ran ${fmt(elapsedMs / 1000)} s (minimum ${stage.minDurationMs / 1000} s)`, evidence)
    : gateResult('min_duration', 'inconclusive', 'hold', `stage ran ${fmt(elapsedMs / 1000)} s of the minimum ${stage.minDurationMs / 1000} s`, evidence);
}

function minSamples({ stage, counts }: StageGateInput): GateResult {
  const needed = Math.max(1, stage.minSamples);
  const evidence = { canarySamples: counts.canary, stableSamples: counts.stable, minSamples: needed };
  return counts.canary >= needed
    ? gateResult('min_samples', 'pass', 'none', `${counts.canary} canary samples in this stage (minimum ${needed})`, evidence)
    : gateResult('min_samples', 'inconclusive', 'hold', `${counts.canary} of the ${needed} canary samples this stage needs`, evidence);
}

function successThreshold({ stage, counts }: StageGateInput): GateResult {
  const rate = counts.canary === 0 ? null : counts.canarySuccesses / counts.canary;
  const evidence = { successRate: rate, successThreshold: stage.successThreshold, canarySamples: counts.canary };
  if (rate === null) return gateResult('success_threshold', 'inconclusive', 'hold', 'no canary samples in this stage yet', evidence);
  return rate >= stage.successThreshold
    ? gateResult('success_threshold', 'pass', 'none', `canary success rate ${fmt(rate, 4)} >= ${stage.successThreshold}`, evidence)
    : gateResult('success_threshold', 'fail', 'hold', `canary success rate ${fmt(rate, 4)} is below ${stage.successThreshold}`, evidence);
}

function maxPercentile(gate: string, percentile: number, maxMs: number, canary: VersionMetrics): GateResult {
  const hasData = canary.windowSnapshot().samples > 0;
  const valueMs = hasData ? canary.percentileMs(percentile, { window: true }) : null;
  const evidence = { [`p${percentile}Ms`]: valueMs, maxMs };
  if (valueMs === null) return gateResult(gate, 'inconclusive', 'hold', `no recent canary latency to compare with ${maxMs} ms`, evidence);
  return valueMs <= maxMs
    ? gateResult(gate, 'pass', 'none', `canary p${percentile} ${fmt(valueMs)} ms <= ${maxMs} ms`, evidence)
    : gateResult(gate, 'fail', 'hold', `canary p${percentile} ${fmt(valueMs)} ms exceeds ${maxMs} ms`, evidence);
}

function absoluteSuccess({ counts, stable }: StageGateInput, options: NonNullable<ResolvedGates['absolute']>): GateResult {
  const stableStats = stable.snapshot();
  const canaryRate = counts.canary === 0 ? null : counts.canarySuccesses / counts.canary;
  const evidence = { canarySuccessRate: canaryRate, stableSuccessRate: stableStats.successRate, canarySamples: counts.canary, minSamples: options.minSamples, safetyMargin: options.safetyMargin };
  if (canaryRate === null || counts.canary < options.minSamples || stableStats.successRate === null) {
    return gateResult('absolute', 'inconclusive', 'none', `absolute rule needs ${options.minSamples} canary samples and stable data`, evidence);
  }
  return canaryRate < stableStats.successRate - options.safetyMargin
    ? gateResult('absolute', 'fail', 'rollback', `canary success ${fmt(canaryRate, 4)} is more than ${options.safetyMargin} below stable's ${fmt(stableStats.successRate, 4)}`, evidence)
    : gateResult('absolute', 'pass', 'none', `canary success ${fmt(canaryRate, 4)} within ${options.safetyMargin} of stable's ${fmt(stableStats.successRate, 4)}`, evidence);
}

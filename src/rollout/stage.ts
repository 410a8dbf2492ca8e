import { requireInteger, requireNumberInRange, requireOneOf } from '../validation.ts';

/** What happens when a stage reaches `maxDurationMs` without the evidence to promote. */
export type MaxDurationPolicy = 'hold' | 'promote' | 'rollback';

const MAX_DURATION_POLICIES: readonly MaxDurationPolicy[] = ['hold', 'promote', 'rollback'];

/** Options of one rollout stage. Percent is 0..100; durations are milliseconds. */
export interface StageOptions {
  /** Canary traffic percent during the stage, 0..100 (a 1 % stage is `percent: 1`). */
  readonly percent: number;
  /** Minimum time in the stage before it may promote. Default 0. */
  readonly minDurationMs?: number;
  /** Minimum canary invocations recorded in the stage before it may promote. Default 0. */
  readonly minSamples?: number;
  /** Minimum canary success rate in the stage to promote, 0..1. Default 0.99. */
  readonly successThreshold?: number;
  /** If set, the canary's p95 latency (recent window) must be at most this to promote. */
  readonly maxP95Ms?: number;
  /** If set, the canary's p99 latency (recent window) must be at most this to promote. */
  readonly maxP99Ms?: number;
  /** If set, the time after which `onMaxDuration` applies when the stage still cannot promote. */
  readonly maxDurationMs?: number;
  /** Policy at `maxDurationMs`: keep holding (and say so), promote with a warning, or roll back. Default `'hold'`. */
  readonly onMaxDuration?: MaxDurationPolicy;
}

/** One step of a rollout. Immutable; validated at construction (throws `CanaryConfigError`). */
export class Stage {
  readonly percent: number;
  readonly minDurationMs: number;
  readonly minSamples: number;
  readonly successThreshold: number;
  readonly maxP95Ms: number | undefined;
  readonly maxP99Ms: number | undefined;
  readonly maxDurationMs: number | undefined;
  readonly onMaxDuration: MaxDurationPolicy;

  /** @param field path used in error messages, e.g. `rollout.stages[2]`. */
  constructor(options: StageOptions, field = 'stage') {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${field} must be an options object`);
    }
    this.percent = requireNumberInRange(`${field}.percent`, options.percent, 0, 100);
    this.minDurationMs = requireNumberInRange(`${field}.minDurationMs`, options.minDurationMs ?? 0, 0, Number.MAX_SAFE_INTEGER);
    this.minSamples = requireInteger(`${field}.minSamples`, options.minSamples ?? 0, 0);
    this.successThreshold = requireNumberInRange(`${field}.successThreshold`, options.successThreshold ?? 0.99, 0, 1);
    this.maxP95Ms = optionalPositive(`${field}.maxP95Ms`, options.maxP95Ms);
    this.maxP99Ms = optionalPositive(`${field}.maxP99Ms`, options.maxP99Ms);
    this.maxDurationMs = optionalPositive(`${field}.maxDurationMs`, options.maxDurationMs);
    if (this.maxDurationMs !== undefined && this.maxDurationMs < this.minDurationMs) {
      requireNumberInRange(`${field}.maxDurationMs`, this.maxDurationMs, this.minDurationMs, Number.MAX_SAFE_INTEGER);
    }
    this.onMaxDuration = requireOneOf(`${field}.onMaxDuration`, options.onMaxDuration ?? 'hold', MAX_DURATION_POLICIES);
    Object.freeze(this);
  }
}

function optionalPositive(field: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : requireNumberInRange(field, value, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER);
}

/** What a decision does to the rollout. */
export type DecisionAction = 'promote' | 'hold' | 'rollback' | 'complete' | 'pause' | 'resume' | 'restart';

/** Who made the decision: the gates (`auto`) or a person / API call (`operator`). */
export type DecisionSource = 'auto' | 'operator';

/** Lifecycle state of a rollout. `rolled_back` and `completed` are terminal until `restart()`. */
export type RolloutStateName = 'running' | 'paused' | 'completed' | 'rolled_back';

/**
 * Outcome of one gate:
 * - `pass`: the gate's evidence allows promotion;
 * - `fail`: the gate found a problem (see `effect`);
 * - `inconclusive`: not enough evidence yet (no data is never success).
 */
export type GateStatus = 'pass' | 'fail' | 'inconclusive';

/** What the gate demands of the rollout. */
export type GateEffect = 'rollback' | 'hold' | 'none';

/** Evidence values: counts, e-values, bounds, thresholds. `null` = not available yet. */
export type Evidence = Readonly<Record<string, number | string | boolean | null>>;

/** The result of one gate in one evaluation, with enough evidence to reproduce it. */
export interface GateResult {
  /** Gate name, e.g. `min_duration`, `min_samples`, `success_threshold`, `errors`, `latency_p95`, `srm`. */
  readonly gate: string;
  readonly status: GateStatus;
  readonly effect: GateEffect;
  /** One sentence a person can read. */
  readonly reason: string;
  readonly evidence: Evidence;
}

/** Where the rollout stands before or after a decision. */
export interface RolloutPosition {
  readonly state: RolloutStateName;
  readonly stageIndex: number;
  readonly percent: number;
}

/** One decision: computed by `evaluate()` or made by an operator, then applied. Immutable. */
export interface Decision {
  readonly rolloutId: string;
  readonly action: DecisionAction;
  readonly source: DecisionSource;
  /** Clock time (ms) at which it was made. */
  readonly at: number;
  /** State revision the decision was computed against; `apply` refuses a stale one. */
  readonly revision: number;
  readonly from: RolloutPosition;
  readonly to: RolloutPosition;
  /** Human-readable reasons, most important first. */
  readonly reasons: readonly string[];
  /** Every gate's result (empty for operator actions). */
  readonly gates: readonly GateResult[];
}

import type { VersionStats } from '../metrics/version-stats.ts';
import type { Decision, RolloutStateName } from './decision.ts';

/** Snapshot returned by `AgentCanary.status()`. */
export interface CanaryStatus {
  readonly rolloutId: string;
  readonly state: RolloutStateName;
  readonly stageIndex: number;
  readonly stageCount: number;
  readonly trafficPercent: number;
  /** Clock time (ms) at which the current stage started. */
  readonly stageStartedAt: number;
  /** Revision of the stored rollout state (increments on every transition). */
  readonly revision: number;
  /** Lifetime statistics of the stable version. */
  readonly stable: VersionStats;
  /** Lifetime statistics of the canary version. */
  readonly canary: VersionStats;
  /** The last applied decision, if any. */
  readonly lastDecision?: Decision;
}

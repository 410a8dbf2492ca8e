import type { RolloutState } from '../rollout/rollout-state.ts';

/**
 * Where rollout state lives, so that every instance of a service routes with the same percent.
 * Transitions are compare-and-set on `revision`, so two instances deciding at once cannot both win.
 * Implementations: `MemoryCanaryStore` (one process); a Redis store lives in `agent-canary/redis`.
 */
export interface CanaryStore {
  /** The stored state of `rolloutId`, or `undefined` when none was stored yet. */
  read(rolloutId: string): Promise<RolloutState | undefined>;
  /**
   * Stores `next` iff the stored revision equals `expectedRevision` (an absent rollout has
   * revision 0). Resolves `true` when stored, `false` when another writer got there first.
   */
  compareAndSet(rolloutId: string, expectedRevision: number, next: RolloutState): Promise<boolean>;
}

import type { RolloutState } from '../rollout/rollout-state.ts';
import type { CanaryStore } from './canary-store.ts';

/** In-process `CanaryStore`; the default. Shared by every `AgentCanary` given the same instance. */
export class MemoryCanaryStore implements CanaryStore {
  private readonly _states = new Map<string, RolloutState>();

  read(rolloutId: string): Promise<RolloutState | undefined> {
    return Promise.resolve(this._states.get(rolloutId));
  }

  compareAndSet(rolloutId: string, expectedRevision: number, next: RolloutState): Promise<boolean> {
    const stored = this._states.get(rolloutId)?.revision ?? 0;
    if (stored !== expectedRevision) return Promise.resolve(false);
    this._states.set(rolloutId, next);
    return Promise.resolve(true);
  }
}

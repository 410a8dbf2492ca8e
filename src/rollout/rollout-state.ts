import { CanaryStateError } from '../errors.ts';
import type { DecisionAction, RolloutPosition, RolloutStateName } from './decision.ts';
import type { Rollout } from './rollout.ts';

/** The persisted state of one rollout; every transition increments `revision`. */
export interface RolloutState {
  readonly rolloutId: string;
  readonly state: RolloutStateName;
  readonly stageIndex: number;
  /** Clock time (ms) the current stage started. */
  readonly stageStartedAt: number;
  /** 0 for a rollout never stored; +1 on every transition (compare-and-set key). */
  readonly revision: number;
  /** How many times the rollout was restarted; a change means the evidence starts afresh. */
  readonly restarts: number;
  readonly updatedAt: number;
}

/** A new rollout: running, stage 0, revision 0. */
export function initialRolloutState(rolloutId: string, now: number): RolloutState {
  return { rolloutId, state: 'running', stageIndex: 0, stageStartedAt: now, revision: 0, restarts: 0, updatedAt: now };
}

/** Canary traffic percent implied by a state: 0 once rolled back, else the stage's percent. */
export function trafficPercentOf(state: RolloutState, rollout: Rollout): number {
  return state.state === 'rolled_back' ? 0 : rollout.stage(state.stageIndex).percent;
}

/** The state, stage and percent of `state`, as reported in decisions. */
export function positionOf(state: RolloutState, rollout: Rollout): RolloutPosition {
  return { state: state.state, stageIndex: state.stageIndex, percent: trafficPercentOf(state, rollout) };
}

/** The action that moves from the current stage to the next: `complete` when the next is the last. */
export function advanceAction(state: RolloutState, rollout: Rollout): 'promote' | 'complete' {
  return state.stageIndex + 1 >= rollout.lastIndex ? 'complete' : 'promote';
}

/**
 * The state after `action`. Pure. Throws `CanaryStateError` for a transition the state machine does
 * not allow: nothing leaves `rolled_back` or `completed` except `restart` (and `rollback` of a
 * completed rollout), a stage is never skipped, and `hold` changes nothing.
 */
export function transition(state: RolloutState, action: DecisionAction, rollout: Rollout, now: number): RolloutState {
  const next = (changes: Partial<RolloutState>): RolloutState => ({
    ...state,
    ...changes,
    revision: state.revision + 1,
    updatedAt: now,
  });
  switch (action) {
    case 'hold':
      return state;
    case 'promote':
    case 'complete': {
      requireState(state, action, ['running', 'paused']);
      if (state.stageIndex >= rollout.lastIndex) throw new CanaryStateError(`${action}: already at the last stage`);
      const stageIndex = state.stageIndex + 1;
      return next({ stageIndex, stageStartedAt: now, state: stageIndex === rollout.lastIndex ? 'completed' : 'running' });
    }
    case 'rollback':
      requireState(state, action, ['running', 'paused', 'completed']);
      return next({ state: 'rolled_back' });
    case 'pause':
      requireState(state, action, ['running']);
      return next({ state: 'paused' });
    case 'resume':
      requireState(state, action, ['paused']);
      return next({ state: 'running' });
    case 'restart':
      return next({ state: 'running', stageIndex: 0, stageStartedAt: now, restarts: state.restarts + 1 });
  }
}

function requireState(state: RolloutState, action: DecisionAction, allowed: readonly RolloutStateName[]): void {
  if (!allowed.includes(state.state)) {
    const hint = state.state === 'rolled_back' || state.state === 'completed' ? '; call restart() to begin again' : '';
    throw new CanaryStateError(`cannot ${action} a rollout that is ${state.state} (allowed from: ${allowed.join(', ')})${hint}`);
  }
}

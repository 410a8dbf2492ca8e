import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanaryStateError } from '../../src/errors.ts';
import type { DecisionAction } from '../../src/rollout/decision.ts';
import { Rollout } from '../../src/rollout/rollout.ts';
import { initialRolloutState, transition, trafficPercentOf, type RolloutState } from '../../src/rollout/rollout-state.ts';

const rollout = Rollout.standard();
const ACTIONS: DecisionAction[] = ['promote', 'complete', 'hold', 'rollback', 'pause', 'resume', 'restart'];

/** Applies actions, skipping the ones the state machine refuses; returns every state visited. */
function run(actions: readonly DecisionAction[]): { states: RolloutState[]; applied: DecisionAction[] } {
  const states = [initialRolloutState('r', 0)];
  const applied: DecisionAction[] = [];
  actions.forEach((action, i) => {
    try {
      states.push(transition(states[states.length - 1] as RolloutState, action, rollout, i + 1));
      applied.push(action);
    } catch (error) {
      expect(error).toBeInstanceOf(CanaryStateError);
    }
  });
  return { states, applied };
}

describe('rollout state machine', () => {
  const actionSeqs = fc.array(fc.constantFrom(...ACTIONS), { maxLength: 60 });

  it('never skips a stage: every step moves the stage by 0, +1, or back to 0 on restart', () => {
    fc.assert(fc.property(actionSeqs, (actions) => {
      const { states, applied } = run(actions);
      for (let i = 1; i < states.length; i++) {
        const delta = (states[i]?.stageIndex ?? 0) - (states[i - 1]?.stageIndex ?? 0);
        if (applied[i - 1] === 'restart') expect(states[i]?.stageIndex).toBe(0);
        else expect([0, 1]).toContain(delta);
      }
    }));
  });

  it('never promotes after a rollback until a restart, and routes 0 % while rolled back', () => {
    fc.assert(fc.property(actionSeqs, (actions) => {
      const { states } = run(actions);
      for (let i = 1; i < states.length; i++) {
        const before = states[i - 1] as RolloutState;
        const after = states[i] as RolloutState;
        if (before.state === 'rolled_back' && after.restarts === before.restarts) {
          expect(after.state).toBe('rolled_back');
          expect(after.stageIndex).toBe(before.stageIndex);
          expect(trafficPercentOf(after, rollout)).toBe(0);
        }
      }
    }));
  });

  it('completed is final except for rollback or restart; revisions strictly increase', () => {
    fc.assert(fc.property(actionSeqs, (actions) => {
      const { states } = run(actions);
      for (let i = 1; i < states.length; i++) {
        const before = states[i - 1] as RolloutState;
        const after = states[i] as RolloutState;
        if (before.state === 'completed' && after !== before) expect(['rolled_back', 'running']).toContain(after.state);
        if (before.state === 'completed' && after.state === 'running') expect(after.restarts).toBe(before.restarts + 1);
        if (after !== before) expect(after.revision).toBe(before.revision + 1);
        if (after.state === 'completed') expect(after.stageIndex).toBe(rollout.lastIndex);
      }
    }));
  });

  it('explains refused transitions', () => {
    const rolledBack = transition(initialRolloutState('r', 0), 'rollback', rollout, 1);
    expect(() => transition(rolledBack, 'promote', rollout, 2)).toThrow(/cannot promote a rollout that is rolled_back.*restart\(\)/);
    expect(() => transition(initialRolloutState('r', 0), 'resume', rollout, 1)).toThrow(/allowed from: paused/);
  });

  it('reaching the last stage completes the rollout at its percent', () => {
    let state = initialRolloutState('r', 0);
    for (let i = 0; i < rollout.lastIndex; i++) state = transition(state, 'promote', rollout, i);
    expect(state).toMatchObject({ state: 'completed', stageIndex: 4, revision: 4 });
    expect(trafficPercentOf(state, rollout)).toBe(100);
  });
});

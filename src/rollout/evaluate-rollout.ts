import type { VersionMetrics } from '../metrics/version-metrics.ts';
import type { ExposureCounts } from '../routing/exposure-units.ts';
import type { Decision, DecisionAction, GateResult } from './decision.ts';
import type { GateEvidence } from './gate-evidence.ts';
import type { ResolvedGates } from './gate-options.ts';
import { fmt } from './gate-result.ts';
import type { Rollout } from './rollout.ts';
import { advanceAction, positionOf, transition, type RolloutState } from './rollout-state.ts';
import { sequentialGates } from './sequential-gates.ts';
import { stageGates } from './stage-gates.ts';

/** Everything one evaluation reads. */
export interface EvaluationInput {
  readonly state: RolloutState;
  readonly rollout: Rollout;
  readonly gates: ResolvedGates;
  readonly evidence: GateEvidence;
  /** Units per arm since the traffic last changed, from the router (for the SRM check). */
  readonly exposure: ExposureCounts;
  readonly stable: VersionMetrics;
  readonly canary: VersionMetrics;
  readonly now: number;
}

/**
 * Judges the current stage: `rollback` if any gate demands it, `promote` (or `complete` into the
 * last stage) if every gate passes, otherwise `hold` with the reasons. Pure with respect to state.
 */
export function evaluateRollout(input: EvaluationInput): Decision {
  const { state, rollout, now } = input;
  if (state.state !== 'running') return decide(input, 'hold', [notRunningReason(state)], []);
  const stage = rollout.stage(state.stageIndex);
  const elapsedMs = now - state.stageStartedAt;
  const gates = [
    ...sequentialGates(input.evidence, input.exposure, input.gates),
    ...stageGates({ stage, elapsedMs, counts: input.evidence.stage, canary: input.canary, stable: input.stable, absolute: input.gates.absolute }),
  ];
  const rollbacks = gates.filter((g) => g.effect === 'rollback');
  if (rollbacks.length > 0) return decide(input, 'rollback', rollbacks.map((g) => g.reason), gates);
  const holds = gates.filter((g) => g.effect === 'hold');
  if (holds.length === 0) return decide(input, advanceAction(state, rollout), ['every gate passed'], gates);
  return atMaxDuration(input, elapsedMs, stage.maxDurationMs)
    ? maxDurationDecision(input, holds, gates)
    : decide(input, 'hold', holds.map((g) => g.reason), gates);
}

function maxDurationDecision(input: EvaluationInput, holds: GateResult[], gates: GateResult[]): Decision {
  const stage = input.rollout.stage(input.state.stageIndex);
  const why = `stage reached its maximum duration of ${fmt((stage.maxDurationMs ?? 0) / 1000)} s`;
  const pending = holds.map((g) => g.reason);
  switch (stage.onMaxDuration) {
    case 'promote':
      return decide(input, advanceAction(input.state, input.rollout), [`${why}; promoting by policy although: ${pending.join('; ')}`], gates);
    case 'rollback':
      return decide(input, 'rollback', [`${why} without enough evidence: ${pending.join('; ')}`], gates);
    case 'hold':
      return decide(input, 'hold', [`${why}; holding for a person to decide`, ...pending], gates);
  }
}

function atMaxDuration(input: EvaluationInput, elapsedMs: number, maxDurationMs: number | undefined): boolean {
  return maxDurationMs !== undefined && elapsedMs >= maxDurationMs && input.state.state === 'running';
}

function notRunningReason(state: RolloutState): string {
  switch (state.state) {
    case 'paused':
      return 'rollout is paused; resume() to continue';
    case 'rolled_back':
      return 'rollout was rolled back; everyone is on stable until restart()';
    default:
      return 'rollout is complete';
  }
}

/** Builds a decision of `action` from the current state (shared with operator actions). */
export function decide(
  input: Pick<EvaluationInput, 'state' | 'rollout' | 'now'>,
  action: DecisionAction,
  reasons: readonly string[],
  gates: readonly GateResult[],
  source: Decision['source'] = 'auto',
): Decision {
  const { state, rollout, now } = input;
  const next = transition(state, action, rollout, now);
  return Object.freeze({
    rolloutId: state.rolloutId,
    action,
    source,
    at: now,
    revision: state.revision,
    from: positionOf(state, rollout),
    to: positionOf(next, rollout),
    reasons: Object.freeze([...reasons]),
    gates: Object.freeze([...gates]),
  });
}

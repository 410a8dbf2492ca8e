import type { Evidence, GateEffect, GateResult, GateStatus } from './decision.ts';

/** Builds a frozen `GateResult`. */
export function gateResult(gate: string, status: GateStatus, effect: GateEffect, reason: string, evidence: Evidence = {}): GateResult {
  return Object.freeze({ gate, status, effect, reason, evidence: Object.freeze({ ...evidence }) });
}

/** Rounds for display in reasons (evidence keeps full precision). */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e6 ? value.toExponential(digits - 1) : String(Number(value.toPrecision(digits)));
}

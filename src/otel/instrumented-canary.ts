import type { Assignment, RouteAttributes } from '../routing/assignment.ts';
import type { Outcome } from '../metrics/outcome.ts';
import type { CanaryStatus } from '../rollout/status.ts';
import type { Decision, GateResult } from '../rollout/decision.ts';

/**
 * What the OpenTelemetry layer needs of a canary. `AgentCanary` implements it; the otel layer depends
 * on this interface only, so it never imports the facade.
 */
export interface InstrumentedCanary {
  readonly rolloutId: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** Routes one request (sticky on `key`). Never throws for a string or missing key. */
  route(key?: string, attributes?: RouteAttributes): Assignment;
  /** Records one finished call of `version`. Unknown versions are counted and ignored. */
  record(version: string, outcome: Outcome): void;
  /** Current snapshot. */
  status(): CanaryStatus;
  /** Subscribes to applied decisions; returns the unsubscribe function. */
  onDecision(listener: (decision: Decision) => void): () => void;
  /** Gate results of the latest evaluation (empty before the first); feeds the e-value gauges. */
  gateEvidence(): readonly GateResult[];
}

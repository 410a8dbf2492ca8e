import { diag } from '@opentelemetry/api';
import { systemClock, type Clock } from './clock.ts';
import { CanaryConfigError } from './errors.ts';
import type { Outcome } from './metrics/outcome.ts';
import { VersionMetrics, type VersionMetricsOptions } from './metrics/version-metrics.ts';
import type { InstrumentedCanary } from './otel/instrumented-canary.ts';
import { invokeAgent, type InvokeOptions, type InvokeResult } from './otel/invoke.ts';
import type { Decision, DecisionAction, GateResult } from './rollout/decision.ts';
import { decide, evaluateRollout } from './rollout/evaluate-rollout.ts';
import { GateEvidence } from './rollout/gate-evidence.ts';
import { resolveGates, type GateOptions, type ResolvedGates } from './rollout/gate-options.ts';
import { Rollout } from './rollout/rollout.ts';
import { initialRolloutState, trafficPercentOf, transition, type RolloutState } from './rollout/rollout-state.ts';
import type { CanaryStatus } from './rollout/status.ts';
import type { Assignment, Role, RouteAttributes } from './routing/assignment.ts';
import type { Bucketing } from './routing/bucketing.ts';
import { CanaryRouter, type CohortRule, type RoutingOverride } from './routing/router.ts';
import type { CanaryStore } from './store/canary-store.ts';
import { MemoryCanaryStore } from './store/memory-store.ts';
import { requireInteger, requireNonEmptyString } from './validation.ts';

/** Options of an `AgentCanary`. Only the three names are required. */
export interface AgentCanaryOptions {
  /** Names the rollout and salts the routing hash; use a new id for every rollout. */
  readonly rolloutId: string;
  /** Version string of the current production agent. */
  readonly stable: string;
  /** Version string of the candidate. Must differ from `stable`. */
  readonly canary: string;
  /** Stages. Default `Rollout.standard()` (1 → 5 → 25 → 50 → 100 %). */
  readonly rollout?: Rollout;
  /** Gate configuration; defaults: error and p95 gates at α = 0.05, proof of safety, SRM check. */
  readonly gates?: GateOptions;
  /** Where rollout state lives. Default: a private `MemoryCanaryStore`. */
  readonly store?: CanaryStore;
  /** Time source. Default the wall clock; pass a `ManualClock` to simulate. */
  readonly clock?: Clock;
  /** Hash scheme. Default `'murmur3'`; `'agent-canary-md5'` reproduces the Python library. */
  readonly bucketing?: Bucketing;
  /** Keys or predicates forced to stable or canary. */
  readonly overrides?: readonly RoutingOverride[];
  /** Only requests matching the cohort may get the canary. */
  readonly cohort?: CohortRule;
  /** Random source for requests without a key. Default `Math.random`. */
  readonly random?: () => number;
  /** Histogram and window settings of the per-version metrics. */
  readonly metrics?: Omit<VersionMetricsOptions, 'version' | 'clock'>;
}

/** Options of `start()`. */
export interface StartOptions {
  /** Milliseconds between automatic evaluations. Default 10 000. */
  readonly intervalMs?: number;
}

/**
 * A canary rollout of one agent: routes requests, records outcomes, judges the canary against stable
 * and promotes stage by stage or rolls back. Safe to call from request paths: `route` and `record`
 * are synchronous and never throw for runtime input.
 */
export class AgentCanary implements InstrumentedCanary {
  readonly rolloutId: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  readonly rollout: Rollout;
  private readonly _gates: ResolvedGates;
  private readonly _clock: Clock;
  private readonly _store: CanaryStore;
  private readonly _router: CanaryRouter;
  private readonly _stable: VersionMetrics;
  private readonly _canary: VersionMetrics;
  private readonly _listeners = new Set<(decision: Decision) => void>();
  private _evidence: GateEvidence;
  private _state: RolloutState;
  private _lastDecision: Decision | undefined;
  private _lastGates: readonly GateResult[] = [];
  private _unknownVersions = 0;
  private _queue: Promise<unknown> = Promise.resolve();
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _ticking = false;

  constructor(options: AgentCanaryOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('AgentCanary needs an options object');
    this.rolloutId = requireNonEmptyString('rolloutId', options.rolloutId);
    this.stableVersion = requireNonEmptyString('stable', options.stable);
    this.canaryVersion = requireNonEmptyString('canary', options.canary);
    if (this.canaryVersion === this.stableVersion) throw new CanaryConfigError('canary', `different from stable ('${this.stableVersion}')`, options.canary);
    if (options.rollout !== undefined && !(options.rollout instanceof Rollout)) throw new CanaryConfigError('rollout', 'a Rollout instance', options.rollout);
    this.rollout = options.rollout ?? Rollout.standard();
    this._gates = resolveGates(options.gates);
    this._clock = options.clock ?? systemClock;
    this._store = options.store ?? new MemoryCanaryStore();
    this._state = initialRolloutState(this.rolloutId, this._clock.now());
    const metrics = { ...options.metrics, clock: this._clock };
    this._stable = new VersionMetrics({ ...metrics, version: this.stableVersion });
    this._canary = new VersionMetrics({ ...metrics, version: this.canaryVersion });
    this._evidence = new GateEvidence(this._gates, this._stable);
    this._router = new CanaryRouter({
      rolloutId: this.rolloutId, stable: this.stableVersion, canary: this.canaryVersion, bucketing: options.bucketing,
      overrides: options.overrides, cohort: options.cohort, random: options.random,
    });
    this._adopt(this._state, true);
  }

  /** Routes one request; sticky on `key` (a user, session or conversation id). Synchronous, never throws. */
  route(key?: string, attributes?: RouteAttributes): Assignment {
    return this._router.route(key, attributes);
  }

  /**
   * Records one finished call of `version` (the stable or canary version string). Invalid values are
   * rejected and counted in the version's stats; unknown versions are counted and ignored. Never throws.
   */
  record(version: string, outcome: Outcome): void {
    try {
      const role = this._roleOf(version);
      if (role === undefined) return this._countUnknownVersion(version);
      const metrics = role === 'canary' ? this._canary : this._stable;
      if (metrics.record(outcome) && outcome.tool === undefined) this._evidence.observe(role, outcome);
    } catch (error) {
      diag.error('agent-canary: record() failed', error);
    }
  }

  /**
   * Routes, opens an `invoke_agent {agent}` span with the assignment in context, runs `fn(version)`
   * and records the outcome. The function's own exceptions are rethrown unchanged.
   */
  invoke<T>(options: InvokeOptions, fn: (version: string, assignment: Assignment) => T): InvokeResult<T> {
    return invokeAgent(this, options, fn);
  }

  /** Judges the current stage against the gates. Does not change anything; see `apply`. */
  evaluate(): Decision {
    const decision = evaluateRollout({
      state: this._state, rollout: this.rollout, gates: this._gates, evidence: this._evidence,
      exposure: this._router.exposure, stable: this._stable, canary: this._canary, now: this._clock.now(),
    });
    if (decision.gates.length > 0) this._lastGates = decision.gates;
    return decision;
  }

  /**
   * Applies a decision: stores the transition (compare-and-set on the revision), moves traffic and
   * notifies `onDecision` listeners. Resolves false for a stale decision (the state changed since it
   * was made, here or in another instance sharing the store).
   */
  apply(decision: Decision): Promise<boolean> {
    return this._serialize(() => this._applyNow(decision));
  }

  /** `evaluate()` then `apply()`, atomically with respect to other calls on this instance. */
  autoDecide(): Promise<Decision> {
    return this._serialize(async () => {
      const decision = this.evaluate();
      await this._applyNow(decision);
      return decision;
    });
  }

  /** Operator: moves to the next stage now, whatever the gates say. */
  promote(reason = 'promoted by an operator'): Promise<Decision> {
    return this._operator((state) => (state.stageIndex + 1 >= this.rollout.lastIndex ? 'complete' : 'promote'), reason);
  }

  /** Operator: rolls back; everyone is routed to stable until `restart()`. */
  rollback(reason = 'rolled back by an operator'): Promise<Decision> {
    return this._operator(() => 'rollback', reason);
  }

  /** Operator: stops automatic decisions; traffic stays at the current percent. */
  pause(reason = 'paused by an operator'): Promise<Decision> {
    return this._operator(() => 'pause', reason);
  }

  /** Operator: resumes automatic decisions after `pause()`. */
  resume(reason = 'resumed by an operator'): Promise<Decision> {
    return this._operator(() => 'resume', reason);
  }

  /** Operator: starts the rollout again at stage 0 with fresh metrics and evidence. */
  restart(reason = 'restarted by an operator'): Promise<Decision> {
    return this._operator(() => 'restart', reason);
  }

  /** Current snapshot: state, stage, traffic, lifetime stats of both versions, last decision. */
  status(): CanaryStatus {
    const s = this._state;
    return {
      rolloutId: this.rolloutId, state: s.state, stageIndex: s.stageIndex, stageCount: this.rollout.stages.length,
      trafficPercent: trafficPercentOf(s, this.rollout), stageStartedAt: s.stageStartedAt, revision: s.revision,
      stable: this._stable.snapshot(), canary: this._canary.snapshot(),
      ...(this._lastDecision ? { lastDecision: this._lastDecision } : {}),
    };
  }

  /** Gate results of the latest evaluation (empty before the first). */
  gateEvidence(): readonly GateResult[] {
    return this._lastGates;
  }

  /** Records with a version string that is neither stable nor canary (ignored). */
  get unknownVersionRecords(): number {
    return this._unknownVersions;
  }

  /** Calls `listener` with every applied decision (holds included). Returns the unsubscribe function. */
  onDecision(listener: (decision: Decision) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Loads the stored state (call once at start-up when the store is shared between instances). */
  async ready(): Promise<void> {
    await this.sync();
  }

  /** Adopts a newer state written by another instance, if any. */
  sync(): Promise<void> {
    return this._serialize(() => this._syncNow());
  }

  /** Evaluates and applies every `intervalMs` (default 10 s) on an unref'd timer. Idempotent. */
  start(options: StartOptions = {}): void {
    const intervalMs = requireInteger('intervalMs', options.intervalMs ?? 10_000, 10);
    this.stop();
    this._timer = setInterval(() => void this._tick(), intervalMs);
    this._timer.unref();
  }

  /** Stops the timer started by `start()`. */
  stop(): void {
    if (this._timer !== undefined) clearInterval(this._timer);
    this._timer = undefined;
  }

  private async _tick(): Promise<void> {
    if (this._ticking) return;
    this._ticking = true;
    try {
      await this.sync();
      await this.autoDecide();
    } catch (error) {
      diag.error('agent-canary: automatic evaluation failed', error);
    } finally {
      this._ticking = false;
    }
  }

  private _operator(actionOf: (state: RolloutState) => DecisionAction, reason: string): Promise<Decision> {
    return this._serialize(async () => {
      const decision = decide({ state: this._state, rollout: this.rollout, now: this._clock.now() }, actionOf(this._state), [reason], [], 'operator');
      if (!(await this._applyNow(decision))) throw new Error(`agent-canary: ${decision.action} lost a race with another instance; state reloaded, try again`);
      return decision;
    });
  }

  private async _applyNow(decision: Decision): Promise<boolean> {
    if (decision.rolloutId !== this.rolloutId || decision.revision !== this._state.revision) return false;
    if (decision.action !== 'hold') {
      const next = transition(this._state, decision.action, this.rollout, this._clock.now());
      if (!(await this._store.compareAndSet(this.rolloutId, this._state.revision, next))) {
        await this._syncNow();
        return false;
      }
      this._adopt(next);
    }
    this._publish(decision);
    return true;
  }

  private async _syncNow(): Promise<void> {
    const stored = await this._store.read(this.rolloutId);
    if (stored && stored.revision > this._state.revision) this._adopt(stored);
  }

  private _adopt(next: RolloutState, initial = false): void {
    const previous = this._state;
    this._state = next;
    if (next.restarts !== previous.restarts) this._resetEvidence();
    if (initial || next.stageIndex !== previous.stageIndex || next.restarts !== previous.restarts) {
      this._evidence.startStage(this.rollout.stage(next.stageIndex).percent);
    }
    this._router.setTraffic({ percent: this.rollout.stage(next.stageIndex).percent, stageIndex: next.stageIndex });
    this._router.setRolledBack(next.state === 'rolled_back');
  }

  private _resetEvidence(): void {
    this._stable.reset();
    this._canary.reset();
    this._evidence = new GateEvidence(this._gates, this._stable);
    this._router.resetExposure();
    this._lastGates = [];
  }

  private _publish(decision: Decision): void {
    this._lastDecision = decision;
    for (const listener of this._listeners) {
      try {
        listener(decision);
      } catch (error) {
        diag.error('agent-canary: an onDecision listener threw', error);
      }
    }
  }

  private _roleOf(version: string): Role | undefined {
    if (version === this.canaryVersion) return 'canary';
    if (version === this.stableVersion) return 'stable';
    return undefined;
  }

  private _countUnknownVersion(version: unknown): void {
    if (this._unknownVersions++ === 0) {
      diag.warn(`agent-canary: record() got version ${JSON.stringify(version)}, which is neither '${this.stableVersion}' nor '${this.canaryVersion}'; ignored`);
    }
  }

  private _serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this._queue.then(task, task);
    this._queue = run.catch(() => undefined);
    return run;
  }
}

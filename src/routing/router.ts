import { diag } from '@opentelemetry/api';
import { CanaryConfigError } from '../errors.ts';
import { requireInteger, requireNonEmptyString, requireNumberInRange } from '../validation.ts';
import type { Assignment, AssignmentReason, Role, RouteAttributes } from './assignment.ts';
import { BUCKET_COUNT, Bucketer, type Bucketing } from './bucketing.ts';
import { CohortMatcher, OverrideRules, type CohortRule, type RoutingOverride } from './routing-rules.ts';
import { ExposureUnits, type ExposureCounts } from './exposure-units.ts';

// The rule types are part of the router's options; re-exported so callers import them with it.
export type { CohortRule, RoutingOverride };

/** Options of {@link CanaryRouter}. */
export interface CanaryRouterOptions {
  /** Names the rollout and salts the `murmur3` hash; use a new id for every rollout. Non-empty. */
  readonly rolloutId: string;
  /** The stable version string (non-empty). */
  readonly stable: string;
  /** The canary version string (non-empty, different from `stable`). */
  readonly canary: string;
  /** Initial canary traffic percent, 0..100. Default 0. */
  readonly percent?: number;
  /** Initial stage index, an integer >= 0. Default 0. */
  readonly stageIndex?: number;
  /** Hashing scheme. Default `'murmur3'`. */
  readonly bucketing?: Bucketing;
  /** Forced roles, tried in order before the cohort and the split. Default none. */
  readonly overrides?: readonly RoutingOverride[];
  /** Requests outside the cohort always get stable. Default: everyone is eligible. */
  readonly cohort?: CohortRule;
  /** Uniform [0, 1) source for keyless requests. Default `Math.random`. */
  readonly random?: () => number;
}

/** How often the router had to repair or short-circuit input; plain counts since construction. */
export interface RouterCounters {
  /** Requests without a key, split at random. */
  readonly keyless: number;
  /** Keys that were not strings and were converted with `String()`. */
  readonly coerced: number;
  /** Requests decided by an override. */
  readonly overrides: number;
  /** Requests sent to stable because they were outside the cohort. */
  readonly cohortExcluded: number;
}

/**
 * Sticky percentage routing between a stable and a canary version over 10,000 buckets.
 *
 * `route()` decides in this order: rolled back → stable (`rolled_back`, overrides ignored: safety
 * first); an override → its role (`override`); outside the cohort → stable (`cohort_excluded`);
 * no key → random per request (`random`); else the key's bucket against the percent (`split`),
 * which is deterministic, salted per rollout (in `murmur3` mode) and monotone in the percent.
 */
export class CanaryRouter {
  private readonly _bucketer: Bucketer;
  private readonly _stable: string;
  private readonly _canary: string;
  private readonly _overrides: OverrideRules;
  private readonly _cohort: CohortMatcher;
  private readonly _random: () => number;
  /** Python parity: its library accepts `""` as a key; our own scheme treats it as no key. */
  private readonly _emptyKeyIsKeyless: boolean;
  private _percent: number;
  private _stageIndex: number;
  private _rolledBack = false;
  private _keyless = 0;
  private _coerced = 0;
  private _overridden = 0;
  private _cohortExcluded = 0;
  private readonly _units = new ExposureUnits();

  /** @throws CanaryConfigError naming the offending field (e.g. `canary`, `overrides[1].role`). */
  constructor(options: CanaryRouterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new CanaryConfigError('options', 'an object { rolloutId, stable, canary, ... }', options);
    }
    const rolloutId = requireNonEmptyString('rolloutId', options.rolloutId);
    this._stable = requireNonEmptyString('stable', options.stable);
    this._canary = requireNonEmptyString('canary', options.canary);
    if (this._canary === this._stable) {
      throw new CanaryConfigError('canary', `a version different from stable (${this._stable})`, this._canary);
    }
    this._percent = requireNumberInRange('percent', options.percent ?? 0, 0, 100);
    this._stageIndex = requireInteger('stageIndex', options.stageIndex ?? 0, 0);
    this._bucketer = new Bucketer({ rolloutId, bucketing: options.bucketing ?? 'murmur3' });
    this._emptyKeyIsKeyless = this._bucketer.bucketing === 'murmur3';
    this._overrides = new OverrideRules(options.overrides);
    this._cohort = new CohortMatcher(options.cohort);
    this._random = options.random ?? Math.random;
    if (typeof this._random !== 'function') {
      throw new CanaryConfigError('random', 'a function returning a number in [0, 1)', options.random);
    }
  }

  /** The rollout id that salts the hash. */
  get rolloutId(): string {
    return this._bucketer.rolloutId;
  }

  /** The hashing scheme in use. */
  get bucketing(): Bucketing {
    return this._bucketer.bucketing;
  }

  /** Canary traffic percent in force: 0 while rolled back, else the last `setTraffic` percent. */
  get trafficPercent(): number {
    return this._rolledBack ? 0 : this._percent;
  }

  /** Index of the stage in force. */
  get stageIndex(): number {
    return this._stageIndex;
  }

  /** Whether everyone is routed to stable until `setRolledBack(false)`. */
  get rolledBack(): boolean {
    return this._rolledBack;
  }

  /** A snapshot of the input counters. */
  get counters(): RouterCounters {
    return {
      keyless: this._keyless,
      coerced: this._coerced,
      overrides: this._overridden,
      cohortExcluded: this._cohortExcluded,
    };
  }

  /**
   * Sets the canary share and stage (both validated before either changes).
   * @throws CanaryConfigError naming `percent` (finite, 0..100) or `stageIndex` (integer >= 0).
   */
  setTraffic(traffic: { readonly percent: number; readonly stageIndex: number }): void {
    const percent = requireNumberInRange('percent', traffic.percent, 0, 100);
    const stageIndex = requireInteger('stageIndex', traffic.stageIndex, 0);
    if (percent !== this._percent || stageIndex !== this._stageIndex) this._units.reset();
    this._stageIndex = stageIndex;
    this._percent = percent;
  }

  /**
   * Units split by hash or at random since the traffic last changed: distinct keys (sampled 1 in 8) or
   * keyless requests, per arm. Overrides, cohort exclusions and rollbacks are not counted, so the
   * canary share of these units should match the traffic percent (the sample-ratio-mismatch check).
   */
  get exposure(): ExposureCounts {
    return { canaryUnits: this._units.canaryUnits, totalUnits: this._units.totalUnits };
  }

  /** Forgets the exposure counts (a restarted rollout starts its evidence afresh). */
  resetExposure(): void {
    this._units.reset();
  }

  /**
   * While rolled back every request gets stable (overrides included) and the traffic percent reads 0;
   * `false` restores the last `setTraffic` percent.
   * @throws CanaryConfigError naming `rolledBack` unless a boolean.
   */
  setRolledBack(rolledBack: boolean): void {
    if (typeof rolledBack !== 'boolean') throw new CanaryConfigError('rolledBack', 'a boolean', rolledBack);
    this._rolledBack = rolledBack;
  }

  /** The position of `key` in [0, 10000) (see {@link Bucketer.bucketOf}); for diagnostics. */
  bucketOf(key: string): number {
    return this._bucketer.bucketOf(typeof key === 'string' ? key : String(key));
  }

  /**
   * Routes one request; sticky on `key` (a user, session or conversation id). `undefined`/`null`
   * (and `""` in `murmur3` mode) mean no key; a non-string key is converted with `String()` and
   * counted. `attributes` feed overrides and the cohort. Never throws.
   */
  route(key?: string, attributes?: RouteAttributes): Assignment {
    const stickyKey = this._stickyKey(key);
    const hash = stickyKey === undefined ? 0 : this._bucketer.hashOf(stickyKey);
    const bucket = stickyKey === undefined ? null : this._bucketer.bucketOfHash(hash);
    if (this._rolledBack) return this._assign('stable', bucket, 'rolled_back');
    if (!this._overrides.isEmpty) {
      const forced = this._overrides.roleFor(stickyKey, attributes);
      if (forced !== undefined) {
        this._overridden++;
        return this._assign(forced, bucket, 'override');
      }
    }
    if (!this._cohort.isEmpty && !this._cohort.matches(attributes)) {
      this._cohortExcluded++;
      return this._assign('stable', bucket, 'cohort_excluded');
    }
    if (bucket === null) {
      this._keyless++;
      const role = this._random() * BUCKET_COUNT < this._percent * 100 ? 'canary' : 'stable';
      this._units.observeRequest(role);
      return this._assign(role, null, 'random');
    }
    const role = this._bucketer.isCanaryBucket(bucket, this._percent) ? 'canary' : 'stable';
    this._units.observeKey(hash, role);
    return this._assign(role, bucket, 'split');
  }

  private _stickyKey(key: unknown): string | undefined {
    if (typeof key === 'string') return key === '' && this._emptyKeyIsKeyless ? undefined : key;
    if (key === undefined || key === null) return undefined;
    return this._coerceKey(key);
  }

  private _coerceKey(key: unknown): string | undefined {
    this._coerced++;
    let text: string;
    try {
      text = String(key);
    } catch (error) {
      diag.warn('agent-canary: route() key could not be converted to a string; routed as keyless', error);
      return undefined;
    }
    return this._stickyKey(text);
  }

  private _assign(role: Role, bucket: number | null, reason: AssignmentReason): Assignment {
    return {
      rolloutId: this._bucketer.rolloutId,
      version: role === 'canary' ? this._canary : this._stable,
      role,
      bucket,
      trafficPercent: this._rolledBack ? 0 : this._percent,
      stage: this._stageIndex,
      reason,
    };
  }
}

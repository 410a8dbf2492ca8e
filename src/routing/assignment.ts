/** Which side of the rollout a request is served by. */
export type Role = 'stable' | 'canary';

/**
 * Why the router chose the role:
 * - `split`: the key's bucket against the traffic percent (sticky);
 * - `random`: no key was given, so the request was split at random;
 * - `override`: a forced key or predicate decided;
 * - `cohort_excluded`: the key's attributes are outside the canary cohort, so stable;
 * - `rolled_back`: the rollout is rolled back; everyone gets stable until a restart;
 * - `propagated`: read from W3C baggage set by an upstream service (which did the routing).
 */
export type AssignmentReason = 'split' | 'random' | 'override' | 'cohort_excluded' | 'rolled_back' | 'propagated';

/** Attributes a request carries for overrides and cohort rules (never exported). */
export type RouteAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** The router's answer for one request. Immutable. */
export interface Assignment {
  readonly rolloutId: string;
  /** The version to serve (the stable or the canary version string). */
  readonly version: string;
  readonly role: Role;
  /**
   * The key's position in [0, 10000): canary iff `bucket < trafficPercent * 100`.
   * `null` when the request had no key.
   */
  readonly bucket: number | null;
  /** Canary traffic percent (0..100) in force when routed. */
  readonly trafficPercent: number;
  /** Index of the rollout stage in force when routed. */
  readonly stage: number;
  readonly reason: AssignmentReason;
}

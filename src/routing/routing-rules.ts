import { diag } from '@opentelemetry/api';
import { CanaryConfigError } from '../errors.ts';
import type { Role, RouteAttributes } from './assignment.ts';

/**
 * Forces a role for some requests: every key in `keys` and every request whose attributes satisfy
 * `when` (either suffices; give at least one). Overrides are tried in order and the first match
 * wins. They are ignored once the rollout is rolled back.
 */
export interface RoutingOverride {
  /** Sticky keys forced to `role` (matched exactly). */
  readonly keys?: readonly string[];
  /** Predicate on the request attributes (`{}` when the request has none); a throw counts as no match. */
  readonly when?: (attributes: RouteAttributes) => boolean;
  /** The role forced on matching requests. */
  readonly role: Role;
}

/** A value a cohort attribute may take. */
export type CohortValue = string | number | boolean;

/**
 * Which requests may get the canary; the rest get stable with reason `cohort_excluded`.
 * A record matches when every listed attribute equals the value (or one of the listed values);
 * a function matches when it returns true (a throw counts as no match, so stable).
 */
export type CohortRule =
  | Readonly<Record<string, CohortValue | readonly CohortValue[]>>
  | ((attributes: RouteAttributes) => boolean);

const ROLES: readonly Role[] = ['stable', 'canary'];
const NO_ATTRIBUTES: RouteAttributes = Object.freeze({});

interface CompiledOverride {
  readonly keys: ReadonlySet<string> | undefined;
  readonly when: ((attributes: RouteAttributes) => boolean) | undefined;
  readonly role: Role;
}

/** Validated, pre-indexed overrides. */
export class OverrideRules {
  private readonly _overrides: readonly CompiledOverride[];

  /** @throws CanaryConfigError naming e.g. `overrides[1].role` when an override is invalid. */
  constructor(overrides: readonly RoutingOverride[] | undefined) {
    if (overrides !== undefined && !Array.isArray(overrides)) {
      throw new CanaryConfigError('overrides', 'an array of { keys?, when?, role }', overrides);
    }
    this._overrides = (overrides ?? []).map((override, index) => compileOverride(override, `overrides[${index}]`));
  }

  /** True when there are no overrides, so the router can skip them. */
  get isEmpty(): boolean {
    return this._overrides.length === 0;
  }

  /** The role forced by the first matching override, or `undefined`. */
  roleFor(key: string | undefined, attributes: RouteAttributes | undefined): Role | undefined {
    for (const override of this._overrides) {
      if (key !== undefined && override.keys?.has(key)) return override.role;
      if (override.when && safeTest(override.when, attributes, 'override')) return override.role;
    }
    return undefined;
  }
}

/** A validated cohort rule; matches everyone when none is configured. */
export class CohortMatcher {
  private readonly _predicate: ((attributes: RouteAttributes) => boolean) | undefined;
  private readonly _required: readonly (readonly [string, ReadonlySet<CohortValue>])[];

  /** @throws CanaryConfigError naming `cohort` or `cohort.<attribute>` when invalid. */
  constructor(cohort: CohortRule | undefined) {
    if (typeof cohort === 'function') {
      this._predicate = cohort;
      this._required = [];
    } else {
      this._predicate = undefined;
      this._required = cohort === undefined ? [] : compileCohortRecord(cohort);
    }
  }

  /** True when the rule admits everyone, so the router can skip it. */
  get isEmpty(): boolean {
    return this._predicate === undefined && this._required.length === 0;
  }

  /** Whether a request with `attributes` belongs to the cohort allowed on canary. */
  matches(attributes: RouteAttributes | undefined): boolean {
    if (this._predicate) return safeTest(this._predicate, attributes, 'cohort');
    const given = attributes ?? NO_ATTRIBUTES;
    for (const [name, allowed] of this._required) {
      const value = given[name];
      if (value === undefined || !allowed.has(value)) return false;
    }
    return true;
  }
}

function compileOverride(override: RoutingOverride, field: string): CompiledOverride {
  if (typeof override !== 'object' || override === null) {
    throw new CanaryConfigError(field, 'an object { keys?, when?, role }', override);
  }
  const { keys, when, role } = override;
  if (!ROLES.includes(role)) throw new CanaryConfigError(`${field}.role`, "'stable' | 'canary'", role);
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((key) => typeof key === 'string'))) {
    throw new CanaryConfigError(`${field}.keys`, 'an array of strings', keys);
  }
  if (when !== undefined && typeof when !== 'function') {
    throw new CanaryConfigError(`${field}.when`, 'a function (attributes) => boolean', when);
  }
  if (keys === undefined && when === undefined) {
    throw new CanaryConfigError(field, 'an override with keys, when or both', override);
  }
  return { keys: keys === undefined ? undefined : new Set(keys), when, role };
}

function compileCohortRecord(cohort: unknown): [string, ReadonlySet<CohortValue>][] {
  if (typeof cohort !== 'object' || cohort === null || Array.isArray(cohort)) {
    throw new CanaryConfigError('cohort', 'an object of attribute values or a function (attributes) => boolean', cohort);
  }
  return Object.entries(cohort).map(([name, value]: [string, unknown]) => {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.length === 0 || !values.every(isCohortValue)) {
      throw new CanaryConfigError(`cohort.${name}`, 'a string, number or boolean, or a non-empty array of them', value);
    }
    return [name, new Set(values as CohortValue[])];
  });
}

function isCohortValue(value: unknown): value is CohortValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Runs a user predicate without letting it throw into the request path. */
function safeTest(
  predicate: (attributes: RouteAttributes) => boolean,
  attributes: RouteAttributes | undefined,
  rule: string,
): boolean {
  try {
    return predicate(attributes ?? NO_ATTRIBUTES) === true;
  } catch (error) {
    diag.warn(`agent-canary: ${rule} predicate threw; treated as no match`, error);
    return false;
  }
}

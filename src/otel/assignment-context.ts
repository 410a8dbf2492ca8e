import { context, createContextKey, propagation, type Baggage, type BaggageEntry, type Context } from '@opentelemetry/api';
import type { Assignment, Role } from '../routing/assignment.ts';
import {
  ATTR_CANARY_ROLE,
  ATTR_CANARY_ROLLOUT_ID,
  ATTR_CANARY_STAGE,
  ATTR_CANARY_TRAFFIC_PERCENT,
  ATTR_CANARY_VERSION,
} from './semconv.ts';

const ASSIGNMENT_KEY = createContextKey('agent-canary.assignment');

/** Bound on the rollouts in `_canaryBaggage` (each holds at most two baggage objects). */
const MAX_CACHED_ROLLOUTS = 256;

/** The baggage last built for one role of a rollout, with the assignment it describes. */
interface CachedBaggage {
  readonly assignment: Assignment;
  readonly baggage: Baggage;
}

/**
 * Baggage holding only our entries, by rollout id and role. Building one costs more than the span it
 * travels with, while a rollout has just two contents per stage (stable and canary); baggage objects
 * are immutable, so requests share them safely.
 */
const _canaryBaggage = new Map<string, { stable?: CachedBaggage; canary?: CachedBaggage }>();

/**
 * Baggage objects are immutable and shared by every context of a request, so one parse per baggage
 * object serves all the spans a downstream service starts for that request. `null` caches "no
 * (valid) assignment in this baggage".
 */
const _fromBaggageCache = new WeakMap<Baggage, Assignment | null>();

/**
 * Returns a context that carries `assignment` under our context key and as the W3C baggage entries
 * `canary.rollout.id`, `canary.version`, `canary.role`, `canary.stage` and `canary.traffic.percent`,
 * merged into the baggage already in `ctx` (the caller's other entries are kept; ours replace earlier
 * canary entries). The sticky key is never carried: an `Assignment` does not hold it.
 */
export function withAssignment(ctx: Context, assignment: Assignment): Context {
  const existing = propagation.getBaggage(ctx);
  const baggage = existing === undefined ? canaryBaggage(assignment) : mergedBaggage(existing, assignment);
  return propagation.setBaggage(ctx, baggage).setValue(ASSIGNMENT_KEY, assignment);
}

function canaryBaggage(assignment: Assignment): Baggage {
  let byRole = _canaryBaggage.get(assignment.rolloutId);
  if (byRole === undefined) {
    if (_canaryBaggage.size >= MAX_CACHED_ROLLOUTS) _canaryBaggage.clear();
    byRole = {};
    _canaryBaggage.set(assignment.rolloutId, byRole);
  }
  const slot = assignment.role === 'canary' ? 'canary' : 'stable';
  const cached = byRole[slot];
  if (cached !== undefined && sameBaggageEntries(cached.assignment, assignment)) return cached.baggage;
  const baggage = propagation.createBaggage(baggageEntries(assignment));
  byRole[slot] = { assignment, baggage };
  return baggage;
}

function sameBaggageEntries(a: Assignment, b: Assignment): boolean {
  return a.role === b.role && a.version === b.version && a.stage === b.stage && a.trafficPercent === b.trafficPercent;
}

/** One baggage object per call: each `setEntry` would copy the whole entry map again. */
function mergedBaggage(existing: Baggage, assignment: Assignment): Baggage {
  return propagation.createBaggage({ ...Object.fromEntries(existing.getAllEntries()), ...baggageEntries(assignment) });
}

function baggageEntries(assignment: Assignment): Record<string, BaggageEntry> {
  return {
    [ATTR_CANARY_ROLLOUT_ID]: { value: assignment.rolloutId },
    [ATTR_CANARY_VERSION]: { value: assignment.version },
    [ATTR_CANARY_ROLE]: { value: assignment.role },
    [ATTR_CANARY_STAGE]: { value: String(assignment.stage) },
    [ATTR_CANARY_TRAFFIC_PERCENT]: { value: String(assignment.trafficPercent) },
  };
}

/**
 * The assignment carried by `ctx`: the one set by `withAssignment` in this process, otherwise the one
 * described by the W3C baggage entries (a downstream service that extracted the baggage gets the
 * same version and role). From baggage, `bucket` is `null` (it does not travel) and `reason` is
 * `'propagated'`; an incomplete or malformed set of entries yields `undefined`.
 */
export function assignmentFrom(ctx: Context): Assignment | undefined {
  const local = ctx.getValue(ASSIGNMENT_KEY);
  if (local !== undefined) return local as Assignment;
  const baggage = propagation.getBaggage(ctx);
  return baggage === undefined ? undefined : assignmentFromBaggage(baggage);
}

/** The assignment of the active context (see `assignmentFrom`), or `undefined` outside any. */
export function currentAssignment(): Assignment | undefined {
  return assignmentFrom(context.active());
}

function assignmentFromBaggage(baggage: Baggage): Assignment | undefined {
  let cached = _fromBaggageCache.get(baggage);
  if (cached === undefined) {
    cached = parseBaggage(baggage) ?? null;
    _fromBaggageCache.set(baggage, cached);
  }
  return cached ?? undefined;
}

/** Baggage arrives from the network: every entry is validated before it can reach a span. */
function parseBaggage(baggage: Baggage): Assignment | undefined {
  const rolloutId = baggage.getEntry(ATTR_CANARY_ROLLOUT_ID)?.value;
  const version = baggage.getEntry(ATTR_CANARY_VERSION)?.value;
  const role = baggage.getEntry(ATTR_CANARY_ROLE)?.value;
  const stageText = baggage.getEntry(ATTR_CANARY_STAGE)?.value;
  const percentText = baggage.getEntry(ATTR_CANARY_TRAFFIC_PERCENT)?.value;
  if (!rolloutId || !version || !isRole(role) || !stageText || !percentText) return undefined;
  const stage = Number(stageText);
  const trafficPercent = Number(percentText);
  if (!Number.isSafeInteger(stage) || stage < 0) return undefined;
  if (!(trafficPercent >= 0 && trafficPercent <= 100)) return undefined;
  return Object.freeze({ rolloutId, version, role, bucket: null, trafficPercent, stage, reason: 'propagated' });
}

function isRole(value: string | undefined): value is Role {
  return value === 'stable' || value === 'canary';
}

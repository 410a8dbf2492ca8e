import type { Attributes } from '@opentelemetry/api';
import type { Span as SdkSpan } from '@opentelemetry/sdk-trace';
import type { Assignment } from '../routing/assignment.ts';
import {
  ATTR_CANARY_ROLE,
  ATTR_CANARY_ROLLOUT_ID,
  ATTR_CANARY_STAGE,
  ATTR_CANARY_TRAFFIC_PERCENT,
  ATTR_CANARY_VERSION,
} from './semconv.ts';

/**
 * The private fields of the SDK's `SpanImpl` that `setAttribute` keeps in step with `attributes`.
 * They are probed on every span and never assumed: a span without them takes the public path.
 */
interface SdkSpanInternals {
  _attributesCount?: unknown;
  _spanLimits?: { attributeCountLimit?: unknown; attributeValueLengthLimit?: unknown };
}

/**
 * Sets the five `canary.*` attributes of `assignment` that `span` does not have yet (values the
 * caller set win). The result is exactly what five `setAttribute` calls produce, limits included.
 *
 * Why two paths: in SDK 3.x each `setAttribute` re-validates key and value and allocates an options
 * object (~75 ns), which for five attributes is most of this processor's cost per span. Our values are
 * already validated strings and numbers, so when the span has the SDK's own bookkeeping fields and
 * stays within its count and length limits, writing them directly is equivalent and much cheaper.
 * Any other span (another SDK, a limit in reach, an unexpected value type) goes through `setAttribute`.
 */
export function stampAssignment(span: SdkSpan, assignment: Assignment): void {
  const attributes = span.attributes as Attributes;
  const missing = (attributes[ATTR_CANARY_ROLLOUT_ID] === undefined ? 1 : 0)
    + (attributes[ATTR_CANARY_VERSION] === undefined ? 1 : 0)
    + (attributes[ATTR_CANARY_ROLE] === undefined ? 1 : 0)
    + (attributes[ATTR_CANARY_STAGE] === undefined ? 1 : 0)
    + (attributes[ATTR_CANARY_TRAFFIC_PERCENT] === undefined ? 1 : 0);
  if (missing === 0) return;
  const internals = span as unknown as SdkSpanInternals;
  if (fitsDirectWrite(internals, missing, assignment)) {
    writeMissing(attributes, assignment);
    (internals._attributesCount as number) += missing;
  } else {
    setMissing(span, attributes, assignment);
  }
}

function fitsDirectWrite(internals: SdkSpanInternals, missing: number, assignment: Assignment): boolean {
  const count = internals._attributesCount;
  const limits = internals._spanLimits;
  if (typeof count !== 'number' || typeof limits !== 'object' || limits === null) return false;
  const countLimit = limits.attributeCountLimit;
  const lengthLimit = limits.attributeValueLengthLimit;
  if (typeof countLimit !== 'number' || count + missing > countLimit) return false;
  if (typeof lengthLimit !== 'number' || !(lengthLimit > 0)) return false;
  const { rolloutId, version, role, stage, trafficPercent } = assignment;
  return typeof rolloutId === 'string' && rolloutId.length <= lengthLimit
    && typeof version === 'string' && version.length <= lengthLimit
    && typeof role === 'string' && role.length <= lengthLimit
    && typeof stage === 'number' && typeof trafficPercent === 'number';
}

function writeMissing(attributes: Attributes, assignment: Assignment): void {
  if (attributes[ATTR_CANARY_ROLLOUT_ID] === undefined) attributes[ATTR_CANARY_ROLLOUT_ID] = assignment.rolloutId;
  if (attributes[ATTR_CANARY_VERSION] === undefined) attributes[ATTR_CANARY_VERSION] = assignment.version;
  if (attributes[ATTR_CANARY_ROLE] === undefined) attributes[ATTR_CANARY_ROLE] = assignment.role;
  if (attributes[ATTR_CANARY_STAGE] === undefined) attributes[ATTR_CANARY_STAGE] = assignment.stage;
  if (attributes[ATTR_CANARY_TRAFFIC_PERCENT] === undefined) attributes[ATTR_CANARY_TRAFFIC_PERCENT] = assignment.trafficPercent;
}

function setMissing(span: SdkSpan, attributes: Attributes, assignment: Assignment): void {
  if (attributes[ATTR_CANARY_ROLLOUT_ID] === undefined) span.setAttribute(ATTR_CANARY_ROLLOUT_ID, assignment.rolloutId);
  if (attributes[ATTR_CANARY_VERSION] === undefined) span.setAttribute(ATTR_CANARY_VERSION, assignment.version);
  if (attributes[ATTR_CANARY_ROLE] === undefined) span.setAttribute(ATTR_CANARY_ROLE, assignment.role);
  if (attributes[ATTR_CANARY_STAGE] === undefined) span.setAttribute(ATTR_CANARY_STAGE, assignment.stage);
  if (attributes[ATTR_CANARY_TRAFFIC_PERCENT] === undefined) {
    span.setAttribute(ATTR_CANARY_TRAFFIC_PERCENT, assignment.trafficPercent);
  }
}

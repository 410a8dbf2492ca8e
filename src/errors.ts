/**
 * Thrown at construction (or by an operator call) when configuration is invalid.
 * The message names the field, the allowed values and what was received, e.g.
 * `stages[2].percent must be in 0..100 (got 120)`.
 */
export class CanaryConfigError extends Error {
  /** Dotted path of the offending field, e.g. `rollout.stages[1].percent`. */
  readonly field: string;
  /** Human-readable description of the allowed values, e.g. `0..100`. */
  readonly allowed: string;
  /** The rejected value as received. */
  readonly received: unknown;

  constructor(field: string, allowed: string, received: unknown) {
    super(`${field} must be ${allowed} (got ${describe(received)})`);
    this.name = 'CanaryConfigError';
    this.field = field;
    this.allowed = allowed;
    this.received = received;
  }
}

/** Thrown when an operator action is not allowed in the rollout's current state. */
export class CanaryStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanaryStateError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

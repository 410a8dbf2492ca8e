import { CanaryConfigError } from './errors.ts';

/** Throws unless `value` is a finite number in [min, max]. Returns it for chaining. */
export function requireNumberInRange(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new CanaryConfigError(field, `a finite number in ${min}..${max}`, value);
  }
  return value;
}

/** Throws unless `value` is a finite number strictly between `min` and `max`. */
export function requireNumberBetween(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= min || value >= max) {
    throw new CanaryConfigError(field, `a finite number strictly between ${min} and ${max}`, value);
  }
  return value;
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new CanaryConfigError(field, `an integer ${range}`, value);
  }
  return value;
}

/** Throws unless `value` is a non-empty string. */
export function requireNonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CanaryConfigError(field, 'a non-empty string', value);
  }
  return value;
}

/** Throws unless `value` is one of `allowed`. */
export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new CanaryConfigError(field, `one of ${allowed.map((a) => `'${a}'`).join(' | ')}`, value);
  }
  return value as T;
}

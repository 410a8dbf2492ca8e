import { expect } from 'vitest';
import { CanaryConfigError } from '../../src/errors.ts';

/** Runs `fn`, asserts it throws a `CanaryConfigError`, and returns that error for further checks. */
export function configError(fn: () => unknown): CanaryConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CanaryConfigError);
    return error as CanaryConfigError;
  }
  throw new Error('expected a CanaryConfigError');
}

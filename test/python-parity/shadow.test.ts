// Ports tests/test_shadow.py of the Python agent-canary v0.1.0 (mizcausevic-dev/agent-canary):
// ShadowDeployment. Shadow mode is not implemented in this SDK yet.
import { describe, it } from 'vitest';

describe('python parity: test_shadow.py', () => {
  it.todo('test_returns_stable_result');
  it.todo('test_shadow_runs_in_background');
  it.todo('test_shadow_errors_are_swallowed');
  it.todo('test_comparator_invoked');
  it.todo('test_comparator_errors_swallowed');
});

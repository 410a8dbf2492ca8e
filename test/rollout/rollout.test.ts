import { describe, expect, it } from 'vitest';
import { Rollout } from '../../src/rollout/rollout.ts';
import { Stage } from '../../src/rollout/stage.ts';
import { configError } from '../support/config-error.ts';

describe('Stage', () => {
  it('applies the documented defaults', () => {
    const stage = new Stage({ percent: 5 });
    expect(stage).toMatchObject({ percent: 5, minDurationMs: 0, minSamples: 0, successThreshold: 0.99, onMaxDuration: 'hold' });
    expect(stage.maxP95Ms).toBeUndefined();
    expect(Object.isFrozen(stage)).toBe(true);
  });

  it.each([
    [{ percent: 101 }, 'stage.percent', '0..100'],
    [{ percent: -1 }, 'stage.percent', '0..100'],
    [{ percent: Number.NaN }, 'stage.percent', '0..100'],
    [{ percent: 5, successThreshold: 1.5 }, 'stage.successThreshold', '0..1'],
    [{ percent: 5, minSamples: 2.5 }, 'stage.minSamples', 'integer'],
    [{ percent: 5, maxP95Ms: 0 }, 'stage.maxP95Ms', 'finite number'],
    [{ percent: 5, onMaxDuration: 'explode' as never }, 'stage.onMaxDuration', "'hold' | 'promote' | 'rollback'"],
    [{ percent: 5, minDurationMs: 1000, maxDurationMs: 10 }, 'stage.maxDurationMs', '1000'],
  ])('rejects %j naming %s', (options, field, allowed) => {
    const error = configError(() => new Stage(options));
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(error.message).toContain(allowed);
  });
});

describe('Rollout', () => {
  it('standard() is 1 → 5 → 25 → 50 → 100 % with the Python minimums', () => {
    const stages = Rollout.standard().stages.map((s) => [s.percent, s.minSamples, s.minDurationMs / 1000, s.successThreshold]);
    expect(stages).toEqual([
      [1, 50, 300, 0.99],
      [5, 200, 600, 0.99],
      [25, 500, 900, 0.99],
      [50, 1000, 1200, 0.99],
      [100, 0, 0, 0.99],
    ]);
  });

  it('rejects stages that do not increase, naming the stage', () => {
    const error = configError(() => new Rollout({ stages: [{ percent: 5 }, { percent: 5 }, { percent: 100 }] }));
    expect(error.field).toBe('rollout.stages[1].percent');
  });

  it('rejects a last stage below 100 unless allowPartial says so', () => {
    expect(configError(() => new Rollout({ stages: [{ percent: 5 }, { percent: 50 }] })).field).toBe('rollout.stages[1].percent');
    expect(new Rollout({ stages: [{ percent: 5 }, { percent: 50 }], allowPartial: true }).lastIndex).toBe(1);
  });

  it('rejects an empty stage list and reports nested stage fields', () => {
    expect(configError(() => new Rollout({ stages: [] })).field).toBe('rollout.stages');
    expect(configError(() => new Rollout({ stages: [{ percent: 5, successThreshold: 2 }, { percent: 100 }] })).field).toBe('rollout.stages[0].successThreshold');
  });
});

import { CanaryConfigError } from '../errors.ts';
import { Stage, type StageOptions } from './stage.ts';

/** Options of a staged rollout. */
export interface RolloutOptions {
  /** Stages in order; percents strictly increasing. `Stage` instances or their options. */
  readonly stages: readonly (Stage | StageOptions)[];
  /**
   * Allow the last stage to end below 100 % (the rollout then completes at that percent).
   * Default false: a last stage below 100 is a configuration error.
   */
  readonly allowPartial?: boolean;
}

/** An ordered list of stages. Immutable; validated at construction (throws `CanaryConfigError`). */
export class Rollout {
  readonly stages: readonly Stage[];

  constructor(options: RolloutOptions) {
    const given = options?.stages;
    if (!Array.isArray(given) || given.length === 0) {
      throw new CanaryConfigError('rollout.stages', 'a non-empty array of stages', given);
    }
    const stages = given.map((s: Stage | StageOptions, i) =>
      s instanceof Stage ? s : new Stage(s, `rollout.stages[${i}]`),
    );
    stages.forEach((stage, i) => {
      const previous = stages[i - 1];
      if (previous && stage.percent <= previous.percent) {
        throw new CanaryConfigError(`rollout.stages[${i}].percent`, `greater than the previous stage's ${previous.percent}`, stage.percent);
      }
    });
    const last = stages[stages.length - 1] as Stage;
    if (last.percent !== 100 && options.allowPartial !== true) {
      throw new CanaryConfigError(
        `rollout.stages[${stages.length - 1}].percent`,
        '100 for the last stage (or set allowPartial: true to end below 100)',
        last.percent,
      );
    }
    this.stages = Object.freeze(stages);
    Object.freeze(this);
  }

  /**
   * The standard rollout: 1 → 5 → 25 → 50 → 100 %, with the minimums of the Python agent-canary
   * library: 50 samples / 300 s, 200 / 600 s, 500 / 900 s, 1000 / 1200 s, then 100 %; success >= 0.99.
   */
  static standard(): Rollout {
    return new Rollout({
      stages: [
        { percent: 1, minSamples: 50, minDurationMs: 300_000 },
        { percent: 5, minSamples: 200, minDurationMs: 600_000 },
        { percent: 25, minSamples: 500, minDurationMs: 900_000 },
        { percent: 50, minSamples: 1000, minDurationMs: 1_200_000 },
        { percent: 100 },
      ],
    });
  }

  /** The stage at `index`; throws RangeError outside the rollout. */
  stage(index: number): Stage {
    const stage = this.stages[index];
    if (!stage) throw new RangeError(`stage index ${index} is outside 0..${this.stages.length - 1}`);
    return stage;
  }

  /** Index of the final stage. */
  get lastIndex(): number {
    return this.stages.length - 1;
  }
}

// Online-training settings and their defaults, kept apart from the trainer so that reading them (CLI flags,
// configuration) does not load tfjs.
import type { RoundOptions } from './round.js';
import type { TrainingJob } from './job.js';

export type TrainingMode = 'worker' | 'inline' | 'off';

export interface TrainerOptions {
  mode: TrainingMode;
  /** Start a round after this many closed sensor-steps (summed over sensors); 0 = no step trigger. */
  trainEvery: number;
  /** Live only: also start a round when this much wall-clock time passed since the last; 0 = off. */
  intervalMs: number;
  historySteps: number;
  round: Partial<RoundOptions>;
  /** Test hook, see TrainingJob.poison. */
  poison?: TrainingJob['poison'];
}

export const DEFAULT_TRAINER: TrainerOptions = {
  mode: 'worker',
  trainEvery: 5000,
  intervalMs: 6 * 3600_000,
  historySteps: 24 * 365,
  round: {},
};


// Online-training settings and their defaults, kept apart from the trainer so that reading them (CLI flags,
// configuration) does not load tfjs.
import type { RoundOptions } from './round.js';
import type { TrainingJob } from './job.js';

/**
 * worker: rounds run in the worker thread and swap in when they end (live); inline: rounds run on the event loop and
 * swap in at the next batch (reproducible replays, tests); pipelined: rounds run in the worker while the stream goes
 * on and each one's weights swap in when the next round starts (reproducible replays that overlap training); off.
 */
export type TrainingMode = 'worker' | 'inline' | 'pipelined' | 'off';

export const TRAINING_MODES: readonly TrainingMode[] = ['worker', 'inline', 'pipelined', 'off'];

export interface TrainerOptions {
  mode: TrainingMode;
  /** Start a round after this many closed sensor-steps (summed over sensors); 0 = no step trigger. */
  trainEvery: number;
  /** Live only: also start a round when this much wall-clock time passed since the last; 0 = off. */
  intervalMs: number;
  historySteps: number;
  /** Sensors a round learns from at most: a seeded sample of a larger network, different every round (job.ts). */
  maxSensors: number;
  round: Partial<RoundOptions>;
  /** Test hook, see TrainingJob.poison. */
  poison?: TrainingJob['poison'];
}

export const DEFAULT_TRAINER: TrainerOptions = {
  mode: 'worker',
  trainEvery: 5000,
  intervalMs: 6 * 3600_000,
  historySteps: 24 * 365,
  maxSensors: 32,
  round: {},
};


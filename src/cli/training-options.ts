// Online-training settings of `wxstream serve`: flags, their environment variables and defaults (docs/training.md).
import type { Command } from 'commander';
import { DEFAULT_TRAINER, type TrainerOptions, type TrainingMode } from '../training/options.js';
import { ROUND_BUDGET } from '../training/round-budget.js';
import { intOption } from './int-option.js';

export const TRAINING_ENV = {
  mode: 'WXSTREAM_TRAINING',
  trainEvery: 'WXSTREAM_TRAIN_EVERY',
  intervalSeconds: 'WXSTREAM_TRAIN_INTERVAL',
  steps: 'WXSTREAM_TRAIN_STEPS',
  batch: 'WXSTREAM_TRAIN_BATCH',
  sensors: 'WXSTREAM_TRAIN_SENSORS',
} as const;

export interface TrainingFlags {
  training?: string;
  trainEvery?: number;
  trainInterval?: number;
  trainSteps?: number;
  trainBatch?: number;
  trainSensors?: number;
}

export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--training <mode>', `online training: worker | inline | off [${TRAINING_ENV.mode}, default worker]`)
    .option(
      '--train-every <steps>',
      `closed sensor-steps between rounds, 0 = none [${TRAINING_ENV.trainEvery}, default ${DEFAULT_TRAINER.trainEvery}]`,
      intOption('--train-every'),
    )
    .option(
      '--train-interval <seconds>',
      `also train after this much wall-clock time, 0 = never [${TRAINING_ENV.intervalSeconds}, default ${DEFAULT_TRAINER.intervalMs / 1000}]`,
      intOption('--train-interval'),
    )
    .option(
      '--train-steps <n>',
      `Adam steps per round [${TRAINING_ENV.steps}, default ${ROUND_BUDGET.maxSteps}; 120 with --train-batch 32 for a cold start]`,
      intOption('--train-steps'),
    )
    .option('--train-batch <n>', `windows per Adam step [${TRAINING_ENV.batch}, default ${ROUND_BUDGET.batchSize}]`, intOption('--train-batch'))
    .option(
      '--train-sensors <n>',
      `sensors a round learns from at most, a different sample each round [${TRAINING_ENV.sensors}, default ${DEFAULT_TRAINER.maxSensors}]`,
      intOption('--train-sensors'),
    );
}

/** Flags over environment over defaults; a bad value throws RangeError naming the flag or variable. */
export function trainingFromFlags(flags: TrainingFlags, env: NodeJS.ProcessEnv = process.env): Partial<TrainerOptions> {
  const mode = flags.training ?? env[TRAINING_ENV.mode] ?? 'worker';
  if (mode !== 'worker' && mode !== 'inline' && mode !== 'off') {
    const hint = mode === 'pipelined' ? ' (pipelined is for replays: wxstream replay/eval --training pipelined)' : '';
    throw new RangeError(`--training (${TRAINING_ENV.mode}) must be worker, inline or off; got "${mode}"${hint}`);
  }
  const int = (flag: number | undefined, name: string, fallback: number): number => {
    if (flag !== undefined) return flag;
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new RangeError(`${name} must be a non-negative integer; got "${raw}"`);
    return Number(raw);
  };
  const maxSteps = int(flags.trainSteps, TRAINING_ENV.steps, ROUND_BUDGET.maxSteps);
  const batchSize = int(flags.trainBatch, TRAINING_ENV.batch, ROUND_BUDGET.batchSize);
  if (maxSteps < 1) throw new RangeError(`--train-steps (${TRAINING_ENV.steps}) must be at least 1; got ${maxSteps}`);
  if (batchSize < 1) throw new RangeError(`--train-batch (${TRAINING_ENV.batch}) must be at least 1; got ${batchSize}`);
  const maxSensors = int(flags.trainSensors, TRAINING_ENV.sensors, DEFAULT_TRAINER.maxSensors);
  if (maxSensors < 1) throw new RangeError(`--train-sensors (${TRAINING_ENV.sensors}) must be at least 1; got ${maxSensors}`);
  return {
    mode: mode as TrainingMode,
    trainEvery: int(flags.trainEvery, TRAINING_ENV.trainEvery, DEFAULT_TRAINER.trainEvery),
    intervalMs: 1000 * int(flags.trainInterval, TRAINING_ENV.intervalSeconds, DEFAULT_TRAINER.intervalMs / 1000),
    maxSensors,
    round: { maxSteps, batchSize },
  };
}

// Online-training settings of `wxstream serve`: flags, their environment variables and defaults (docs/training.md).
import type { Command } from 'commander';
import { DEFAULT_TRAINER, type TrainerOptions, type TrainingMode } from '../training/options.js';
import { intOption } from './int-option.js';

export const TRAINING_ENV = {
  mode: 'WXSTREAM_TRAINING',
  trainEvery: 'WXSTREAM_TRAIN_EVERY',
  intervalSeconds: 'WXSTREAM_TRAIN_INTERVAL',
} as const;

export interface TrainingFlags {
  training?: string;
  trainEvery?: number;
  trainInterval?: number;
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
    );
}

/** Flags over environment over defaults; a bad value throws RangeError naming the flag or variable. */
export function trainingFromFlags(flags: TrainingFlags, env: NodeJS.ProcessEnv = process.env): Partial<TrainerOptions> {
  const mode = flags.training ?? env[TRAINING_ENV.mode] ?? 'worker';
  if (mode !== 'worker' && mode !== 'inline' && mode !== 'off') {
    throw new RangeError(`--training (${TRAINING_ENV.mode}) must be worker, inline or off; got "${mode}"`);
  }
  const int = (flag: number | undefined, name: string, fallback: number): number => {
    if (flag !== undefined) return flag;
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new RangeError(`${name} must be a non-negative integer; got "${raw}"`);
    return Number(raw);
  };
  return {
    mode: mode as TrainingMode,
    trainEvery: int(flags.trainEvery, TRAINING_ENV.trainEvery, DEFAULT_TRAINER.trainEvery),
    intervalMs: 1000 * int(flags.trainInterval, TRAINING_ENV.intervalSeconds, DEFAULT_TRAINER.intervalMs / 1000),
  };
}

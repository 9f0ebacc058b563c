// Wires model versions into a server: the online trainer (loaded only when training is on), the builder of serving
// forecasters from stored weights (champion-follower.ts serves each new champion with it), and training gauges.
import { Gauge, type Registry } from 'prom-client';
import type { SchedulerLike } from 'rxjs';
import type { SavedWeights, ServingForecaster } from '../model/index.js';
import type { Logger } from '../log.js';
import type { ModelHost } from '../pipeline/model-host.js';
import type { ModelRegistry } from '../ports/model-registry.js';
import type { Store } from '../store/index.js';
import type { Trainer, TrainerOptions } from '../training/trainer.js';

export interface TrainerWiring {
  store: Store;
  host: ModelHost;
  log: Logger;
  stepMs: number;
  maxGapSteps: number;
  /** Declared UTC offset of the stations, hours (config stationUtcOffset): new sensors' and windows' first clock. */
  stationUtcOffsetHours?: number;
  /** Whole days the stations' time-feature clock is shifted by (config stationHemisphere south: 182). */
  seasonDays?: number;
  /** The server's clock and timers, for the trainer's wall-clock trigger. */
  scheduler?: SchedulerLike;
}

/** The one way this server builds a serving forecaster from stored weights, with its stations' clock settings. */
export async function servingBuilder(w: TrainerWiring): Promise<(saved: SavedWeights) => ServingForecaster> {
  const m = await import('../model/index.js');
  return (saved) => m.forecasterFromWeights(saved, { stationUtcOffsetHours: w.stationUtcOffsetHours, seasonDays: w.seasonDays });
}

export async function startTrainer(
  options: Partial<TrainerOptions> | undefined,
  w: TrainerWiring & { registry: ModelRegistry },
): Promise<Trainer | undefined> {
  if (options === undefined || options.mode === 'off') return undefined;
  const { Trainer } = await import('../training/trainer.js');
  const rules = { stepMs: w.stepMs, maxGapSteps: w.maxGapSteps };
  // Training windows start a sensor's history from the same clock a new live sensor starts from, season included.
  const round = options.round ?? {};
  const station = {
    ...(w.stationUtcOffsetHours === undefined ? {} : { stationUtcOffsetHours: w.stationUtcOffsetHours }),
    ...(w.seasonDays === undefined ? {} : { seasonDays: w.seasonDays }),
  };
  const withOffset: Partial<TrainerOptions> =
    Object.keys(station).length === 0 ? options : { ...options, round: { ...round, sampling: { ...round.sampling, ...station } } };
  const ctx = { store: w.store, registry: w.registry, host: w.host, log: w.log, rules, ...(w.scheduler ? { scheduler: w.scheduler } : {}) };
  const trainer = new Trainer(ctx, withOffset);
  w.log.info({ mode: options.mode ?? 'worker', trainEvery: options.trainEvery }, 'online training on');
  return trainer;
}

/** Training gauges on the server's registry (event-loop lag p99 comes with the default Node metrics). */
export function registerTrainingMetrics(registry: Registry, trainer: Trainer): void {
  const stat = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  stat('wxstream_training_rounds', 'training rounds finished (promoted, rejected or skipped)', () => trainer.stats.rounds);
  stat('wxstream_training_promoted', 'training candidates promoted to champion', () => trainer.stats.promoted);
  stat('wxstream_training_rejected', 'training candidates rejected by the champion/challenger gate', () => trainer.stats.rejected);
  stat('wxstream_training_failed', 'training rounds that failed with an error', () => trainer.stats.failed);
  stat('wxstream_training_last_round_seconds', 'duration of the last training round', () => trainer.stats.lastDurationMs / 1000);
  stat('wxstream_training_windows_per_second', 'training throughput of the last round', () => trainer.stats.lastWindowsPerSecond);
}

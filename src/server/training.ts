// Wires model versions into a server: the online trainer (loaded only when training is on), a watcher that swaps
// in a champion changed from outside (`wxstream models promote|rollback`), and their Prometheus gauges.
import { Gauge, type Registry } from 'prom-client';
import type { SchedulerLike } from 'rxjs';
import type { SavedWeights, ServingForecaster } from '../model/index.js';
import type { Logger } from '../log.js';
import type { ModelHost } from '../pipeline/model-host.js';
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

async function rnnFor(w: TrainerWiring): Promise<(saved: SavedWeights) => ServingForecaster> {
  const m = await import('../model/index.js');
  return (saved) => m.forecasterFromWeights(saved, { stationUtcOffsetHours: w.stationUtcOffsetHours, seasonDays: w.seasonDays });
}

export async function startTrainer(options: Partial<TrainerOptions> | undefined, w: TrainerWiring): Promise<Trainer | undefined> {
  if (options === undefined || options.mode === 'off') return undefined;
  const [{ Trainer }, forecasterFor] = await Promise.all([import('../training/trainer.js'), rnnFor(w)]);
  const rules = { stepMs: w.stepMs, maxGapSteps: w.maxGapSteps };
  // Training windows start a sensor's history from the same clock a new live sensor starts from, season included.
  const round = options.round ?? {};
  const station = {
    ...(w.stationUtcOffsetHours === undefined ? {} : { stationUtcOffsetHours: w.stationUtcOffsetHours }),
    ...(w.seasonDays === undefined ? {} : { seasonDays: w.seasonDays }),
  };
  const withOffset: Partial<TrainerOptions> =
    Object.keys(station).length === 0 ? options : { ...options, round: { ...round, sampling: { ...round.sampling, ...station } } };
  const ctx = { store: w.store, host: w.host, log: w.log, rules, forecasterFor, ...(w.scheduler ? { scheduler: w.scheduler } : {}) };
  const trainer = new Trainer(ctx, withOffset);
  w.log.info({ mode: options.mode ?? 'worker', trainEvery: options.trainEvery }, 'online training on');
  return trainer;
}

/**
 * Poll the champion row and swap it in when it changed outside this process's trainer (CLI promote/rollback).
 * A cheap indexed query every `intervalMs`; returns the stop function.
 */
export function watchChampion(w: TrainerWiring, intervalMs: number): () => void {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    // Poll the version only; the weights are read when it changed.
    const version = w.store.models.championVersion();
    if (version === undefined || version === w.host.nextVersion) return;
    const champion = w.store.models.get(version);
    if (champion === undefined) return;
    busy = true;
    try {
      const { forecaster, release } = (await rnnFor(w))(champion);
      // The trainer may have queued its own promotion meanwhile; the database's champion wins.
      w.host.swap(champion.version, forecaster, release, { sliced: true });
      w.log.info({ version: champion.version }, 'champion changed in the database: swapping it in');
    } catch (err) {
      w.log.error({ err: String(err), version: champion.version }, 'cannot serve the new champion; keeping the current model');
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
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

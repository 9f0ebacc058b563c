// An in-process server for a replay: temporary database, chosen training mode, and either the server's default
// model (shipped default weights when present) or a cold start from a freshly seeded, untrained model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hemisphere } from '../config.js';
import type { Logger } from '../log.js';
import type { ModelOptions } from '../model/index.js';
import { DEFAULT_MODEL_SEED, startServer, type ForecasterFactory, type RunningServer } from '../server/index.js';
import { TRAINING_MODES, type TrainingMode } from '../training/options.js';
import type { TrainerOptions, TrainerStats } from '../training/trainer.js';
import { ReplayOptionError } from './replay-error.js';

export interface InProcessOptions {
  /**
   * 'inline' and 'pipelined' make a replay reproducible (inline: each round runs between the same batches and serves
   * from the next; pipelined: it trains in the worker while the replay goes on and serves from the next round's
   * start); 'worker' is what serve runs.
   */
  training: TrainingMode;
  /** Closed sensor-steps between training rounds; undefined = the trainer's default. */
  trainEvery: number | undefined;
  /** Sensors a round learns from at most; undefined = the trainer's default (src/training/job.ts roundSensors). */
  trainSensors: number | undefined;
  /** Passed to every training round (see src/training/round.ts). */
  round: TrainerOptions['round'] | undefined;
  /** Start from a fresh seeded model instead of the server's default (shipped weights when present). */
  coldStart: boolean;
  /** Where the stations are ("+01:00"): new sensors' clocks start there (config stationUtcOffset). */
  stationUtcOffset: string | undefined;
  /** The stations' hemisphere (config stationHemisphere): 'south' shifts the time features half a year. */
  stationHemisphere: Hemisphere | undefined;
  /** Architecture and seed of the cold-start model. */
  coldModel: ModelOptions;
  /** Any other starting model (tests: a small pre-trained one); excludes coldStart. */
  forecaster: ForecasterFactory | undefined;
  stepSeconds: number;
  horizon: number;
  log: Logger | undefined;
}

export const IN_PROCESS_DEFAULTS: Readonly<InProcessOptions> = Object.freeze({
  training: 'inline',
  trainEvery: undefined,
  trainSensors: undefined,
  round: undefined,
  coldStart: false,
  stationUtcOffset: undefined,
  stationHemisphere: undefined,
  coldModel: { seed: DEFAULT_MODEL_SEED },
  forecaster: undefined,
  stepSeconds: 3600,
  horizon: 24,
  log: undefined,
});

export interface InProcessServer {
  server: RunningServer;
  /** Where version 1 came from, as the server recorded it (e.g. "shipped default weights"). */
  startingModel(): string;
  trainerStats(): TrainerStats | undefined;
  /** Close the server and delete its temporary database. */
  close(): Promise<void>;
}

/** A seeded, untrained RNN saved as version 1 whatever weights ship with the code: the cold-start baseline. */
export function coldStartFactory(model: ModelOptions = {}): ForecasterFactory {
  return async ({ store, stepSeconds, horizon, log, stationUtcOffsetHours, seasonDays }) => {
    const m = await import('../model/index.js');
    await m.initBackend();
    const seeded = m.Seq2Seq.create({ seed: DEFAULT_MODEL_SEED, ...model, stepSeconds, horizon });
    const saved = m.saveModel(seeded);
    const version = store.models.insert({
      status: 'champion',
      config: saved.config,
      weights: saved.weights,
      metrics: { source: `cold start: seeded init (seed ${seeded.config.seed})` },
    });
    log.info({ modelVersion: version }, 'replay cold start: serving a freshly seeded model');
    return { version, ...m.forecasterFromWeights(seeded, { stationUtcOffsetHours, seasonDays }) };
  };
}

/**
 * Weights from model files (`${base}.json` + `${base}.bin`, as `train:default --out` writes them) saved as version 1:
 * a replay from weights trained on other data than the shipped ones.
 * @throws ReplayOptionError when the files are unreadable or damaged, or their step or horizon is not the server's
 */
export function modelFileFactory(base: string): ForecasterFactory {
  return async ({ store, stepSeconds, horizon, log, stationUtcOffsetHours, seasonDays }) => {
    const m = await import('../model/index.js');
    await m.initBackend();
    let model: Awaited<ReturnType<typeof m.readModelFiles>>;
    try {
      model = await m.readModelFiles(base);
    } catch (err) {
      // A damaged or foreign file is the caller's input, like a bad CSV line: one sentence, not a stack.
      throw new ReplayOptionError(`cannot use the model files ${base}.json/.bin: ${(err as Error).message}`);
    }
    const c = model.config;
    if (c.stepSeconds !== stepSeconds || c.horizon !== horizon) {
      model.dispose();
      throw new ReplayOptionError(`the model files ${base} forecast ${c.horizon} steps of ${c.stepSeconds} s, not ${horizon} of ${stepSeconds} s`);
    }
    const saved = m.saveModel(model);
    const version = store.models.insert({ status: 'champion', config: saved.config, weights: saved.weights, metrics: { source: `model files ${base}` } });
    log.info({ modelVersion: version, base }, 'replay: serving the given model files');
    return { version, ...m.forecasterFromWeights(model, { stationUtcOffsetHours, seasonDays }) };
  };
}

/**
 * @example
 *   const p = await startInProcess({ training: 'inline', coldStart: true });
 *   await replayOverSocket(readings, { url: p.server.url });
 *   await p.close();
 */
export async function startInProcess(options: Partial<InProcessOptions> = {}): Promise<InProcessServer> {
  const o = { ...IN_PROCESS_DEFAULTS, ...options };
  if (!TRAINING_MODES.includes(o.training)) throw new RangeError(`training must be one of ${TRAINING_MODES.join(', ')}; got "${o.training}"`);
  if (o.coldStart && o.forecaster) throw new RangeError('coldStart and forecaster exclude each other: both choose the starting model');
  const factory = o.coldStart ? coldStartFactory(o.coldModel) : o.forecaster;
  const dir = mkdtempSync(join(tmpdir(), 'wxstream-replay-'));
  let server: RunningServer;
  try {
    server = await startServer({
      port: 0,
      db: join(dir, 'replay.db'),
      stepSeconds: o.stepSeconds,
      horizon: o.horizon,
      ...(o.stationUtcOffset === undefined ? {} : { stationUtcOffset: o.stationUtcOffset }),
      ...(o.stationHemisphere === undefined ? {} : { stationHemisphere: o.stationHemisphere }),
      ...(factory ? { forecaster: factory } : {}),
      ...(o.log ? { log: o.log } : {}),
      training: {
        mode: o.training,
        // Wall-clock rounds would make a replay depend on the machine's speed.
        intervalMs: 0,
        ...(o.trainEvery !== undefined ? { trainEvery: o.trainEvery } : {}),
        ...(o.trainSensors !== undefined ? { maxSensors: o.trainSensors } : {}),
        ...(o.round ? { round: o.round } : {}),
      },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    startingModel() {
      const first = server.store.models.get(1)?.metrics as { source?: unknown } | null | undefined;
      return typeof first?.source === 'string' ? first.source : 'server default model';
    },
    trainerStats: () => (server.trainer ? { ...server.trainer.stats } : undefined),
    async close() {
      try {
        await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

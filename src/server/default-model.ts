// Default wiring of the forecaster: the recurrent model's current champion from the model_versions table; for a
// new database the shipped default weights (or, without them, a seeded Seq2Seq) saved as version 1. The model
// layer (and tfjs) is imported lazily, only when used.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Forecaster } from '../forecaster.js';
import type { BackendChoice } from '../model/backend-name.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';

export interface ModelChoice {
  version: number;
  forecaster: Forecaster;
  /** Releases what the forecaster does not own (the shared weights). */
  release?: () => void;
}

export interface ModelContext {
  store: Store;
  stepSeconds: number;
  horizon: number;
  log: Logger;
  /** Declared UTC offset of the stations (config stationUtcOffset), hours; seeds new sensors' clocks. */
  stationUtcOffsetHours?: number;
  /** Whole days the stations' time-feature clock is shifted by (config stationHemisphere south: 182). */
  seasonDays?: number;
  /** The tfjs backend to start (config backend); default WXSTREAM_BACKEND, else auto. */
  backend?: BackendChoice;
}

/** Builds the forecaster a server starts with; tests inject a baseline or a fake. */
export type ForecasterFactory = (ctx: ModelContext) => ModelChoice | Promise<ModelChoice>;

/** Seed of the fresh model made when a database has no champion: the same database start is reproducible. */
export const DEFAULT_MODEL_SEED = 1;

/**
 * The RNN factory. For a new database it saves, as version 1, the weights at `${shippedWeights}.json/.bin` when
 * they exist and match the step and horizon, else a seeded init.
 * @param options.shippedWeights default SHIPPED_WEIGHTS (src/model/default/model)
 */
export const rnnFactory =
  (options: { shippedWeights?: string } = {}): ForecasterFactory =>
  async ({ store, stepSeconds, horizon, log, stationUtcOffsetHours, seasonDays, backend: choice }) => {
    const m = await import('../model/index.js');
    const backend = await m.initBackend(choice);
    const champion = store.models.champion();
    if (champion !== undefined) {
      const model = m.loadModel(champion.config, champion.weights);
      const c = model.config;
      if (c.stepSeconds !== stepSeconds || c.horizon !== horizon) {
        model.dispose();
        throw new RangeError(
          `option "stepSeconds"/"horizon" (${stepSeconds} s, ${horizon}) must match the champion model ` +
            `${champion.version} of this database (${c.stepSeconds} s, ${c.horizon})`,
        );
      }
      log.info({ modelVersion: champion.version, backend, cell: c.cell, hidden: c.hidden, layers: m.layerCount(c) }, 'serving champion model');
      return { version: champion.version, ...m.forecasterFromWeights(model, { stationUtcOffsetHours, seasonDays }) };
    }
    const shipped = await shippedDefault(m, options.shippedWeights ?? SHIPPED_WEIGHTS, stepSeconds, horizon, log);
    const model = shipped ?? m.Seq2Seq.create({ stepSeconds, horizon, seed: DEFAULT_MODEL_SEED });
    const saved = m.saveModel(model);
    const version = store.models.insert({
      status: 'champion',
      config: saved.config,
      weights: saved.weights,
      metrics: { source: shipped ? 'shipped default weights' : `seeded init (seed ${DEFAULT_MODEL_SEED})` },
    });
    if (shipped) {
      const weights = options.shippedWeights ?? SHIPPED_WEIGHTS;
      log.info({ modelVersion: version, backend, weights }, 'new database: saved the shipped default model as version 1');
    } else {
      log.warn(
        { modelVersion: version, backend, seed: DEFAULT_MODEL_SEED },
        'no champion model in the database: created an untrained seeded model as version 1 (train one to get useful forecasts)',
      );
    }
    return { version, ...m.forecasterFromWeights(model, { stationUtcOffsetHours, seasonDays }) };
  };

/** The default factory: champion, else shipped default weights, else a seeded init. */
export const rnnFromStore: ForecasterFactory = rnnFactory();

/** Trained weights shipped with the code (scripts/train-default.ts writes them): `${base}.json` + `${base}.bin`. */
export const SHIPPED_WEIGHTS = fileURLToPath(new URL('../model/default/model', import.meta.url));

type ModelModule = typeof import('../model/index.js');

async function shippedDefault(m: ModelModule, base: string, stepSeconds: number, horizon: number, log: Logger) {
  if (!existsSync(`${base}.json`) || !existsSync(`${base}.bin`)) return undefined;
  try {
    const model = await m.readModelFiles(base);
    if (model.config.stepSeconds === stepSeconds && model.config.horizon === horizon) return model;
    log.warn(
      { step: model.config.stepSeconds, horizon: model.config.horizon, wantedStep: stepSeconds, wantedHorizon: horizon },
      `the shipped default weights are for a ${model.config.stepSeconds} s step and horizon ${model.config.horizon}, not ` +
        `${stepSeconds} s and ${horizon}: starting from an untrained seeded model, whose forecasts are noise until ` +
        'online training promotes a trained one (docs/configuration.md)',
    );
    model.dispose();
  } catch (err) {
    log.warn({ err: String(err) }, 'shipped default model unreadable; starting from a seeded one instead');
  }
  return undefined;
}

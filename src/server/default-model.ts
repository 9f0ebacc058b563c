// Default wiring of the forecaster: the recurrent model's current champion from the model_versions table, or a
// freshly seeded Seq2Seq saved as version 1. The model layer (and tfjs) is imported lazily, only when used.
import type { Forecaster } from '../forecaster.js';
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
}

/** Builds the forecaster a server starts with; tests inject a baseline or a fake. */
export type ForecasterFactory = (ctx: ModelContext) => ModelChoice | Promise<ModelChoice>;

/** Seed of the fresh model made when a database has no champion: the same database start is reproducible. */
export const DEFAULT_MODEL_SEED = 1;

export const rnnFromStore: ForecasterFactory = async ({ store, stepSeconds, horizon, log }) => {
  const m = await import('../model/index.js');
  const backend = await m.initBackend();
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
    log.info({ modelVersion: champion.version, backend, cell: c.cell, hidden: c.hidden }, 'serving champion model');
    return { version: champion.version, forecaster: new m.RnnForecaster({ model }), release: () => model.dispose() };
  }
  const model = m.Seq2Seq.create({ stepSeconds, horizon, seed: DEFAULT_MODEL_SEED });
  const saved = m.saveModel(model);
  const version = store.models.insert({ status: 'champion', config: saved.config, weights: saved.weights, metrics: null });
  log.warn(
    { modelVersion: version, backend, seed: DEFAULT_MODEL_SEED },
    'no champion model in the database: created an untrained seeded model as version 1 (train one to get useful forecasts)',
  );
  return { version, forecaster: new m.RnnForecaster({ model }), release: () => model.dispose() };
};

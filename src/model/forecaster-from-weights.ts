// The one way weights become a serving forecaster: saved (or freshly loaded) weights plus where the stations are
// -> an RnnForecaster and the release of the weights it shares. Server start, promotions, the champion watcher,
// replays and tests all build it here, so a new station option reaches every path at once.
import { RnnForecaster } from './rnn-forecaster.js';
import { Seq2Seq } from './seq2seq.js';
import { loadModel } from './serialize.js';

/** Where this node's stations are; both seed new sensors' time-feature clocks (see RnnForecasterOptions). */
export interface StationOptions {
  /** Declared UTC offset of the stations, hours (config stationUtcOffset). Default: the UTC clock. */
  stationUtcOffsetHours?: number;
  /** Whole days the time-feature clock is shifted by (config stationHemisphere south: 182). Default 0. */
  seasonDays?: number;
}

/** Weights as stored (a model_versions row, a SavedModel); the config is validated when loaded. */
export interface SavedWeights {
  config: unknown;
  weights: Uint8Array;
}

export interface ServingForecaster {
  forecaster: RnnForecaster;
  /** Disposes the weights; the forecaster does not own them (ModelHost releases them after a swap). */
  release: () => void;
}

/**
 * Build the serving forecaster for weights.
 *
 * @example
 *   const { forecaster, release } = forecasterFromWeights(store.models.champion()!, { stationUtcOffsetHours: 8 });
 * @param weights a saved model (config + weights blob, as stored in model_versions) or a loaded Seq2Seq, whose
 *   ownership passes to `release`
 * @param station where the stations are; absent fields keep RnnForecaster's defaults
 * @throws ModelError when saved weights are damaged or do not match their config
 */
export function forecasterFromWeights(weights: SavedWeights | Seq2Seq, station: StationOptions = {}): ServingForecaster {
  const model = weights instanceof Seq2Seq ? weights : loadModel(weights.config, weights.weights);
  const { stationUtcOffsetHours, seasonDays } = station;
  return { forecaster: new RnnForecaster({ model, stationUtcOffsetHours, seasonDays }), release: () => model.dispose() };
}

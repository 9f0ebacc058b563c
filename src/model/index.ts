// Public surface of the model layer: configuration, the Seq2Seq weights, training, windows, serialization
// and the live RnnForecaster. Other layers import from here, not from individual files.
export { initBackend, currentBackend, BackendUnavailableError, type BackendChoice, type BackendName } from './backend.js';
export {
  DEFAULT_MODEL_CONFIG,
  DEFAULT_CLOCK,
  SOUTHERN_SEASON_DAYS,
  withSeasonDays,
  resolveModelConfig,
  architectureTag,
  stateSize,
  layerCount,
  MAX_LAYERS,
  CELL_TYPES,
  COVARIATES,
  type CellType,
  type Covariate,
  type ModelConfig,
  type ModelOptions,
  type NormalizationConfig,
  type ClockConfig,
  type Scale,
} from './config.js';
export { freshClock, updateClock, clockShiftMs, hintedShift, startClock, type ClockState } from './clock.js';
export { ModelError, type ModelErrorCode } from './errors.js';
export { encoderFeatureNames, decoderContextNames, writeTimeFeatures } from './features.js';
export { freshNormalizer, updateNormalizer, normalizerScale, type NormalizerState } from './normalizer.js';
export { cellStep, cellParamSpecs, type CellState, type ParamSpec } from './cells.js';
export { Seq2Seq, OUTPUTS, modelParamSpecs, type TeacherForcing } from './seq2seq.js';
export { buildWindows, checkSeries, clockAfter, DEFAULT_WINDOW_OPTIONS, windowIndices, type TrainingWindow, type WindowOptions } from './windows.js';
export { forecastLoss } from './loss.js';
export { predictWindows, scoreWindows, windowLoss, type PredictOptions, type WindowScore } from './predict.js';
export {
  train,
  DEFAULT_TRAIN_OPTIONS,
  type TrainOptions,
  type TrainResult,
  type TrainHistory,
  type TrainProgress,
  type FreeRunSchedule,
} from './train.js';
export {
  saveModel,
  loadModel,
  writeModelFiles,
  readModelFiles,
  type SavedModel,
  type SavedModelConfig,
} from './serialize.js';
export { applyIntervalScale, calibrateIntervals } from './calibration.js';
export { RnnForecaster, type RnnForecasterOptions } from './rnn-forecaster.js';
export { forecasterFromWeights, type SavedWeights, type ServingForecaster, type StationOptions } from './forecaster-from-weights.js';

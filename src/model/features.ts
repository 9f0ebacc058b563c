// Input assembly shared by live inference and training windows: time features (bucket end, on the sensor's
// aligned clock: UTC plus its clock shift, clock.ts) and the encoder/decoder input rows, written into flat
// Float32Arrays so a whole batch becomes one tensor.
import type { StepObservation } from '../forecaster.js';
import type { ModelConfig, Scale } from './config.js';

const DAY_MS = 86_400_000;
/** Mean tropical year: the seasonal phase drifts by < 1 day against the calendar, with no jump at New Year. */
const YEAR_MS = 365.2425 * DAY_MS;
const TWO_PI = 2 * Math.PI;

/** Number of time features written by writeTimeFeatures. */
export const TIME_FEATURES = 4;

/** hour-of-day and day-of-year phases of `t` (epoch ms, UTC; the bucket end), as sin/cos pairs. */
export function writeTimeFeatures(t: number, out: Float32Array, at: number): void {
  const day = (TWO_PI * (((t % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  const year = (TWO_PI * (((t % YEAR_MS) + YEAR_MS) % YEAR_MS)) / YEAR_MS;
  out[at] = Math.sin(day);
  out[at + 1] = Math.cos(day);
  out[at + 2] = Math.sin(year);
  out[at + 3] = Math.cos(year);
}

export function encoderFeatureNames(config: ModelConfig): string[] {
  return ['temp', 'temp_missing', 'level', 'hour_sin', 'hour_cos', 'doy_sin', 'doy_cos', ...covariateNames(config)];
}

/** Per-step decoder context; the decoder input is [previous residual, ...context]. */
export function decoderContextNames(config: ModelConfig): string[] {
  return [
    'hour_sin', 'hour_cos', 'doy_sin', 'doy_cos', 'lead',
    'origin_hour_sin', 'origin_hour_cos', 'last_temp', 'level', 'origin_missing', ...covariateNames(config),
    ...(config.dailyProfile ? ['profile_delta'] : []),
  ];
}

function covariateNames(config: ModelConfig): string[] {
  return config.covariates.flatMap((c) => [c, `${c}_missing`]);
}

export function encoderInputSize(config: ModelConfig): number {
  return 7 + 2 * config.covariates.length;
}

export function decoderContextSize(config: ModelConfig): number {
  return 10 + 2 * config.covariates.length + (config.dailyProfile ? 1 : 0);
}

export function decoderInputSize(config: ModelConfig): number {
  return 1 + decoderContextSize(config);
}

/** Throws TypeError unless v is absent, null or a finite number: bad readings are rejected, not coerced. */
export function checkReading(name: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`${name} must be a finite number or null; got ${String(v)}`);
  }
}

/** Throws TypeError for a malformed observation: readings must be finite numbers or null. */
export function checkObservation(obs: StepObservation, where: string): void {
  if (typeof obs.sensor !== 'string' || obs.sensor === '') throw new TypeError(`${where}.sensor must be a non-empty string`);
  if (!Number.isSafeInteger(obs.t)) throw new TypeError(`${where}.t must be an integer epoch ms; got ${obs.t}`);
  if (obs.temp === undefined) throw new TypeError(`${where}.temp must be a number or null`);
  checkReading(`${where}.temp`, obs.temp);
  checkReading(`${where}.pressure`, obs.pressure);
  checkReading(`${where}.dewpoint`, obs.dewpoint);
  checkReading(`${where}.wind`, obs.wind);
}

/** Per-step scaling: the stats in force after the step, and the recent level (deg C). */
export interface StepScale extends Scale {
  level: number;
  /** Added to the step time before its time features are computed (clock.ts); default 0. */
  clockShiftMs?: number;
}

/** One encoder row for step `obs`. */
export function writeEncoderInput(obs: StepObservation, scale: StepScale, config: ModelConfig, out: Float32Array, at: number): void {
  const temp = obs.temp;
  out[at] = temp === null ? 0 : (temp - scale.mean) / scale.sd;
  out[at + 1] = temp === null ? 1 : 0;
  out[at + 2] = (scale.level - scale.mean) / scale.sd;
  writeTimeFeatures(obs.t + (scale.clockShiftMs ?? 0), out, at + 3);
  writeCovariates(obs, config, out, at + 7);
}

/** What the decoder needs to know about the forecast origin, besides the recurrent state. */
export interface OriginInfo {
  /** End of the last observed step (epoch ms). */
  t: number;
  /** Last observed (non-null) temperature scaled by the origin's stats; 0 when none was ever seen. */
  zLast: number;
  /** Recent level relative to the last temperature, in the origin's sd units. */
  levelResidual: number;
  /** Whether the origin step itself had no temperature (the residual base is then stale). */
  originMissing: boolean;
  /** The origin step's observation, for its covariates. */
  obs: StepObservation;
  /** Added to the origin and target times before their time features are computed (clock.ts); default 0. */
  clockShiftMs?: number;
  /** Per lead k-1: the sensor's mean daily profile at the target hour minus at the origin hour, in sd units. */
  profileDelta?: Float32Array;
}

/** Decoder context rows for all leads of one sensor, laid out [lead][batch][feature]. */
export function writeDecoderContext(
  origin: OriginInfo,
  config: ModelConfig,
  out: Float32Array,
  row: number,
  batch: number,
): void {
  const size = decoderContextSize(config);
  const stepMs = config.stepSeconds * 1000;
  // The origin's hour next to the target's makes the diurnal part of a residual (target minus last reading)
  // a linear function of the inputs.
  const t0 = origin.t + (origin.clockShiftMs ?? 0);
  const originTime = new Float32Array(TIME_FEATURES);
  writeTimeFeatures(t0, originTime, 0);
  for (let k = 0; k < config.horizon; k++) {
    const at = (k * batch + row) * size;
    writeTimeFeatures(t0 + (k + 1) * stepMs, out, at);
    out[at + 4] = (k + 1) / config.horizon;
    out[at + 5] = originTime[0];
    out[at + 6] = originTime[1];
    out[at + 7] = origin.zLast;
    out[at + 8] = origin.levelResidual;
    out[at + 9] = origin.originMissing ? 1 : 0;
    writeCovariates(origin.obs, config, out, at + 10);
    if (config.dailyProfile) out[at + 10 + 2 * config.covariates.length] = origin.profileDelta?.[k] ?? 0;
  }
}

function writeCovariates(obs: StepObservation, config: ModelConfig, out: Float32Array, at: number): void {
  const scales = config.normalization.covariates;
  for (let i = 0; i < config.covariates.length; i++) {
    const name = config.covariates[i];
    const v = obs[name];
    const s = scales[name];
    const missing = v === undefined || v === null;
    out[at + 2 * i] = missing ? 0 : (v - s.mean) / s.sd;
    out[at + 2 * i + 1] = missing ? 1 : 0;
  }
}

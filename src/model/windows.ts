// Training/evaluation windows from one sensor's contiguous grid series, normalized step by step exactly as
// the live forecaster would have (the running stats are advanced along the whole series, not per window).
import type { StepObservation } from '../forecaster.js';
import { resolveModelConfig, type ModelConfig, type ModelOptions, type Scale } from './config.js';
import { ModelError } from './errors.js';
import { checkObservation, decoderContextSize, encoderInputSize, writeDecoderContext, writeEncoderInput } from './features.js';
import type { ClockState } from './clock.js';
import type { NormalizerState } from './normalizer.js';
import { advanceTrack, freshTrack, originOf } from './track.js';

export interface TrainingWindow {
  sensor: string;
  /** Index in the series of the first context step. */
  start: number;
  /** End of the last context step (epoch ms): the forecast origin. */
  origin: number;
  /** Encoder inputs, [contextLength][encoderInputSize], each step scaled by the stats in force then. */
  encoder: Float32Array;
  /** Decoder context, [horizon][decoderContextSize]. */
  decoder: Float32Array;
  /** Targets as residuals in the origin's normalized units, [horizon]; NaN where the temperature is missing. */
  target: Float32Array;
  /** Raw target temperatures (deg C), for scoring in real units. */
  targetTemp: (number | null)[];
  /** Running statistics and the scale in force at the origin. */
  normalizer: NormalizerState;
  scale: Scale;
  /** Temperature the residuals are relative to (last reading, else the running mean). */
  base: number;
}

export interface WindowOptions {
  /** Model config (or options): horizon, step, covariates and normalization come from it. */
  config: ModelConfig | ModelOptions;
  /** Encoder steps per window (warm-up prefix + gradient part when training). */
  contextLength: number;
  /** Steps between consecutive window origins. */
  stride: number;
  /** Skip windows with fewer observed targets than this. */
  minTargets: number;
  /** The sensor's clock estimate at the start of the series (carried from its previous stretch); default fresh. */
  clock?: ClockState;
  /**
   * Build only the windows whose origin is at these series indices (from windowIndices); default all. The
   * statistics still run along the whole series, so a window is the same whether built alone or among all.
   */
  only?: ReadonlySet<number>;
}

export const DEFAULT_WINDOW_OPTIONS: Omit<WindowOptions, 'config'> = { contextLength: 72, stride: 1, minTargets: 1 };

/**
 * Slide (context, target) windows along ONE sensor's contiguous series (temp may be null).
 *
 * @example
 *   const windows = buildWindows(series, { config: model.config, contextLength: 48 });
 * @param options.contextLength default 72; options.stride default 1; options.minTargets default 1
 */
export function buildWindows(
  series: readonly StepObservation[],
  options: Partial<WindowOptions> & Pick<WindowOptions, 'config'>,
): TrainingWindow[] {
  const o = { ...DEFAULT_WINDOW_OPTIONS, ...options };
  const config = resolveModelConfig(o.config);
  positiveInt('contextLength', o.contextLength);
  positiveInt('stride', o.stride);
  if (!Number.isInteger(o.minTargets) || o.minTargets < 0 || o.minTargets > config.horizon) {
    throw new RangeError(`minTargets must be an integer in [0, horizon]; got ${o.minTargets}`);
  }
  checkSeries(series, config.stepSeconds * 1000);

  const inSize = encoderInputSize(config);
  const ctxSize = decoderContextSize(config);
  const H = config.horizon;
  const C = o.contextLength;
  // Encoder rows for the whole series, once: row i is scaled by the stats after step i, as live.
  const rows = new Float32Array(series.length * inSize);
  const track = freshTrack();
  if (o.clock !== undefined) track.clock = { ...o.clock };
  const windows: TrainingWindow[] = [];
  const wanted = o.only ?? new Set(windowIndices(series, o, H));
  for (let i = 0; i < series.length; i++) {
    const scale = advanceTrack(track, series[i], config);
    writeEncoderInput(series[i], scale, config, rows, i * inSize);
    if (!wanted.has(i)) continue;
    const start = i - C + 1;
    if (start < 0 || i + H >= series.length) throw new RangeError(`no window fits at series index ${i} (context ${C}, horizon ${H}, ${series.length} steps)`);
    const origin = originOf(track, config);
    const targetTemp = series.slice(i + 1, i + 1 + H).map((s) => s.temp);
    const target = Float32Array.from(targetTemp, (v) => (v === null ? NaN : (v - origin.base) / origin.scale.sd));
    const decoder = new Float32Array(H * ctxSize);
    writeDecoderContext(origin.info, config, decoder, 0, 1);
    windows.push({
      sensor: series[i].sensor,
      start,
      origin: series[i].t,
      encoder: rows.slice(start * inSize, (i + 1) * inSize),
      decoder,
      target,
      targetTemp,
      normalizer: { ...track.norm },
      scale: origin.scale,
      base: origin.base,
    });
  }
  return windows;
}

/**
 * Series indices of the origins buildWindows would build windows at (a full context before, the whole horizon
 * after, on the stride, at least minTargets observed targets), without building them: a caller that keeps a few
 * (a training round's sample) builds just those with `only`.
 */
export function windowIndices(
  series: readonly StepObservation[],
  options: Pick<WindowOptions, 'contextLength' | 'stride' | 'minTargets'>,
  horizon: number,
): number[] {
  const { contextLength: C, stride, minTargets } = options;
  positiveInt('contextLength', C);
  positiveInt('stride', stride);
  const out: number[] = [];
  for (let i = C - 1; i + horizon < series.length; i += stride) {
    let observed = 0;
    for (let k = i + 1; k <= i + horizon && observed < minTargets; k++) if (series[k].temp !== null) observed++;
    if (observed >= minTargets) out.push(i);
  }
  return out;
}

/** The clock estimate after running `series` from `start` (fresh by default): what the next stretch carries on. */
export function clockAfter(series: readonly StepObservation[], config: ModelConfig | ModelOptions, start?: ClockState): ClockState {
  const resolved = resolveModelConfig(config);
  const track = freshTrack();
  if (start !== undefined) track.clock = { ...start };
  for (const s of series) advanceTrack(track, s, resolved);
  return track.clock;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer; got ${v}`);
}

/** Throws unless `series` is one sensor's contiguous grid with valid readings (gaps filled with null). */
export function checkSeries(series: readonly StepObservation[], stepMs: number): void {
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    checkObservation(s, `series[${i}]`);
    if (i === 0) continue;
    if (s.sensor !== series[0].sensor) {
      throw new ModelError('WX_MODEL_BAD_WINDOWS', `series mixes sensors "${series[0].sensor}" and "${s.sensor}"`);
    }
    if (s.t !== series[i - 1].t + stepMs) {
      throw new ModelError('WX_MODEL_STEP_ORDER', `series[${i}].t is not one step after series[${i - 1}].t (gaps must be filled with temp: null)`);
    }
  }
}

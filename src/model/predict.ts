// Free-running inference over training windows (exactly the live decode), in batches: validation loss during
// training and window forecasts in deg C for tests and evaluation.
import * as tf from '@tensorflow/tfjs';
import { assembleBatch, checkWindows, decoderTensors, encoderTensors, targetTensors, type WindowBatch } from './batch.js';
import { applyIntervalScale } from './calibration.js';
import { forecastLoss } from './loss.js';
import { packState, type Seq2Seq } from './seq2seq.js';
import type { TrainingWindow } from './windows.js';

export interface PredictOptions {
  batchSize: number;
  /** Weight of the mean's MSE against the pinball terms (windowLoss only). */
  meanWeight: number;
}

export const DEFAULT_PREDICT_OPTIONS: PredictOptions = { batchSize: 512, meanWeight: 0.5 };

/** Forecasts for each window, [window][lead][p10, p50, p90, mean] in deg C. */
export function predictWindows(model: Seq2Seq, windows: readonly TrainingWindow[], options: Partial<PredictOptions> = {}): Float32Array {
  const o = { ...DEFAULT_PREDICT_OPTIONS, ...options };
  checkWindows(windows, model.config);
  const H = model.config.horizon;
  const out = new Float32Array(windows.length * H * 4);
  eachBatch(windows.length, o.batchSize, (indices) => {
    // The live decode on the encoded state: the same numbers as decode() to ~1e-6, a fraction of the ops.
    const batch = assembleBatch(windows, indices, model.config);
    const B = indices.length;
    const raw = model.forecastArrays(encodeState(model, batch), batch.decoder, B);
    applyIntervalScale(raw, H, B, model.config.intervalScale);
    indices.forEach((w, b) => {
      const { base, scale } = windows[w];
      for (let k = 0; k < H; k++) {
        for (let j = 0; j < 4; j++) out[(w * H + k) * 4 + j] = base + scale.sd * raw[(k * B + b) * 4 + j];
      }
    });
  });
  return out;
}

/** Mean free-running training loss over windows (observed targets only). */
export function windowLoss(model: Seq2Seq, windows: readonly TrainingWindow[], options: Partial<PredictOptions> = {}): number {
  const o = { ...DEFAULT_PREDICT_OPTIONS, ...options };
  checkWindows(windows, model.config);
  let sum = 0;
  let count = 0;
  eachBatch(windows.length, o.batchSize, (indices) => {
    const observed = indices.reduce((n, w) => n + windows[w].target.filter((v) => !Number.isNaN(v)).length, 0);
    const [loss] = run(model, windows, indices, (pred, batch) => {
      const { target, mask } = targetTensors(batch, model.config.horizon);
      return forecastLoss(pred, target, mask, o.meanWeight);
    });
    sum += loss * observed;
    count += observed;
  });
  return count === 0 ? NaN : sum / count;
}

/** The packed encoder state after each window's context, [batch * stateSize]. */
function encodeState(model: Seq2Seq, batch: WindowBatch): Float32Array {
  const t = tf.tidy(() => packState(model.encode(encoderTensors(batch, model.config, 0, batch.contextLength), model.zeroState(batch.size))));
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

function run(
  model: Seq2Seq,
  windows: readonly TrainingWindow[],
  indices: number[],
  finish: (pred: tf.Tensor3D, batch: ReturnType<typeof assembleBatch>) => tf.Tensor,
): Float32Array {
  const batch = assembleBatch(windows, indices, model.config);
  const t = tf.tidy(() => {
    const xs = encoderTensors(batch, model.config, 0, batch.contextLength);
    const state = model.encode(xs, model.zeroState(batch.size));
    return finish(model.decode(state, decoderTensors(batch, model.config)), batch);
  });
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

function eachBatch(n: number, size: number, fn: (indices: number[]) => void): void {
  for (let i = 0; i < n; i += size) fn(Array.from({ length: Math.min(size, n - i) }, (_, j) => i + j));
}

export interface WindowScore {
  /** p50 MAE in deg C over the observed targets. */
  mae: number;
  /** Share of observed targets inside [p10, p90]. */
  coverage: number;
}

/** p50 MAE (deg C) and p10-p90 coverage of a model over the observed targets of the windows. */
export function scoreWindows(model: Seq2Seq, windows: readonly TrainingWindow[]): WindowScore {
  const pred = predictWindows(model, windows);
  const H = model.config.horizon;
  let err = 0;
  let covered = 0;
  let n = 0;
  windows.forEach((w, i) => {
    w.targetTemp.forEach((y, k) => {
      if (y === null) return;
      const at = (i * H + k) * 4;
      err += Math.abs(pred[at + 1]! - y);
      covered += y >= pred[at]! && y <= pred[at + 2]! ? 1 : 0;
      n++;
    });
  });
  return n === 0 ? { mae: NaN, coverage: NaN } : { mae: err / n, coverage: covered / n };
}

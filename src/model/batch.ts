// Stacks training windows into time-major batch arrays and tensors, shared by training and window inference.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { ModelError } from './errors.js';
import { decoderContextSize, encoderInputSize } from './features.js';
import type { TrainingWindow } from './windows.js';

export interface WindowBatch {
  size: number;
  contextLength: number;
  /** [context step][window][encoderInputSize] */
  encoder: Float32Array;
  /** [lead][window][decoderContextSize] */
  decoder: Float32Array;
  /** [lead][window]; NaN where the target is missing. */
  target: Float32Array;
}

/** Context length shared by all windows; throws WX_MODEL_BAD_WINDOWS when they disagree with each other or the model. */
export function checkWindows(windows: readonly TrainingWindow[], config: ModelConfig): number {
  if (windows.length === 0) throw new ModelError('WX_MODEL_BAD_WINDOWS', 'no windows');
  const inSize = encoderInputSize(config);
  const ctxSize = decoderContextSize(config);
  const steps = windows[0].encoder.length / inSize;
  for (const w of windows) {
    if (w.encoder.length !== steps * inSize || !Number.isInteger(steps)) {
      throw new ModelError('WX_MODEL_BAD_WINDOWS', 'windows differ in context length or encoder features');
    }
    if (w.target.length !== config.horizon || w.decoder.length !== config.horizon * ctxSize) {
      throw new ModelError('WX_MODEL_BAD_WINDOWS', `windows were built for another horizon or decoder features`);
    }
  }
  return steps;
}

export function assembleBatch(windows: readonly TrainingWindow[], indices: readonly number[], config: ModelConfig): WindowBatch {
  const B = indices.length;
  const inSize = encoderInputSize(config);
  const ctxSize = decoderContextSize(config);
  const C = windows[indices[0]].encoder.length / inSize;
  const H = config.horizon;
  const encoder = new Float32Array(C * B * inSize);
  const decoder = new Float32Array(H * B * ctxSize);
  const target = new Float32Array(H * B);
  indices.forEach((w, b) => {
    const win = windows[w];
    for (let t = 0; t < C; t++) encoder.set(win.encoder.subarray(t * inSize, (t + 1) * inSize), (t * B + b) * inSize);
    for (let k = 0; k < H; k++) {
      decoder.set(win.decoder.subarray(k * ctxSize, (k + 1) * ctxSize), (k * B + b) * ctxSize);
      target[k * B + b] = win.target[k];
    }
  });
  return { size: B, contextLength: C, encoder, decoder, target };
}

/** Encoder inputs of context steps [from, to), one [batch, features] tensor per step (no slicing ops). */
export function encoderTensors(batch: WindowBatch, config: ModelConfig, from: number, to: number): tf.Tensor2D[] {
  const n = batch.size * encoderInputSize(config);
  const out: tf.Tensor2D[] = [];
  for (let t = from; t < to; t++) out.push(tf.tensor2d(batch.encoder.subarray(t * n, (t + 1) * n), [batch.size, n / batch.size]));
  return out;
}

/** Decoder context, one [batch, decoderContextSize] tensor per lead. */
export function decoderTensors(batch: WindowBatch, config: ModelConfig): tf.Tensor2D[] {
  const n = batch.size * decoderContextSize(config);
  return Array.from({ length: config.horizon }, (_, k) =>
    tf.tensor2d(batch.decoder.subarray(k * n, (k + 1) * n), [batch.size, n / batch.size]),
  );
}

/** Targets [horizon, batch, 1] with NaN replaced by 0, and the matching observed mask. */
export function targetTensors(batch: WindowBatch, horizon: number): { target: tf.Tensor3D; mask: tf.Tensor3D } {
  const { clean, mask } = cleanTargets(batch);
  return {
    target: tf.tensor3d(clean, [horizon, batch.size, 1]),
    mask: tf.tensor3d(mask, [horizon, batch.size, 1]),
  };
}

/** Per-lead true residuals [batch, 1] (0 where missing) for teacher forcing. */
export function truthTensors(batch: WindowBatch, horizon: number): tf.Tensor2D[] {
  const { clean } = cleanTargets(batch);
  return Array.from({ length: horizon }, (_, k) => tf.tensor2d(clean.subarray(k * batch.size, (k + 1) * batch.size), [batch.size, 1]));
}

function cleanTargets(batch: WindowBatch): { clean: Float32Array; mask: Float32Array } {
  return {
    clean: batch.target.map((v) => (Number.isNaN(v) ? 0 : v)),
    mask: batch.target.map((v) => (Number.isNaN(v) ? 0 : 1)),
  };
}

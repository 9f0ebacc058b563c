// Training loop: truncated BPTT over (context, target) windows with a gradient-free warm-up prefix, scheduled
// free-running decoding, masked pinball+MSE loss, global-norm clipping and Adam; seeded and deterministic.
import * as tf from '@tensorflow/tfjs';
import { createRng, permutation, type Rng } from '../random.js';
import { assembleBatch, checkWindows, decoderTensors, encoderTensors, targetTensors, truthTensors } from './batch.js';
import type { ModelOptions } from './config.js';
import { forecastLoss } from './loss.js';
import { windowLoss } from './predict.js';
import { Seq2Seq } from './seq2seq.js';
import type { TrainingWindow } from './windows.js';

/** Probability of feeding the decoder its own p50 instead of the truth, ramped linearly over training. */
export interface FreeRunSchedule {
  start: number;
  end: number;
  /** Share of all steps over which the probability ramps from start to end (then stays at end). */
  rampFraction: number;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  freeRun: number;
  /** Set on the last step of an epoch when validation windows were given. */
  validationLoss?: number;
}

export interface TrainOptions {
  /** Model to train in place; without it a fresh one is created from `config`. */
  model?: Seq2Seq;
  /** Config of the fresh model made when `model` is absent (ignored otherwise). */
  config?: ModelOptions;
  epochs: number;
  /** Stop after this many optimizer steps even mid-epoch. */
  maxSteps: number;
  batchSize: number;
  learningRate: number;
  /** Global gradient norm above which all gradients are scaled down. */
  clipNorm: number;
  /** Seeds batch order and teacher-forcing draws (weights are seeded by the model config). */
  seed: number;
  /** The last this-many context steps run under the gradient tape; earlier ones only warm the state. */
  gradientSteps: number;
  freeRun: FreeRunSchedule;
  /** Weight of the mean head's MSE against the pinball terms. */
  meanWeight: number;
  validation?: readonly TrainingWindow[];
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainHistory {
  stepLoss: number[];
  epochLoss: number[];
  validationLoss: number[];
}

export interface TrainResult {
  model: Seq2Seq;
  history: TrainHistory;
  steps: number;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'model' | 'config' | 'validation' | 'onProgress'> = {
  epochs: 10,
  maxSteps: Number.POSITIVE_INFINITY,
  // Training is bound by per-op dispatch, not arithmetic: 128 windows cost about what 32 do.
  batchSize: 128,
  learningRate: 5e-3,
  clipNorm: 1,
  seed: 1,
  gradientSteps: 24,
  freeRun: { start: 0, end: 1, rampFraction: 0.75 },
  meanWeight: 0.5,
};

/**
 * Train on windows from buildWindows (all with one context length).
 *
 * @example
 *   const { model, history } = train(windows, { config: { hidden: 32 }, epochs: 5 });
 */
export function train(windows: readonly TrainingWindow[], options: Partial<TrainOptions> = {}): TrainResult {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options, freeRun: { ...DEFAULT_TRAIN_OPTIONS.freeRun, ...options.freeRun } };
  validate(o);
  const model = o.model ?? Seq2Seq.create(o.config);
  const context = checkWindows(windows, model.config);
  if (o.validation && o.validation.length > 0) checkWindows(o.validation, model.config);
  const warmup = Math.max(0, context - o.gradientSteps);
  const perEpoch = Math.ceil(windows.length / o.batchSize);
  const totalSteps = Math.min(o.maxSteps, o.epochs * perEpoch);
  const rng = createRng(o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  const vars = model.variables;
  const history: TrainHistory = { stepLoss: [], epochLoss: [], validationLoss: [] };
  let step = 0;
  try {
    for (let epoch = 0; step < totalSteps; epoch++) {
      const order = permutation(windows.length, rng);
      const epochStart = history.stepLoss.length;
      for (let i = 0; i < order.length && step < totalSteps; i += o.batchSize, step++) {
        const freeRun = scheduled(o.freeRun, step / totalSteps);
        const batch = assembleBatch(windows, order.slice(i, i + o.batchSize), model.config);
        const teacher = teacherMask(batch.target, batch.size, model.config.horizon, freeRun, rng);
        const lossT = tf.tidy(() => {
          // The warm-up prefix runs outside variableGrads: no tape, its state enters as a constant.
          const warm = model.encode(encoderTensors(batch, model.config, 0, warmup), model.zeroState(batch.size));
          const xs = encoderTensors(batch, model.config, warmup, context);
          const dec = decoderTensors(batch, model.config);
          const { target, mask } = targetTensors(batch, model.config.horizon);
          const truth = truthTensors(batch, model.config.horizon);
          const useTruth = teacher.map((m) => tf.tensor2d(m, [batch.size, 1], 'bool'));
          const { value, grads } = tf.variableGrads(() => {
            const state = model.encode(xs, warm);
            return forecastLoss(model.decode(state, dec, { truth, useTruth }), target, mask, o.meanWeight);
          }, vars);
          (optimizer as tf.Optimizer).applyGradients(clipByGlobalNorm(grads, o.clipNorm));
          return value;
        });
        const loss = lossT.dataSync()[0];
        lossT.dispose();
        history.stepLoss.push(loss);
        const endOfEpoch = i + o.batchSize >= order.length || step + 1 === totalSteps;
        let validationLoss: number | undefined;
        if (endOfEpoch) {
          history.epochLoss.push(mean(history.stepLoss.slice(epochStart)));
          if (o.validation && o.validation.length > 0) {
            validationLoss = windowLoss(model, o.validation, { meanWeight: o.meanWeight });
            history.validationLoss.push(validationLoss);
          }
        }
        o.onProgress?.({ step: step + 1, totalSteps, epoch, loss, freeRun, validationLoss });
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { model, history, steps: step };
}

function validate(o: typeof DEFAULT_TRAIN_OPTIONS): void {
  const posInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer; got ${v}`);
  };
  posInt('epochs', o.epochs);
  posInt('batchSize', o.batchSize);
  posInt('gradientSteps', o.gradientSteps);
  if (!(o.maxSteps >= 1)) throw new RangeError(`maxSteps must be >= 1; got ${o.maxSteps}`);
  if (!(o.learningRate > 0)) throw new RangeError(`learningRate must be > 0; got ${o.learningRate}`);
  if (!(o.clipNorm > 0)) throw new RangeError(`clipNorm must be > 0; got ${o.clipNorm}`);
  if (!(o.meanWeight >= 0)) throw new RangeError(`meanWeight must be >= 0; got ${o.meanWeight}`);
  if (!Number.isInteger(o.seed)) throw new RangeError(`seed must be an integer; got ${o.seed}`);
  const f = o.freeRun;
  for (const k of ['start', 'end'] as const) {
    if (!(f[k] >= 0 && f[k] <= 1)) throw new RangeError(`freeRun.${k} must be in [0, 1]; got ${f[k]}`);
  }
  if (!(f.rampFraction > 0 && f.rampFraction <= 1)) throw new RangeError(`freeRun.rampFraction must be in (0, 1]; got ${f.rampFraction}`);
}

function scheduled(s: FreeRunSchedule, progress: number): number {
  return s.start + (s.end - s.start) * Math.min(1, progress / s.rampFraction);
}

/** Per lead (except the last, whose output feeds nothing): feed the truth where observed and drawn. */
function teacherMask(target: Float32Array, batch: number, horizon: number, freeRun: number, rng: Rng): Uint8Array[] {
  return Array.from({ length: horizon }, (_, k) =>
    Uint8Array.from({ length: batch }, (_, b) => (!Number.isNaN(target[k * batch + b]) && rng.next() >= freeRun ? 1 : 0)),
  );
}

/** Scale all gradients by min(1, clip / globalNorm) so one exploding window cannot wreck the weights. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clip: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.div(clip, tf.maximum(norm, clip));
    return Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
  });
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

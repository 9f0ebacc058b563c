// The GRU's inference step and decode (gru-step.ts, gru-decode.ts) are rewrites of Seq2Seq.encodeStep and
// decode: they must give the same numbers, follow weight changes, and keep the tensor count.
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { Seq2Seq } from '../../src/model/index.js';
import { createRng } from '../../src/random.js';
import { maxAbsDiff, useTestBackend } from './helpers.js';

useTestBackend();

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** The training-graph decode (tf ops, toQuantiles) on the same arrays. */
function reference(model: Seq2Seq, state: Float32Array, context: Float32Array, batch: number): Float32Array {
  const out = tf.tidy(() => {
    const C = model.decoderContextSize;
    const ctx = Array.from({ length: model.config.horizon }, (_, k) => tf.tensor2d(context.subarray(k * batch * C, (k + 1) * batch * C), [batch, C]));
    return model.decode([tf.tensor2d(state, [batch, model.stateSize])], ctx);
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

it('forecastArrays equals decode() to 1e-5, also after the weights change in place', () => {
  const model = Seq2Seq.create({ hidden: 12, horizon: 6, seed: 7 });
  const batch = 7;
  const state = randomArray(batch * model.stateSize, 1, 0.5).map(Math.tanh);
  const context = randomArray(model.config.horizon * batch * model.decoderContextSize, 2);
  for (const seed of [100, 200]) {
    // Random weights of realistic size, not the small-head init, so the fed-back p50 matters.
    model.setWeights(model.getWeights().map((w, i) => randomArray(w.length, seed + i, 0.4)));
    const before = tf.memory().numTensors;
    const fast = model.forecastArrays(state, context, batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(fast, reference(model, state, context, batch))).toBeLessThan(1e-5);
  }
  model.dispose();
});

it('stepArrays equals encodeStep to 1e-5 over several steps', () => {
  const model = Seq2Seq.create({ hidden: 12, horizon: 6, seed: 5 });
  model.setWeights(model.getWeights().map((w, i) => randomArray(w.length, 300 + i, 0.4)));
  const batch = 6;
  let fast: Float32Array = randomArray(batch * model.stateSize, 3, 0.5).map(Math.tanh);
  let ref: Float32Array = Float32Array.from(fast);
  for (let step = 0; step < 5; step++) {
    const x = randomArray(batch * model.encoderInputSize, 20 + step);
    fast = model.stepArrays(x, fast, batch);
    const next = tf.tidy(() => model.encodeStep(tf.tensor2d(x, [batch, model.encoderInputSize]), [tf.tensor2d(ref, [batch, model.stateSize])])[0]);
    ref = next.dataSync() as Float32Array;
    next.dispose();
    expect(maxAbsDiff(fast, ref)).toBeLessThan(1e-5);
  }
  model.dispose();
});

it('creating and disposing a model releases the decoder tensors', () => {
  const before = tf.memory().numTensors;
  Seq2Seq.create({ hidden: 4, horizon: 3 }).dispose();
  expect(tf.memory().numTensors).toBe(before);
});

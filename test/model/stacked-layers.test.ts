// Stacked recurrent layers (config `layers`): every live path computes the same stack as the training graph
// (Seq2Seq.encodeStep / decode, tf ops), one layer stays what it was, and bad values fail at config time.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Seq2Seq, architectureTag, buildWindows, resolveModelConfig, stateSize, train } from '../../src/model/index.js';
import { diurnalSeries } from './synthetic.js';
import { JsInference } from '../../src/model/js-kernels.js';
import { createRng } from '../../src/random.js';
import { maxAbsDiff, useTestBackend } from './helpers.js';

useTestBackend();

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** A model with random weights of realistic size (not the small-head init), so every path and layer matters. */
function randomModel(cell: 'rnn' | 'gru' | 'lstm', layers: number, seed: number): Seq2Seq {
  const model = Seq2Seq.create({ cell, layers, hidden: 12, horizon: 6, seed });
  model.setWeights(model.getWeights().map((w, i) => randomArray(w.length, 100 * seed + i, 0.4)));
  return model;
}

/** The training graph's encoder step on packed arrays. */
function referenceStep(model: Seq2Seq, x: Float32Array, state: Float32Array, batch: number): Float32Array {
  const t = tf.tidy(() => tf.concat(model.encodeStep(tf.tensor2d(x, [batch, model.encoderInputSize]), model.unpackState(state, batch)), 1));
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

/** The training graph's decode (tf ops, toQuantiles) on packed arrays. */
function referenceDecode(model: Seq2Seq, state: Float32Array, context: Float32Array, batch: number): Float32Array {
  const C = model.decoderContextSize;
  const t = tf.tidy(() => {
    const ctx = Array.from({ length: model.config.horizon }, (_, k) => tf.tensor2d(context.subarray(k * batch * C, (k + 1) * batch * C), [batch, C]));
    return model.decode(model.unpackState(state, batch), ctx);
  });
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

describe.each([
  ['gru', 2],
  ['gru', 3],
  ['rnn', 2],
  ['rnn', 3],
  ['lstm', 2],
] as const)('%s with %i layers', (cell, layers) => {
  it('the live tfjs step/decode and the JS kernels agree with the training graph to 1e-5', () => {
    const model = randomModel(cell, layers, layers);
    const js = new JsInference(model.config, model.getWeights());
    const batch = 6; // above 4: the JS kernels' four-row blocks and the remainder rows both run
    expect(model.stateSize).toBe(layers * (cell === 'lstm' ? 2 : 1) * 12);
    const tensors = tf.memory().numTensors;
    let ref: Float32Array = randomArray(batch * model.stateSize, 1, 0.5).map(Math.tanh);
    let live: Float32Array = Float32Array.from(ref);
    let viaJs: Float32Array = Float32Array.from(ref);
    for (let step = 0; step < 5; step++) {
      const x = randomArray(batch * model.encoderInputSize, 20 + step);
      ref = referenceStep(model, x, ref, batch);
      live = model.stepArrays(x, live, batch);
      viaJs = js.stepArrays(x, viaJs, batch);
      expect(maxAbsDiff(live, ref)).toBeLessThan(1e-5);
      expect(maxAbsDiff(viaJs, ref)).toBeLessThan(1e-5);
    }
    const ctx = randomArray(model.config.horizon * batch * model.decoderContextSize, 99);
    const expected = referenceDecode(model, ref, ctx, batch);
    expect(maxAbsDiff(model.forecastArrays(ref, ctx, batch), expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(js.forecastArrays(ref, ctx, batch), expected)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });
});

it('the decoder starts from the encoder stack layer by layer: changing only an upper layer state changes the forecast', () => {
  const model = randomModel('gru', 2, 4);
  const batch = 1;
  const state = randomArray(model.stateSize, 5, 0.5).map(Math.tanh);
  const ctx = randomArray(model.config.horizon * model.decoderContextSize, 6);
  const changed = Float32Array.from(state);
  changed[12] = -changed[12]; // layer 2's first unit
  const a = model.forecastArrays(state, ctx, batch);
  const b = model.forecastArrays(changed, ctx, batch);
  expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-4);
  model.dispose();
});

it('layers: 1 is the config without the field (same tag, same specs, same weights)', () => {
  const one = Seq2Seq.create({ hidden: 8, horizon: 4, layers: 1 });
  const none = Seq2Seq.create({ hidden: 8, horizon: 4 });
  expect('layers' in one.config).toBe(false);
  expect(one.specs).toEqual(none.specs);
  expect(one.version()).toBe(none.version());
  one.dispose();
  none.dispose();
  const two = resolveModelConfig({ layers: 2 });
  expect(architectureTag(two)).toBe('gru64x2c3');
  expect(stateSize(two)).toBe(128);
});

it('the stacked specs: upper layers take the layer below (hidden wide), decoder after encoder', () => {
  const model = Seq2Seq.create({ hidden: 8, horizon: 4, layers: 3 });
  const names = model.specs.map((s) => s.name);
  expect(names.slice(0, 4)).toEqual(['enc.Wx', 'enc.Wh', 'enc.b', 'enc.bh']);
  expect(names).toContain('enc3.Wx');
  expect(names.indexOf('dec.Wx')).toBe(12);
  expect(model.specs.find((s) => s.name === 'enc2.Wx')!.shape).toEqual([8, 24]);
  expect(model.specs.find((s) => s.name === 'dec3.Wx')!.shape).toEqual([8, 24]);
  expect(names.slice(-3)).toEqual(['dec.Wp', 'head.W', 'head.b']);
  model.dispose();
});

it.each([0, 5, 1.5, -1])('layers %s is refused with a RangeError naming the option', (layers) => {
  expect(() => resolveModelConfig({ layers })).toThrow(RangeError);
  expect(() => resolveModelConfig({ layers })).toThrow(/layers must be an integer in \[1, 4\]/);
});

it('a layers value of another type is a TypeError', () => {
  expect(() => resolveModelConfig({ layers: '2' as unknown as number })).toThrow(TypeError);
  expect(() => resolveModelConfig({ layers: null as unknown as number })).toThrow(/layers must be a number/);
});

describe.each([2, 3])('a training step with %i layers', (layers) => {
  it("reports the loss of the JS kernels' encode and free-running decode of its windows (to 1e-5)", () => {
    const config = { hidden: 8, horizon: 6, layers, seed: 3 };
    const windows = buildWindows(diurnalSeries({ steps: 24 * 4, covariates: true, missing: 0.1 }), { config, contextLength: 12, stride: 5, minTargets: 3 });
    const model = Seq2Seq.create(config);
    model.setWeights(model.getWeights().map((w, i) => randomArray(w.length, 700 + i, 0.4)));
    const js = new JsInference(model.config, model.getWeights());
    // All windows in one batch, every lead fed its own p50 (free-running): the step's forward pass is the live one.
    const run = train(windows, { model, maxSteps: 1, batchSize: windows.length, freeRun: { start: 1, end: 1, rampFraction: 1 }, gradientSteps: 4 });
    const B = windows.length;
    const I = model.encoderInputSize;
    const C = model.decoderContextSize;
    const H = model.config.horizon;
    const contextLength = windows[0]!.encoder.length / I;
    let state: Float32Array = new Float32Array(B * model.stateSize);
    for (let t = 0; t < contextLength; t++) {
      const x = new Float32Array(B * I);
      windows.forEach((w, b) => x.set(w.encoder.subarray(t * I, (t + 1) * I), b * I));
      state = js.stepArrays(x, state, B);
    }
    const ctx = new Float32Array(H * B * C);
    windows.forEach((w, b) => {
      for (let k = 0; k < H; k++) ctx.set(w.decoder.subarray(k * C, (k + 1) * C), (k * B + b) * C);
    });
    const out = js.forecastArrays(state, ctx, B);
    let sum = 0;
    let n = 0;
    windows.forEach((w, b) => {
      for (let k = 0; k < H; k++) {
        const y = w.target[k]!;
        if (Number.isNaN(y)) continue;
        const at = (k * B + b) * 4;
        const pinball = (q: number, p: number): number => Math.max(q * (y - p), (q - 1) * (y - p));
        sum += pinball(0.1, out[at]!) + pinball(0.5, out[at + 1]!) + pinball(0.9, out[at + 2]!) + 0.5 * (y - out[at + 3]!) ** 2;
        n++;
      }
    });
    expect(n).toBeGreaterThan(20);
    expect(Math.abs(run.history.stepLoss[0]! - sum / n)).toBeLessThan(1e-5);
    // The step trained every layer: an upper layer's weights moved.
    const names = model.specs.map((s) => s.name);
    const before = Seq2Seq.create(config);
    before.setWeights(before.getWeights().map((w, i) => randomArray(w.length, 700 + i, 0.4)));
    for (const name of [`enc${layers}.Wh`, `dec${layers}.Wx`]) {
      const i = names.indexOf(name);
      expect(maxAbsDiff(model.getWeights()[i]!, before.getWeights()[i]!)).toBeGreaterThan(1e-4);
    }
    before.dispose();
    model.dispose();
  });
});

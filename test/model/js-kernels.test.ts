import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { JsInference } from '../../src/model/js-kernels.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { createRng } from '../../src/random.js';

beforeAll(async () => {
  await initBackend();
});

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['rnn', 'gru', 'lstm'] as const)('JsInference parity with tfjs (%s)', (cell) => {
  it('steps and decodes a batch like Seq2Seq to 1e-5', () => {
    const model = Seq2Seq.create({ cell, hidden: 12, horizon: 6, seed: 7 });
    // Random weights of realistic size, not the small-head init, so every path is exercised.
    model.setWeights(model.getWeights().map((w, i) => randomArray(w.length, 100 + i, 0.4)));
    const js = new JsInference(model.config, model.getWeights());
    const batch = 5;
    let sTf: Float32Array = randomArray(batch * model.stateSize, 1, 0.5);
    let sJs: Float32Array = Float32Array.from(sTf);
    for (let step = 0; step < 4; step++) {
      const x = randomArray(batch * model.encoderInputSize, 10 + step);
      sTf = model.stepArrays(x, sTf, batch);
      sJs = js.stepArrays(x, sJs, batch);
      expect(maxDiff(sTf, sJs)).toBeLessThan(1e-5);
    }
    const ctx = randomArray(model.config.horizon * batch * model.decoderContextSize, 99);
    const fTf = model.forecastArrays(sTf, ctx, batch);
    const fJs = js.forecastArrays(sJs, ctx, batch);
    expect(maxDiff(fTf, fJs)).toBeLessThan(1e-5);
    model.dispose();
  });
});

it('rejects a weight list that does not match the config', () => {
  const model = Seq2Seq.create({ hidden: 4, horizon: 2 });
  expect(() => new JsInference(model.config, model.getWeights().slice(1))).toThrow(RangeError);
  model.dispose();
});

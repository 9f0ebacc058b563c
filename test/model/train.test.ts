// Training mechanics: seeded determinism, masked missing targets, clipping, schedule, option validation.
import { testBackend } from './helpers.js';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { buildWindows, forecastLoss, ModelError, Seq2Seq, train, type TrainProgress } from '../../src/model/index.js';
import { clipByGlobalNorm } from '../../src/model/train.js';
import { diurnalSeries } from './synthetic.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

const config = { hidden: 6, covariates: [] as [], horizon: 6 };
const windows = () => buildWindows(diurnalSeries({ steps: 24 * 6 }), { config, contextLength: 12, stride: 3 });

describe('train', () => {
  it('is deterministic for a seed: same losses, bit-identical weights', () => {
    const run = (seed: number) => {
      const model = Seq2Seq.create({ ...config, seed: 3 });
      const r = train(windows(), { model, maxSteps: 6, batchSize: 16, gradientSteps: 6, seed });
      const out = { loss: r.history.stepLoss, weights: model.getWeights(), version: model.version() };
      model.dispose();
      return out;
    };
    const a = run(1);
    const b = run(1);
    const c = run(2);
    expect(b.loss).toEqual(a.loss);
    expect(b.weights).toEqual(a.weights);
    expect(c.version).not.toBe(a.version);
  });

  it('reports per-step, per-epoch and validation losses and ramps free-running decoding', () => {
    const w = windows();
    const seen: TrainProgress[] = [];
    const model = Seq2Seq.create(config);
    const r = train(w, {
      model,
      epochs: 2,
      batchSize: 16,
      gradientSteps: 6,
      validation: w.slice(0, 10),
      freeRun: { start: 0, end: 1, rampFraction: 0.5 },
      onProgress: (p) => seen.push(p),
    });
    const perEpoch = Math.ceil(w.length / 16);
    expect(r.steps).toBe(2 * perEpoch);
    expect(r.history.stepLoss).toHaveLength(2 * perEpoch);
    expect(r.history.epochLoss).toHaveLength(2);
    expect(r.history.validationLoss).toHaveLength(2);
    expect(seen[0].freeRun).toBe(0);
    expect(seen[seen.length - 1].freeRun).toBe(1);
    expect(seen.filter((p) => p.validationLoss !== undefined)).toHaveLength(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i].freeRun).toBeGreaterThanOrEqual(seen[i - 1].freeRun);
    model.dispose();
  });

  it('validates options and windows', () => {
    expect(() => train(windows(), { config, learningRate: 0 })).toThrow(/learningRate/);
    expect(() => train(windows(), { config, freeRun: { start: 0, end: 2, rampFraction: 1 } })).toThrow(/freeRun.end/);
    expect(() => train([], { config })).toThrow(ModelError);
    const other = buildWindows(diurnalSeries({ steps: 100 }), { config: { ...config, horizon: 8 }, contextLength: 12 });
    const model = Seq2Seq.create(config);
    expect(() => train(other, { model })).toThrow(/horizon/);
    model.dispose();
  });
});

describe('loss and clipping', () => {
  it('missing targets contribute nothing to the loss', () => {
    tf.tidy(() => {
      const pred = tf.tensor3d([[[-1, 0, 1, 0]], [[-1, 0, 1, 0]]]);
      const target = tf.tensor3d([[[0.5]], [[100]]]);
      const both = forecastLoss(pred, target, tf.tensor3d([[[1]], [[1]]]), 0.5).dataSync()[0];
      const first = forecastLoss(pred, target, tf.tensor3d([[[1]], [[0]]]), 0.5).dataSync()[0];
      // Only the first target counts: three pinball terms plus the weighted squared error of the mean.
      const pin = (q: number, e: number) => Math.max(q * e, (q - 1) * e);
      const expected = pin(0.1, 1.5) + pin(0.5, 0.5) + pin(0.9, -0.5) + 0.5 * 0.25;
      expect(first).toBeCloseTo(expected, 6);
      expect(both).toBeGreaterThan(first * 10);
    });
  });

  it('clipByGlobalNorm scales to the clip norm and leaves small gradients alone', () => {
    tf.tidy(() => {
      const big = clipByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }, 1);
      expect(Array.from(big.a.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
      expect(big.b.dataSync()[0]).toBeCloseTo(0.8, 6);
      const small = clipByGlobalNorm({ a: tf.tensor1d([0.3]) }, 1);
      expect(small.a.dataSync()[0]).toBeCloseTo(0.3, 6);
    });
  });
});

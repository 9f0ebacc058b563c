// Acceptance 3 and 4: a few seconds of training on generated weather beat the seasonal-naive baseline by a
// wide margin on held-out sensors, and the p10-p90 band covers about 80% of outcomes.
import { testBackend } from './helpers.js';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StepObservation } from '../../src/forecaster.js';
import { initBackend } from '../../src/model/backend.js';
import { buildWindows, predictWindows, Seq2Seq, train, type TrainingWindow, type TrainResult } from '../../src/model/index.js';
import { diurnalSeries, seasonalNaive } from './synthetic.js';

const config = { hidden: 16, covariates: [] as [], seed: 1 };
const CONTEXT = 36;

interface Scores {
  modelMae: number;
  naiveMae: number;
  coverage: number;
}

/** 24-step MAE of p50 and of seasonal naive on the same targets, and p10-p90 coverage. */
function score(model: Seq2Seq, heldOut: readonly StepObservation[][]): Scores {
  let model_ = 0;
  let naive = 0;
  let n = 0;
  let covered = 0;
  let m = 0;
  for (const series of heldOut) {
    const windows: TrainingWindow[] = buildWindows(series, { config: model.config, contextLength: CONTEXT, stride: 5 });
    const pred = predictWindows(model, windows);
    const H = model.config.horizon;
    windows.forEach((w, i) => {
      const origin = w.start + CONTEXT - 1;
      for (let k = 0; k < H; k++) {
        const y = w.targetTemp[k];
        if (y === null) continue;
        const [p10, p50, p90] = pred.subarray((i * H + k) * 4, (i * H + k) * 4 + 3);
        covered += y >= p10 && y <= p90 ? 1 : 0;
        m++;
        const s = seasonalNaive(series, origin, k + 1);
        if (s === null) continue;
        model_ += Math.abs(p50 - y);
        naive += Math.abs(s - y);
        n++;
      }
    });
  }
  return { modelMae: model_ / n, naiveMae: naive / n, coverage: covered / m };
}

describe('the model learns', () => {
  const trainSeries = [1, 2, 3, 4].map((seed) => diurnalSeries({ sensor: `train${seed}`, seed, steps: 24 * 40 }));
  const heldOut = [101, 102].map((seed) => diurnalSeries({ sensor: `test${seed}`, seed, steps: 24 * 30 }));
  let untrained: Scores;
  let trained: Scores;
  let result: TrainResult;

  beforeAll(async () => {
    await initBackend(testBackend());
    const windows = trainSeries.flatMap((s) => buildWindows(s, { config, contextLength: CONTEXT, stride: 2 }));
    const model = Seq2Seq.create(config);
    untrained = score(model, heldOut);
    const before = tf.memory().numTensors;
    result = train(windows, { model, epochs: 20, maxSteps: 110, batchSize: 128, learningRate: 1e-2, gradientSteps: 12, seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    trained = score(model, heldOut);
    model.dispose();
    console.info(
      `learning: untrained ratio ${(untrained.modelMae / untrained.naiveMae).toFixed(3)}, trained MAE ${trained.modelMae.toFixed(3)}` +
        ` vs naive ${trained.naiveMae.toFixed(3)} (ratio ${(trained.modelMae / trained.naiveMae).toFixed(3)}), coverage ${trained.coverage.toFixed(3)}`,
    );
  });

  it('brings the 24-step MAE well under seasonal naive (same hour yesterday)', () => {
    // The untrained model (about "no change") is far worse: the ratio below is earned by training.
    expect(untrained.modelMae / untrained.naiveMae).toBeGreaterThan(1);
    expect(trained.modelMae / trained.naiveMae).toBeLessThan(0.7);
    expect(result.history.stepLoss.length).toBe(110);
    const first = result.history.stepLoss.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = result.history.stepLoss.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first / 2);
  });

  it('p10-p90 covers 70-90% of held-out outcomes', () => {
    expect(trained.coverage).toBeGreaterThan(0.7);
    expect(trained.coverage).toBeLessThan(0.9);
  });
});

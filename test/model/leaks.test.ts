// Acceptance 7: every tensor is released — numTensors is unchanged after step, forecast, re-encoding, train,
// window inference and (de)serialization.
import { testBackend } from './helpers.js';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { buildWindows, loadModel, predictWindows, RnnForecaster, saveModel, Seq2Seq, train, windowLoss } from '../../src/model/index.js';
import { diurnalSeries } from './synthetic.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

function unchanged(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}

describe.each(['rnn', 'gru', 'lstm'] as const)('no tensor leaks (%s)', (cell) => {
  it('observe, re-encode a sensor, forecast, export/import', () => {
    const model = Seq2Seq.create({ cell, hidden: 6 });
    const f = new RnnForecaster({ model });
    const series = diurnalSeries({ steps: 30, covariates: true });
    unchanged(() => {
      for (const s of series) f.observe([s, { ...s, sensor: 'other' }]);
    });
    unchanged(() => f.forecast(['s1', 'other']));
    unchanged(() => {
      // A re-warm: drop, then replay the stored series (what a swap's re-warm does through observe).
      f.drop('s1');
      for (const s of series) f.observe([s]);
    });
    unchanged(() => f.importState('copy', f.exportState('s1')!));
    f.dispose();
    model.dispose();
  });
});

describe('no tensor leaks in training and persistence', () => {
  it('train (incl. validation), predictWindows and windowLoss', () => {
    const model = Seq2Seq.create({ hidden: 6, covariates: [] });
    const windows = buildWindows(diurnalSeries({ steps: 24 * 5 }), { config: model.config, contextLength: 12, stride: 6 });
    unchanged(() => train(windows, { model, maxSteps: 3, batchSize: 8, gradientSteps: 6, validation: windows.slice(0, 4) }));
    unchanged(() => predictWindows(model, windows));
    unchanged(() => windowLoss(model, windows));
    model.dispose();
  });

  it('save and load (after disposing the loaded model), create and dispose a forecaster', () => {
    const model = Seq2Seq.create({ hidden: 6 });
    unchanged(() => {
      const saved = saveModel(model);
      loadModel(JSON.parse(JSON.stringify(saved.config)), saved.weights).dispose();
    });
    unchanged(() => {
      const own = new RnnForecaster({ config: { hidden: 4 } });
      own.observe([{ sensor: 'a', t: 3_600_000, temp: 4 }]);
      own.forecast(['a']);
      own.dispose();
    });
    unchanged(() => {
      // The caller owns models it passes in: disposing the forecaster leaves them for the caller.
      const f = new RnnForecaster({ model });
      f.observe([{ sensor: 'a', t: 3_600_000, temp: 4 }]);
      f.dispose();
      expect(model.version()).toMatch(/^gru6/);
    });
    model.dispose();
  });
});

// forecasterFromWeights, the one construction path: saved and loaded weights serve alike, the station options
// reach the forecaster, and release() frees the weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forecasterFromWeights, initBackend, saveModel, Seq2Seq } from '../../src/model/index.js';
import { diurnalSeries } from './synthetic.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('forecasterFromWeights', () => {
  it('serves saved weights exactly like the loaded model they came from, and release frees them', () => {
    const before = tf.memory().numTensors;
    const model = Seq2Seq.create({ hidden: 4, seed: 3 });
    const fromSaved = forecasterFromWeights(saveModel(model));
    const fromModel = forecasterFromWeights(model);
    const series = diurnalSeries({ steps: 30, covariates: true });
    for (const s of series) {
      fromSaved.forecaster.observe([s]);
      fromModel.forecaster.observe([s]);
    }
    expect(fromSaved.forecaster.modelVersion).toBe(fromModel.forecaster.modelVersion);
    expect(fromSaved.forecaster.forecast(['s1'])).toEqual(fromModel.forecaster.forecast(['s1']));
    for (const f of [fromSaved, fromModel]) {
      f.forecaster.dispose();
      f.release();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("passes the station options on: a declared offset seeds a new sensor's clock", () => {
    const model = Seq2Seq.create({ hidden: 4, seed: 3, covariates: [] });
    const utc = forecasterFromWeights(model);
    // The default clock's reference stations are at UTC+8 (shift 0): UTC+1 starts 7 h behind.
    const west = forecasterFromWeights(model, { stationUtcOffsetHours: 1 });
    const step = { sensor: 's1', t: Date.UTC(2024, 0, 1), temp: 5 };
    utc.forecaster.observe([step]);
    west.forecaster.observe([step]);
    expect(utc.forecaster.clockShiftHours('s1')).toBe(0);
    expect(west.forecaster.clockShiftHours('s1')).toBe(-7);
    model.dispose();
  });
});

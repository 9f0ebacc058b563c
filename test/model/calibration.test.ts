import { beforeAll, describe, expect, it } from 'vitest';
import { applyIntervalScale, buildWindows, calibrateIntervals, initBackend, loadModel, predictWindows, saveModel, Seq2Seq } from '../../src/model/index.js';
import { diurnalSeries } from './synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('interval calibration', () => {
  it('scales each band around p50, per lead', () => {
    // [horizon 2][batch 1][p10, p50, p90, mean]
    const out = Float32Array.from([9, 10, 12, 10, 0, 1, 3, 1]);
    applyIntervalScale(out, 2, 1, [2, 0.5]);
    expect([...out]).toEqual([8, 10, 14, 10, 0.5, 1, 2, 1]);
  });

  it('fits scales that make the band cover the requested share, and saves them with the model', () => {
    const model = Seq2Seq.create({ hidden: 6, horizon: 4, covariates: [], seed: 2 });
    const series = diurnalSeries({ sensor: 'a', seed: 3, steps: 24 * 12 });
    const windows = buildWindows(series, { config: model.config, contextLength: 24, stride: 2 });
    model.setIntervalScale(calibrateIntervals(model, windows, 0.8));
    const pred = predictWindows(model, windows);
    let covered = 0;
    let n = 0;
    windows.forEach((w, i) =>
      w.targetTemp.forEach((y, k) => {
        if (y === null) return;
        const at = (i * 4 + k) * 4;
        covered += y >= pred[at]! && y <= pred[at + 2]! ? 1 : 0;
        n++;
      }),
    );
    expect(covered / n).toBeGreaterThan(0.77);
    expect(covered / n).toBeLessThan(0.83);
    const saved = saveModel(model);
    const back = loadModel(saved.config, saved.weights);
    expect(back.config.intervalScale).toEqual(model.config.intervalScale);
    expect(() => model.setIntervalScale([1, 2])).toThrow(RangeError);
    model.dispose();
    back.dispose();
  });
});

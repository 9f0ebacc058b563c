// An online-training round on a stacked champion (config `layers`): the challenger keeps the champion's layers and
// its saved weights serve again.
import { expect, it } from 'vitest';
import { loadModel, RnnForecaster, saveModel, Seq2Seq } from '../../src/model/index.js';
import { runRound } from '../../src/training/round.js';
import { useTestBackend } from '../model/helpers.js';
import { diurnalSeries } from '../model/synthetic.js';

useTestBackend();

it('a round trains a two-layer champion into a two-layer candidate that loads and forecasts', () => {
  const champion = Seq2Seq.create({ hidden: 8, layers: 2, covariates: [], seed: 4 });
  const series = new Map([['s1', diurnalSeries({ steps: 24 * 20, seed: 3 })]]);
  const result = runRound(saveModel(champion), series, {
    maxSteps: 2,
    batchSize: 16,
    minValidation: 1,
    sampling: { contextLength: 24, validationSteps: 48, windows: 64 },
  });
  expect(result.metrics?.steps).toBe(2);
  const candidate = loadModel(result.candidate!.config, result.candidate!.weights);
  expect(candidate.layers).toBe(2);
  expect(candidate.version()).not.toBe(champion.version());
  const f = new RnnForecaster({ model: candidate });
  for (const s of series.get('s1')!.slice(0, 30)) f.observe([s]);
  expect(f.forecast(['s1'])[0]!.points.every((p) => Number.isFinite(p.p50))).toBe(true);
  f.dispose();
  candidate.dispose();
  champion.dispose();
});

// Acceptance 1 and 2: the live one-reading-at-a-time path equals the batched training unroll, and stepping
// many sensors together equals stepping each alone.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { assembleBatch, encoderTensors } from '../../src/model/batch.js';
import { buildWindows, predictWindows, RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { packState } from '../../src/model/seq2seq.js';
import { forecastNumbers, maxAbsDiff, ticks, testBackend } from './helpers.js';
import { diurnalSeries } from './synthetic.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

describe.each(['rnn', 'gru', 'lstm'] as const)('streaming parity (%s)', (cell) => {
  it('stepping one reading at a time equals one unroll over the sequence (state and forecast to 1e-5)', () => {
    const model = Seq2Seq.create({ cell, hidden: 8, seed: 11 });
    const context = 60;
    // Covariates and gaps on: every input column is exercised.
    const series = diurnalSeries({ seed: 5, steps: context + model.config.horizon, covariates: true, missing: 0.1 });
    const live = new RnnForecaster({ model });
    for (const step of series.slice(0, context)) live.observe([step]);

    const [window] = buildWindows(series, { config: model.config, contextLength: context });
    expect(window.origin).toBe(series[context - 1].t);
    const batch = assembleBatch([window], [0], model.config);
    const unrolled = tf.tidy(() => packState(model.encode(encoderTensors(batch, model.config, 0, context), model.zeroState(1))));
    const state = unrolled.dataSync() as Float32Array;
    unrolled.dispose();
    expect(maxAbsDiff(live.hiddenState('s1')!, state)).toBeLessThan(1e-5);

    const fromUnroll = predictWindows(model, [window]);
    const [fromLive] = live.forecast(['s1']);
    expect(maxAbsDiff(forecastNumbers(fromLive), fromUnroll)).toBeLessThan(1e-5 * Math.max(...fromUnroll.map(Math.abs)));
    expect(fromLive.origin).toBe(window.origin);
    live.dispose();
    model.dispose();
  });
});

describe('batched parity', () => {
  it('stepping N sensors together equals stepping each alone', () => {
    const model = Seq2Seq.create({ hidden: 12, seed: 4 });
    // Different lengths, starts and gap rates, so batches change composition over time.
    const series = [1, 2, 3, 4, 5].map((seed, i) =>
      diurnalSeries({ sensor: `s${seed}`, seed, steps: 30 + 7 * i, start: Date.UTC(2024, i, 3), missing: 0.05 * i, covariates: i % 2 === 0 }),
    );
    const together = new RnnForecaster({ model });
    for (const tick of ticks(series)) together.observe(tick);
    const names = series.map((s) => s[0].sensor);
    const batched = together.forecast(names);
    for (const [i, s] of series.entries()) {
      const alone = new RnnForecaster({ model });
      for (const step of s) alone.observe([step]);
      expect(maxAbsDiff(alone.hiddenState(names[i])!, together.hiddenState(names[i])!)).toBeLessThan(1e-5);
      const [single] = alone.forecast([names[i]]);
      expect(single.origin).toBe(batched[i].origin);
      expect(maxAbsDiff(forecastNumbers(single), forecastNumbers(batched[i]))).toBeLessThan(1e-4);
      alone.dispose();
    }
    // One decode of many sensors equals decoding a subset.
    const [again] = together.forecast([names[2]]);
    expect(maxAbsDiff(forecastNumbers(again), forecastNumbers(batched[2]))).toBeLessThan(1e-4);
    together.dispose();
    model.dispose();
  });

  it('drop and replay (a re-warm) rebuilds exactly the state of uninterrupted stepping', () => {
    const model = Seq2Seq.create({ hidden: 8, seed: 9 });
    const series = [1, 2, 3].map((seed) => diurnalSeries({ sensor: `w${seed}`, seed, steps: 20 + 10 * seed }));
    const stepped = new RnnForecaster({ model });
    for (const tick of ticks(series)) stepped.observe(tick);
    const warmed = new RnnForecaster({ model });
    warmed.observe([{ sensor: 'w1', t: 0, temp: 99 }]); // stale state that the drop must clear
    for (const s of series) warmed.drop(s[0].sensor);
    for (const tick of ticks(series)) warmed.observe(tick);
    for (const s of series) {
      const name = s[0].sensor;
      expect(warmed.lastStep(name)).toBe(s[s.length - 1].t);
      expect(maxAbsDiff(warmed.hiddenState(name)!, stepped.hiddenState(name)!)).toBe(0);
    }
    expect(warmed.forecast(['w1', 'w2', 'w3'])).toEqual(stepped.forecast(['w1', 'w2', 'w3']));
    model.dispose();
  });
});

import { beforeAll, expect, it } from 'vitest';
import type { CapturedOrigin, SensorForecast, StepObservation } from '../../src/forecaster.js';
import { initBackend, ModelError, RnnForecaster, Seq2Seq } from '../../src/model/index.js';

const H = 3_600_000;
beforeAll(async () => {
  await initBackend();
});

function step(sensor: string, i: number): StepObservation {
  return { sensor, t: i * H, temp: 10 + 5 * Math.sin(i / 3) + (sensor === 'b' ? 2 : 0), pressure: 1010 + (i % 5) };
}

it('decoding captured origins later, in one batch, equals forecasting at each step', () => {
  const model = Seq2Seq.create({ hidden: 8, horizon: 6, seed: 3 });
  // jsMaxBatch 0: the per-step and the batched decode both run on tfjs, so equality is exact in float32.
  const f = new RnnForecaster({ model, jsMaxBatch: 0 });
  const direct: SensorForecast[] = [];
  const captured: CapturedOrigin[] = [];
  for (let i = 1; i <= 10; i++) {
    f.observe([step('a', i), step('b', i)]);
    direct.push(...f.forecast(['a', 'b']));
    captured.push(...f.capture(['a', 'b']));
  }
  const later = f.forecastCaptured(captured);
  expect(later.map((x) => [x.sensor, x.origin])).toEqual(direct.map((x) => [x.sensor, x.origin]));
  later.forEach((x, i) =>
    x.points.forEach((p, k) => {
      expect(p.ts).toBe(direct[i]!.points[k]!.ts);
      expect(p.p50).toBeCloseTo(direct[i]!.points[k]!.p50, 4);
      expect(p.p90).toBeCloseTo(direct[i]!.points[k]!.p90, 4);
    }),
  );
  // An origin captured under other weights (the forecaster a swap replaced) is refused rather than decoded with
  // the wrong ones.
  const other = Seq2Seq.create({ hidden: 8, horizon: 6, seed: 4 });
  const g = new RnnForecaster({ model: other, jsMaxBatch: 0 });
  g.observe([step('a', 11)]);
  expect(() => g.forecastCaptured(captured.slice(0, 1))).toThrow(ModelError);
  [f, g].forEach((x) => x.dispose());
  model.dispose();
  other.dispose();
});

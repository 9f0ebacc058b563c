import { describe, expect, it } from 'vitest';
import { fitLinear, LinearForecaster } from '../../src/baselines/linear.js';
import type { StepObservation } from '../../src/forecaster.js';
import { createRng } from '../../src/random.js';

const H = 3_600_000;

/** A diurnal series with AR(1) weather noise: lags carry the information a regression can use. */
function series(sensor: string, hours: number, seed: number): StepObservation[] {
  const rng = createRng(seed);
  let ar = 0;
  return Array.from({ length: hours }, (_, i) => {
    ar = 0.95 * ar + 0.5 * rng.normal();
    const t = Date.UTC(2020, 0, 1) + i * H;
    return { sensor, t, temp: 10 + 5 * Math.sin((2 * Math.PI * i) / 24) + ar, pressure: 1010 + ar, dewpoint: 2, wind: 1 };
  });
}

describe('linear baseline', () => {
  it('learns the daily cycle and beats persistence on held-out data', () => {
    const weights = fitLinear([series('a', 24 * 60, 1)], { horizon: 6 });
    const test = series('b', 24 * 10, 2);
    const f = new LinearForecaster(weights);
    let lin = 0;
    let pers = 0;
    let n = 0;
    let covered = 0;
    for (let i = 0; i < test.length - 6; i++) {
      f.observe([test[i]]);
      if (i < 48) continue;
      const [fc] = f.forecast(['b']);
      expect(fc.points).toHaveLength(6);
      expect(fc.points[0].ts).toBe(test[i].t + H);
      for (let h = 1; h <= 6; h++) {
        const y = test[i + h].temp as number;
        const p = fc.points[h - 1];
        lin += Math.abs(p.p50 - y);
        pers += Math.abs((test[i].temp as number) - y);
        covered += y >= p.p10 && y <= p.p90 ? 1 : 0;
        n++;
      }
    }
    expect(lin / pers).toBeLessThan(0.5);
    expect(covered / n).toBeGreaterThan(0.65);
    expect(covered / n).toBeLessThan(0.92);
  });

  it('rejects series too short for one window', () => {
    expect(() => fitLinear([series('a', 30, 1)])).toThrow(RangeError);
  });
});

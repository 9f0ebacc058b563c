import { describe, expect, it } from 'vitest';
import type { SensorForecast } from '../../src/forecaster.js';
import { PrequentialScorer } from '../../src/replay/scorer.js';

// stepMs = 1 keeps the times readable: origin 2 forecasts targets 3 and 4.
const fc = (sensor: string, origin: number, means: number[]): SensorForecast => ({
  sensor,
  origin,
  points: means.map((m, i) => ({ ts: origin + i + 1, mean: m, p10: m - 1, p50: m, p90: m + 1 })),
});

function scorer(evalFrom = 2, evalTo = 5) {
  return new PrequentialScorer({ horizon: 2, stepMs: 1, evalFrom, evalTo, models: ['a', 'b'] });
}

describe('PrequentialScorer', () => {
  it('scores each point only when its truth arrives, on target times inside the window', () => {
    const s = scorer();
    // The loop order: truth for t, close(t), then forecasts from origin t.
    s.close(0);
    s.record('a', fc('x', 0, [10, 10])); // target 1 is before the window: dropped
    s.record('b', fc('x', 0, [12, 12]));
    s.observe({ sensor: 'x', t: 1, temp: 11 });
    s.close(1);
    s.record('a', fc('x', 1, [11, 11]));
    s.record('b', fc('x', 1, [9, 9]));
    s.observe({ sensor: 'x', t: 2, temp: 13 }); // a: k2 |13-10|=3, k1 |13-11|=2; b: k2 1, k1 4
    s.close(2);
    s.record('a', fc('x', 2, [13, 13]));
    s.record('b', fc('x', 2, [14, 14]));
    s.observe({ sensor: 'x', t: 3, temp: null }); // missing truth: 2 points per model never score
    s.close(3);
    s.observe({ sensor: 'x', t: 4, temp: 15 }); // a: k2 |15-13|=2; b: k2 |15-14|=1
    s.close(4);
    s.record('a', fc('x', 4, [15, 15])); // target 6 is after the window
    s.record('b', fc('x', 4, [16, 16]));
    // No step at 5 (a gap): closing 5 drops the points waiting for it.
    s.close(5);
    s.observe({ sensor: 'x', t: 6, temp: 20 });
    s.close(6);
    expect(s.pendingPoints).toBe(0);

    const r = s.results();
    expect(r.a.perHorizon.map((h) => h.mae)).toEqual([2, 2.5]);
    expect(r.a.perHorizon[1].rmse).toBeCloseTo(Math.sqrt((9 + 4) / 2), 12);
    expect(r.a.mean.mae).toBe(2.25);
    expect(r.b.perHorizon.map((h) => h.mae)).toEqual([4, 1]);
    expect(r.b.mean.mae).toBe(2.5);
    // bands are +-1: a misses every time; b's two k=2 errors of 1 sit on the band edge (inside)
    expect(r.a.mean.coverage).toBe(0);
    expect(r.b.perHorizon.map((h) => h.coverage)).toEqual([0, 1]);
    // b, k=1: y=13, quantiles 8/9/10 -> (0.1*5 + 0.5*4 + 0.9*3) / 3
    expect(r.b.perHorizon[0].pinball).toBeCloseTo((0.5 + 2 + 2.7) / 3, 12);
    expect(r.a.counts).toEqual({ forecasts: 4, points: 6, scored: 3, missingTruth: 3, invalid: 0 });
    expect(r.b.counts).toEqual(r.a.counts);
    expect(r.a.perSensor).toEqual({ x: r.a.mean });
  });

  it('keeps scores per sensor', () => {
    const s = scorer(1, 10);
    s.record('a', fc('x', 0, [1, 1]));
    s.record('a', fc('y', 0, [5, 5]));
    s.observe({ sensor: 'x', t: 1, temp: 2 });
    s.observe({ sensor: 'y', t: 1, temp: 2 });
    s.close(1);
    const { a, b } = s.results();
    expect(a.perSensor.x.mae).toBe(1);
    expect(a.perSensor.y.mae).toBe(3);
    expect(a.mean.mae).toBe(2);
    expect(b.perSensor).toEqual({});
    expect(b.mean.mae).toBeNaN();
  });

  it('holds at most one horizon of points per sensor and model (bounded memory)', () => {
    const s = scorer(0, 1e9);
    for (let t = 0; t < 1000; t++) {
      s.observe({ sensor: 'x', t, temp: t % 7 === 0 ? null : 1 });
      s.close(t);
      s.record('a', fc('x', t, [1, 1]));
      s.record('b', fc('x', t, [1, 1]));
      expect(s.pendingPoints).toBeLessThanOrEqual(2 * 2 * 2);
    }
    // A sensor that falls silent is swept as time moves on.
    s.close(2000);
    expect(s.pendingPoints).toBe(0);
  });

  it('counts points that can never score: non-finite values, targets already past', () => {
    const s = scorer(0, 100);
    s.close(5);
    s.record('a', { sensor: 'x', origin: 4, points: [{ ts: 5, mean: 1, p10: 0, p50: 1, p90: 2 }, { ts: 6, mean: NaN, p10: NaN, p50: NaN, p90: NaN }] });
    expect(s.results().a.counts).toMatchObject({ points: 2, missingTruth: 1, invalid: 1, scored: 0 });
    expect(s.pendingPoints).toBe(0);
  });

  it('rejects points off the horizon, unknown models and bad options', () => {
    const s = scorer();
    expect(() => s.record('a', { sensor: 'x', origin: 0, points: [{ ts: 3, mean: 1, p10: 1, p50: 1, p90: 1 }] })).toThrow(/1\.\.2 steps/);
    expect(() => s.record('zz', fc('x', 0, [1, 1]))).toThrow(/unknown model "zz"/);
    expect(() => new PrequentialScorer({ horizon: 2, stepMs: 1, evalFrom: 5, evalTo: 4, models: ['a'] })).toThrow(/evalFrom/);
    expect(() => new PrequentialScorer({ horizon: 2, stepMs: 1, evalFrom: 0, evalTo: 4, models: ['a', 'a'] })).toThrow(/distinct/);
  });
});

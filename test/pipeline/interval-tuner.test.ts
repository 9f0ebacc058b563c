import { describe, expect, it } from 'vitest';
import type { SensorForecast } from '../../src/forecaster.js';
import { IntervalTuner } from '../../src/pipeline/interval-tuner.js';
import { LiveSkill } from '../../src/pipeline/live-skill.js';
import { createRng } from '../../src/random.js';

const HOUR = 3_600_000;
const Z90 = 1.2816; // p90 of a standard normal

/** A forecast whose band at step ahead k is `width` x the right one for N(0, k^2) truths. */
function forecastAt(origin: number, horizon: number, width: number): SensorForecast {
  return {
    sensor: 's',
    origin,
    points: Array.from({ length: horizon }, (_, i) => {
      const half = width * Z90 * (i + 1);
      return { ts: origin + (i + 1) * HOUR, mean: 0, p10: -half, p50: 0, p90: half };
    }),
  };
}

describe('IntervalTuner', () => {
  it('widens a too-narrow band until about 80 % of truths fall inside, per step ahead', () => {
    const horizon = 2;
    const tuner = new IntervalTuner({ horizon, rate: 0.05 });
    const rng = createRng(1);
    const inside = [0, 0];
    let n = 0;
    // Truth at each target is N(0, 1); the model's band is half as wide as it should be (covers ~52 %).
    for (let h = 0; h < 20_000; h++) {
      const t = h * HOUR;
      const f = forecastAt(t - HOUR, horizon, 0.5);
      for (const p of f.points) [p.p10, p.p90] = [-0.5 * Z90, 0.5 * Z90]; // same band at every step ahead
      tuner.apply([f]);
      const y = rng.normal();
      f.points.forEach((p, i) => {
        tuner.record(i + 1, y, p);
        if (h >= 10_000 && y >= p.p10 && y <= p.p90) inside[i]! += 1;
      });
      if (h >= 10_000) n += 1;
    }
    for (const c of inside) {
      expect(c / n).toBeGreaterThan(0.77);
      expect(c / n).toBeLessThan(0.83);
    }
    for (const f of tuner.factors()) {
      expect(f).toBeGreaterThan(1.5); // 2x is exact for a normal; the factor keeps moving with rate 0.05
      expect(f).toBeLessThan(2.5);
    }
  });

  it('narrows a too-wide band, and rate 0 leaves bands as the model made them', () => {
    const tuner = new IntervalTuner({ horizon: 1, rate: 0.05 });
    const off = new IntervalTuner({ horizon: 1, rate: 0 });
    const rng = createRng(2);
    for (let h = 0; h < 5_000; h++) {
      const f = forecastAt(0, 1, 3);
      const g = forecastAt(0, 1, 3);
      tuner.apply([f]);
      off.apply([g]);
      const y = rng.normal();
      tuner.record(1, y, f.points[0]!);
      off.record(1, y, g.points[0]!);
    }
    expect(tuner.factors()[0]).toBeLessThan(0.45);
    expect(tuner.factors()[0]).toBeGreaterThan(0.2);
    expect(off.factors()).toEqual([1]);
    const g = forecastAt(0, 1, 3);
    off.apply([g]);
    expect(g.points[0]!.p90).toBeCloseTo(3 * Z90, 12);
  });

  it('ends at the same factors whatever the order and batching of the points; a step of all sensors moves ~rate', () => {
    const ys = Array.from({ length: 300 }, (_, i) => ((i * 37) % 11) - 5);
    const p = { ts: 0, mean: 0, p10: -2, p50: 0, p90: 2 };
    const a = new IntervalTuner({ horizon: 1, rate: 0.01, sensors: () => 3 });
    const b = new IntervalTuner({ horizon: 1, rate: 0.01, sensors: () => 3 });
    for (const y of ys) a.record(1, y, p);
    // b sees the same points backwards, with forecasts served (factors read) in between
    for (const y of [...ys].reverse()) {
      b.record(1, y, p);
      b.apply([{ sensor: 's', origin: 0, points: [{ ...p }] }]);
    }
    expect(b.factors()[0]).toBeCloseTo(a.factors()[0]!, 12);
    const misses = ys.filter((y) => y < -2 || y > 2).length;
    expect(Math.log(a.factors()[0]!)).toBeCloseTo((0.01 * (misses - 0.2 * ys.length)) / 3, 12);
  });

  it('moves the band around p50 and keeps the factor within maxFactor', () => {
    const tuner = new IntervalTuner({ horizon: 1, rate: 1, maxFactor: 2 });
    const far = { ts: 0, mean: 0, p10: -1, p50: 0, p90: 1 };
    for (let h = 0; h < 100; h++) tuner.record(1, 100, far);
    expect(tuner.factors()[0]).toBeCloseTo(2, 12);
    const f: SensorForecast = { sensor: 's', origin: 0, points: [{ ts: HOUR, mean: 5, p10: 4, p50: 5, p90: 7 }] };
    tuner.apply([f]);
    expect(f.points[0]).toEqual({ ts: HOUR, mean: 5, p10: 3, p50: 5, p90: 9 });
  });

  it('rejects bad options with a sentence naming them', () => {
    expect(() => new IntervalTuner({ horizon: 24, rate: -1 })).toThrow(/rate/);
    expect(() => new IntervalTuner({ horizon: 24, target: 1 })).toThrow(/target/);
    expect(() => new IntervalTuner({ horizon: 0 })).toThrow(/horizon/);
  });

  it('is fed by LiveSkill with the served points', () => {
    const pairs: number[][] = [];
    const skill = new LiveSkill({ horizon: 2, stepMs: HOUR, window: 10, onPair: (k, t, y, p) => pairs.push([k, t, y, p.p90]) });
    skill.issue(forecastAt(0, 2, 1));
    skill.truth('s', HOUR, 0.5);
    skill.truth('s', 2 * HOUR, 3);
    expect(pairs).toEqual([
      [1, HOUR, 0.5, Math.fround(Z90)], // the live skill keeps pending points as float32
      [2, 2 * HOUR, 3, Math.fround(2 * Z90)],
    ]);
  });

  it('continues exactly from saved state, and ignores unusable state', () => {
    const a = new IntervalTuner({ horizon: 2, rate: 0.3 });
    const p = { ts: 0, mean: 0, p10: -1, p50: 0, p90: 1 };
    for (const y of [3, 0.2, -4, 0.1, 5]) {
      a.record(1, y, p);
      a.record(2, y / 3, p);
    }
    const b = new IntervalTuner({ horizon: 2, rate: 0.3 });
    b.restore(JSON.parse(JSON.stringify(a.save())) as number[]);
    expect(b.factors()).toEqual(a.factors());
    for (const bad of [undefined, [1], [0.1, Number.NaN]]) {
      const c = new IntervalTuner({ horizon: 2 });
      c.restore(bad);
      expect(c.factors()).toEqual([1, 1]);
    }
  });
});

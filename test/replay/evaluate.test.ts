import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDailyCycle, createPersistence, createSeasonalNaive } from '../../src/baselines/index.js';
import type { Forecaster, SensorForecast, StepObservation } from '../../src/forecaster.js';
import { loadCsv } from '../../src/replay/csv.js';
import { evaluate, iterEvaluate } from '../../src/replay/evaluate.js';
import { toSteps } from '../../src/replay/series.js';

const H = 3_600_000;
const steps = (sensor: string, temps: (number | null)[], from = 1): StepObservation[] =>
  temps.map((temp, i) => ({ sensor, t: (from + i) * H, temp }));

/** Forecasts one fixed value: a second model with hand-computable errors. */
function constant(value: number, horizon = 2): Forecaster {
  const last = new Map<string, number>();
  return {
    name: `constant-${value}`,
    horizon,
    stepMs: H,
    observe: (batch) => batch.forEach((s) => last.set(s.sensor, s.t)),
    forecast: (sensors): SensorForecast[] =>
      sensors.map((sensor) => {
        const origin = last.get(sensor)!;
        return { sensor, origin, points: Array.from({ length: horizon }, (_, k) => ({ ts: origin + (k + 1) * H, mean: value, p10: value, p50: value, p90: value })) };
      }),
    has: (s) => last.has(s),
    lastStep: (s) => last.get(s),
    exportState: () => undefined,
    importState: () => {},
    drop: (s) => void last.delete(s),
    dispose: () => last.clear(),
  };
}

describe('evaluate', () => {
  it('matches a hand-computed prequential evaluation', async () => {
    // t = 1..5 h: 10, 12, -, 15, 14; scored targets 2..5 h. Origins at 1, 2 and 4 h (3 h has no temperature).
    // persistence: k=1 errors |12-10|, |14-15| -> 1.5; k=2: origin 2 -> target 4: |15-12| = 3 (target 3 missing)
    // constant 12: k=1: |12-12|, |14-12| -> 1; k=2: |15-12| = 3
    const report = await evaluate({
      forecasters: [createPersistence({ horizon: 2 }), constant(12)],
      steps: steps('a', [10, 12, null, 15, 14]),
      evalFrom: 2 * H,
      evalTo: 5 * H,
    });
    const p = report.models.persistence;
    expect(p.perHorizon.map((h) => h.mae)).toEqual([1.5, 3]);
    expect(p.mean.mae).toBe(2.25);
    expect(report.models['constant-12'].mean.mae).toBe(2);
    expect(p.counts).toEqual({ forecasts: 3, points: 5, scored: 3, missingTruth: 2, invalid: 0 });
    expect(report.counts).toEqual({ gridTimes: 5, steps: 5, origins: 3, restarts: 0, skippedOrigins: 0 });
    expect(report.skill['constant-12'].persistence.mean).toBeCloseTo(1 - 2 / 2.25, 12);
    expect(report.skill['constant-12'].persistence.perHorizon).toEqual([1 - 1 / 1.5, 0]);
    expect(report.skill.persistence['constant-12'].mean).toBeCloseTo(1 - 2.25 / 2, 12);
  });

  it('restarts a sensor after a jump, forecasts every n-th step, keeps a sample for the chart', async () => {
    const batch = [...steps('a', [1, 2, 3, 4]), ...steps('a', [9, 9, 9, 9, 9, 9], 10)];
    const report = await evaluate({
      forecasters: [createPersistence({ horizon: 2 }), createDailyCycle({ horizon: 2 })],
      steps: batch,
      evalFrom: 0,
      evalTo: 20 * H,
      forecastEvery: 2,
    });
    expect(report.counts.restarts).toBe(1);
    expect(report.counts.origins).toBe(5); // even hours 2, 4, 10, 12, 14
    // By default the last origin whose horizon fits in the window: 14 h (no steps after 15 h)
    expect(report.sample).toMatchObject({ sensor: 'a', origin: 14 * H });
    expect(Object.keys(report.sample!.forecasts)).toEqual(['persistence', 'daily-cycle']);
    expect(report.sample!.truth.map((s) => s.t / H)).toEqual([10, 11, 12, 13, 14, 15]);
    const sampled = await evaluate({
      forecasters: [createPersistence({ horizon: 2 })],
      steps: batch,
      evalFrom: 0,
      evalTo: 20 * H,
      sample: { sensor: 'a', origin: 12 * H },
    });
    expect(sampled.sample).toMatchObject({ sensor: 'a', origin: 12 * H });
    expect(sampled.sample?.forecasts.persistence.map((p) => p.p50)).toEqual([9, 9]);
    expect(sampled.sample?.truth.map((s) => s.t / H)).toEqual([10, 11, 12, 13, 14]);
  });

  it('yields progress per grid time and awaits the onStep hook in order', async () => {
    const seen: number[] = [];
    const it = iterEvaluate({
      forecasters: [createPersistence({ horizon: 2 })],
      steps: [...steps('a', [1, 2, 3]), ...steps('b', [5, 6, 7])].sort((x, y) => x.t - y.t),
      evalFrom: 0,
      evalTo: 10 * H,
      onStep: async (t, batch) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(t / H, batch.length);
      },
    });
    const fractions: (number | undefined)[] = [];
    let r = await it.next();
    while (!r.done) {
      fractions.push(r.value.fraction);
      r = await it.next();
    }
    expect(seen).toEqual([1, 2, 2, 2, 3, 2]);
    expect(fractions).toEqual([0, 0.5, 1]);
    expect(r.value.counts.steps).toBe(6);
  });

  it('rejects unordered steps and forecasters that disagree', async () => {
    await expect(evaluate({ forecasters: [createPersistence()], steps: [...steps('a', [1]), ...steps('b', [1], 0)], evalFrom: 0, evalTo: 1 })).rejects.toThrow(
      /ordered by t/,
    );
    await expect(evaluate({ forecasters: [createPersistence(), createDailyCycle({ horizon: 6 })], steps: [], evalFrom: 0, evalTo: 1 })).rejects.toThrow(
      /one horizon and step/,
    );
    await expect(evaluate({ forecasters: [createPersistence(), createPersistence()], steps: [], evalFrom: 0, evalTo: 1 })).rejects.toThrow(/distinct/);
    await expect(evaluate({ forecasters: [createPersistence()], steps: [], evalFrom: 0, evalTo: 1, references: ['x'] })).rejects.toThrow(/reference "x"/);
  });

  it('on the synthetic fixture, the daily cycle beats persistence and seasonal naive, with calibrated bands', async () => {
    const { readings } = await loadCsv(resolve(import.meta.dirname, '../../fixtures/synthetic-3-sensors-60d.csv'));
    const all = toSteps(readings, { maxGapSteps: 24 }); // syn-2's 40 h gap is then a restart
    const report = await evaluate({
      forecasters: [createPersistence(), createSeasonalNaive(), createDailyCycle()],
      steps: all,
      evalFrom: Date.UTC(2024, 0, 15),
      evalTo: all[all.length - 1].t,
    });
    const mae = (name: string) => report.models[name].mean.mae;
    expect(mae('daily-cycle')).toBeLessThan(mae('persistence'));
    expect(mae('daily-cycle')).toBeLessThan(mae('seasonal-naive'));
    expect(report.skill['daily-cycle'].persistence.mean).toBeGreaterThan(0.2);
    expect(report.counts.restarts).toBe(1); // syn-2's 40 h gap
    for (const m of Object.values(report.models)) {
      expect(m.mean.coverage).toBeGreaterThan(0.7);
      expect(m.mean.coverage).toBeLessThan(0.9);
      expect(Object.keys(m.perSensor)).toEqual(['syn-1', 'syn-2', 'syn-3']);
    }
  });
});

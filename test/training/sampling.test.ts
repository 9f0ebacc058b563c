// Window sampling for a round (src/training/sampling.ts): a sensor's later stretches of history (after a reset)
// carry its clock estimate on from the stretch before, as the live keeper does across a reset.
import { describe, expect, it } from 'vitest';
import type { StepObservation } from '../../src/forecaster.js';
import { buildWindows, clockAfter, resolveModelConfig, startClock, withSeasonDays } from '../../src/model/index.js';
import { createRng } from '../../src/random.js';
import { sampleWindows } from '../../src/training/sampling.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 2, 1);
const config = resolveModelConfig({ hidden: 4, covariates: [] });

/** Hourly steps of a daily cycle peaking at 14 UTC (a station far from the reference), from hour `from`. */
function stretch(from: number, hours: number): StepObservation[] {
  return Array.from({ length: hours }, (_, i) => {
    const h = from + i + 1;
    return { sensor: 'far', t: T0 + h * H, temp: Math.round((10 + 5 * Math.cos((2 * Math.PI * (h - 14)) / 24) + Math.sin(h * 1.3)) * 100) / 100 };
  });
}

describe('sampleWindows', () => {
  it("starts a sensor's later stretch from the clock its earlier stretch ended with", () => {
    const first = stretch(0, 24 * 9);
    const second = stretch(24 * 12, 24 * 4); // after a 3-day gap: a reset, a new stretch "far#1"
    const carried = clockAfter(first, config);
    expect(carried.shift).not.toBe(0);
    const { train, validation } = sampleWindows(new Map([['far#1', second], ['far', first]]), config, createRng(1), {
      contextLength: 24,
      validationSteps: 24,
      windows: 400,
      recentSteps: 48,
      maxWindowsPerSensor: 10_000,
    });
    const expected = new Map(buildWindows(second, { config, contextLength: 24, clock: carried }).map((w) => [w.origin, w]));
    const fresh = new Map(buildWindows(second, { config, contextLength: 24 }).map((w) => [w.origin, w]));
    const inSecond = [...train, ...validation].filter((w) => expected.has(w.origin));
    expect(inSecond.length).toBeGreaterThan(10);
    for (const w of inSecond) expect(Array.from(w.encoder)).toEqual(Array.from(expected.get(w.origin)!.encoder));
    // A fresh clock (what the second stretch would get on its own) gives other inputs there.
    expect(inSecond.some((w) => Array.from(w.encoder).join() !== Array.from(fresh.get(w.origin)!.encoder).join())).toBe(true);
  });
});

describe('sampleWindows builds only what it draws', () => {
  it('returns the very windows a full build of each stretch has at those origins, validation held back', () => {
    const series = new Map([
      ['a', stretch(0, 24 * 20).map((o) => ({ ...o, sensor: 'a' }))],
      ['b', stretch(5, 24 * 12).map((o) => ({ ...o, sensor: 'b' }))],
    ]);
    const options = { contextLength: 24, validationSteps: 24, windows: 300, recentSteps: 72, maxWindowsPerSensor: 200, maxValidation: 15 };
    const { train, validation } = sampleWindows(series, config, createRng(3), options);
    expect(train).toHaveLength(300);
    expect(validation).toHaveLength(15); // of 8 + 12 held back (strides 3 and 2)
    for (const [sensor, steps] of series) {
      const stride = Math.ceil(steps.length / options.maxWindowsPerSensor);
      const full = new Map(buildWindows(steps, { config, contextLength: 24, stride, minTargets: 12 }).map((w) => [w.origin, w]));
      const firstValidation = Math.max(...full.keys()) - 23 * H;
      for (const w of train.filter((x) => x.sensor === sensor)) {
        expect(w).toEqual(full.get(w.origin));
        expect(w.origin + config.horizon * H).toBeLessThanOrEqual(firstValidation);
      }
      for (const w of validation.filter((x) => x.sensor === sensor)) {
        expect(w).toEqual(full.get(w.origin));
        expect(w.origin).toBeGreaterThanOrEqual(firstValidation);
      }
    }
    // Both sensors are drawn from, and recent windows are weighted up (60 % of draws from the last 72 origins).
    expect(new Set(train.map((w) => w.sensor))).toEqual(new Set(['a', 'b']));
  });
});

describe('sampleWindows for southern stations', () => {
  it("builds the windows on the clock shifted half a year, as a southern node's forecaster reads them", () => {
    const first = stretch(0, 24 * 4);
    const options = { contextLength: 24, validationSteps: 24, windows: 100, recentSteps: 24, maxWindowsPerSensor: 10_000 };
    const south = sampleWindows(new Map([['far', first]]), config, createRng(1), { ...options, seasonDays: 182 });
    const north = sampleWindows(new Map([['far', first]]), config, createRng(1), options);
    const shifted = new Map(buildWindows(first, { config: withSeasonDays(config, 182), contextLength: 24 }).map((w) => [w.origin, w]));
    const all = [...south.train, ...south.validation];
    expect(all.length).toBeGreaterThan(10);
    for (const w of all) expect(w).toEqual(shifted.get(w.origin));
    // Same windows drawn, other day-of-year inputs.
    expect(north.train.map((w) => w.origin)).toEqual(south.train.map((w) => w.origin));
    expect(Array.from(north.train[0]!.encoder)).not.toEqual(Array.from(south.train[0]!.encoder));
    // The model's own config is left as it was (a saved model never carries the shift).
    expect(config.normalization.clock?.seasonDays).toBeUndefined();
  });
});

describe('sampleWindows with a declared station offset', () => {
  it("starts each sensor's first stretch from the declared clock, as a new live sensor does", () => {
    const first = stretch(0, 24 * 4);
    const options = { contextLength: 24, validationSteps: 24, windows: 200, recentSteps: 24, maxWindowsPerSensor: 10_000 };
    const { train, validation } = sampleWindows(new Map([['far', first]]), config, createRng(1), { ...options, stationUtcOffsetHours: 1 });
    const declared = new Map(buildWindows(first, { config, contextLength: 24, clock: startClock(config.normalization.clock, 1) }).map((w) => [w.origin, w]));
    const all = [...train, ...validation];
    expect(all.length).toBeGreaterThan(10);
    for (const w of all) expect(Array.from(w.encoder)).toEqual(Array.from(declared.get(w.origin)!.encoder));
  });
});

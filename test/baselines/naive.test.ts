import { describe, expect, it } from 'vitest';
import { createBaseline, createDailyCycle, createPersistence, createSeasonalNaive } from '../../src/baselines/index.js';
import { HOUR, T0, feed, stepsOf } from './helpers.js';

const p50s = (f: ReturnType<typeof createPersistence>, sensor = 'a') => f.forecast([sensor])[0].points.map((p) => p.p50);

describe('persistence', () => {
  it('repeats the last observed temperature, skipping null steps', () => {
    const f = createPersistence({ horizon: 3 });
    feed(f, stepsOf('a', [10, 12.5, null]));
    const [fc] = f.forecast(['a']);
    expect(fc.origin).toBe(T0 + 2 * HOUR);
    expect(fc.points.map((p) => p.ts)).toEqual([3, 4, 5].map((i) => T0 + i * HOUR));
    expect(fc.points.map((p) => p.p50)).toEqual([12.5, 12.5, 12.5]);
    expect(fc.points.every((p) => p.mean === p.p50)).toBe(true);
  });

  it('forecasts NaN for a sensor that never had a temperature', () => {
    const f = createPersistence({ horizon: 2 });
    feed(f, stepsOf('a', [null, null]));
    expect(p50s(f)).toEqual([NaN, NaN]);
  });
});

describe('seasonal naive', () => {
  // 6-hour steps: 4 steps per day, so "same time yesterday" is 4 steps back.
  const step = 6 * HOUR;

  it('takes the value one day before each target', () => {
    const f = createSeasonalNaive({ horizon: 6, stepMs: step });
    feed(f, stepsOf('a', [1, 2, 3, 4, 5, 6, 7, 8], step)); // last step index 7
    // targets 8..13: k=1..4 -> indices 4..7 (5,6,7,8); k=5,6 beyond a day repeat the last day: 4,5 -> 5,6
    expect(p50s(f)).toEqual([5, 6, 7, 8, 5, 6]);
  });

  it('falls back to the last value where yesterday is missing', () => {
    const f = createSeasonalNaive({ horizon: 4, stepMs: step });
    feed(f, stepsOf('a', [1, 2, 3, 4, 5, null, 7, 8.5], step));
    expect(p50s(f)).toEqual([5, 8.5, 7, 8.5]);
    const young = createSeasonalNaive({ horizon: 4, stepMs: step });
    feed(young, stepsOf('a', [1, 2], step)); // half a day: only targets 4 and 5 have a yesterday (1, 2)
    expect(p50s(young)).toEqual([2, 2, 1, 2]);
  });
});

describe('daily cycle', () => {
  const step = 6 * HOUR; // slots of the day 0..3

  it('adds the mean cycle of the history window to the last value', () => {
    const f = createDailyCycle({ horizon: 4, stepMs: step, historyDays: 2 });
    // two days, slot means: (0+2)/2=1, (10+12)/2=11, (20+22)/2=21, (4+6)/2=5
    feed(f, stepsOf('a', [0, 10, 20, 4, 2, 12, 22, 6], step));
    // last value 6 at slot 3 (mean 5); targets at slots 0,1,2,3
    expect(p50s(f)).toEqual([6 + 1 - 5, 6 + 11 - 5, 6 + 21 - 5, 6]);
  });

  it('forgets days older than the window and skips missing values in the means', () => {
    const f = createDailyCycle({ horizon: 2, stepMs: step, historyDays: 1 });
    // The first day is pushed out by the second; slot 1 of the kept day is missing.
    feed(f, stepsOf('a', [100, 100, 100, 100, 0, null, 20, 4], step));
    // means of the kept day: slot0 0, slot1 NaN, slot2 20, slot3 4; last value 4 at slot 3
    // k=1 -> slot 0: 4 + 0 - 4 = 0; k=2 -> slot 1 unknown: persistence 4
    expect(p50s(f)).toEqual([0, 4]);
  });

  it('uses the hour of the last *observed* value as the reference', () => {
    const f = createDailyCycle({ horizon: 1, stepMs: step, historyDays: 1 });
    feed(f, stepsOf('a', [0, 10, 20, null], step)); // last value 20 at slot 2, origin at slot 3
    // target slot 0 (mean 0): 20 + 0 - 20
    expect(p50s(f)).toEqual([0]);
  });

  it('works on hourly data (24 slots per day)', () => {
    const f = createDailyCycle({ horizon: 24 });
    const cycle = Array.from({ length: 24 }, (_, h) => 10 + 5 * Math.sin((2 * Math.PI * h) / 24));
    feed(f, stepsOf('a', [...cycle, ...cycle, ...cycle].map((v) => v + 3))); // shifted by 3, 3 days
    const got = p50s(f);
    cycle.forEach((v, i) => expect(got[i]).toBeCloseTo(v + 3, 4));
  });
});

describe('createBaseline', () => {
  it('builds each baseline by name and rejects unknown names', () => {
    expect(createBaseline('daily-cycle').name).toBe('daily-cycle');
    expect(createBaseline('seasonal-naive', { horizon: 6 }).horizon).toBe(6);
    expect(() => createBaseline('nope' as never)).toThrow(/unknown baseline/);
  });

  it('validates options by name', () => {
    expect(() => createPersistence({ horizon: 0 })).toThrow(/horizon/);
    expect(() => createPersistence({ stepMs: 7 * HOUR })).toThrow(/stepMs must divide a day/);
    expect(() => createPersistence({ minResiduals: 600 })).toThrow(/minResiduals/);
    expect(() => createPersistence({ defaultSpread: -1 })).toThrow(/defaultSpread/);
  });
});

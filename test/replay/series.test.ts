import { describe, expect, it } from 'vitest';
import { bucketReadings } from '../../src/pipeline/bucket-readings.js';
import { toSteps } from '../../src/replay/series.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (hours: number, minutes = 0) => T0 + hours * H + minutes * 60_000;

describe('toSteps', () => {
  it('averages readings inside end-labelled buckets (t - step, t]', () => {
    const steps = toSteps([
      { sensor: 'a', ts: at(0, 20), temp: 10 },
      { sensor: 'a', ts: at(0, 40), temp: 14 },
      { sensor: 'a', ts: at(1, 1), temp: 3 }, // one minute past the end: bucket 2
      { sensor: 'a', ts: at(2), temp: 5 }, // exactly on the bucket end: still bucket 2
    ]);
    expect(steps).toEqual([
      { sensor: 'a', t: at(1), temp: 12 },
      { sensor: 'a', t: at(2), temp: 4 },
    ]);
  });

  it('averages each covariate over its own values; rows without a temperature are not readings', () => {
    const steps = toSteps([
      { sensor: 'a', ts: at(0, 10), temp: null, pressure: 1000, dewpoint: null, wind: 2 }, // the server never sees it
      { sensor: 'a', ts: at(0, 30), temp: 5, pressure: 1010, dewpoint: null, wind: null },
      { sensor: 'a', ts: at(0, 40), temp: 7, pressure: 1020 },
    ]);
    expect(steps).toEqual([{ sensor: 'a', t: at(1), temp: 6, pressure: 1015 }]);
  });

  it('fills short gaps with null steps and leaves long ones as a restart (the server\'s maxGapSteps)', () => {
    const steps = toSteps(
      [
        { sensor: 'a', ts: at(1), temp: 1 },
        { sensor: 'a', ts: at(4), temp: 4 }, // 2 empty buckets: filled
        { sensor: 'a', ts: at(8), temp: 8 }, // 3 empty buckets: more than maxGapSteps, a restart
      ],
      { maxGapSteps: 2 },
    );
    expect(steps.map((s) => [(s.t - T0) / H, s.temp])).toEqual([
      [1, 1],
      [2, null],
      [3, null],
      [4, 4],
      [8, 8],
    ]);
  });

  it('drops duplicates (the first stays) and late readings as the server does, and orders by time, then sensor', () => {
    const steps = toSteps([
      { sensor: 'b', ts: at(1), temp: 6 },
      { sensor: 'a', ts: at(1), temp: 1 },
      { sensor: 'b', ts: at(2), temp: 7 },
      { sensor: 'b', ts: at(2), temp: 100 }, // duplicate
      { sensor: 'a', ts: at(2), temp: 2 },
      { sensor: 'b', ts: at(0, 30), temp: 50 }, // late: its bucket closed when b@1 arrived (on its end)
      { sensor: 'a', ts: at(1, 30), temp: 4 }, // late: a@2 closed bucket 2, although it was on time for a
    ]);
    expect(steps.map((s) => `${s.sensor}@${(s.t - T0) / H}=${s.temp}`)).toEqual(['a@1=1', 'b@1=6', 'a@2=2', 'b@2=7']);
  });

  it('supports other step sizes and rejects bad rules by name', () => {
    const steps = toSteps(
      [
        { sensor: 'a', ts: at(0, 5), temp: 1 },
        { sensor: 'a', ts: at(0, 14), temp: 3 },
        { sensor: 'a', ts: at(0, 16), temp: 5 },
      ],
      { stepMs: 15 * 60_000 },
    );
    expect(steps.map((s) => [(s.t - T0) / 60_000, s.temp])).toEqual([
      [15, 2],
      [30, 5],
    ]);
    expect(() => toSteps([], { stepMs: 0 })).toThrow(/stepMs/);
    expect(() => toSteps([], { maxGapSteps: 1.5 })).toThrow(/maxGapSteps/);
  });
});

describe('bucketReadings', () => {
  it('is the live bucketer over a whole history: steps, null fillers, a reset after a long gap, the last bucket closed', () => {
    const r = (h: number, temp: number) => ({ sensor: 'a', ts: at(h, 30), temp });
    const events = bucketReadings('a', [r(0, 1), r(0, 1), r(2, 3), r(6, 7), r(5, 99)], { stepMs: H, maxGapSteps: 2 });
    expect(events).toEqual([
      { kind: 'step', obs: { sensor: 'a', t: at(1), temp: 1 } },
      { kind: 'step', obs: { sensor: 'a', t: at(2), temp: null } },
      { kind: 'step', obs: { sensor: 'a', t: at(3), temp: 3 } },
      { kind: 'reset', sensor: 'a', before: at(7) },
      { kind: 'step', obs: { sensor: 'a', t: at(7), temp: 7 } },
    ]);
    expect(() => bucketReadings('a', [{ sensor: 'b', ts: 0, temp: 1 }], { stepMs: H, maxGapSteps: 2 })).toThrow(/"b"/);
  });
});

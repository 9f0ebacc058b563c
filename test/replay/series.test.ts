import { describe, expect, it } from 'vitest';
import { toSteps } from '../../src/replay/series.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (hours: number, minutes = 0) => T0 + hours * H + minutes * 60_000;

describe('toSteps', () => {
  it('averages readings inside end-labelled buckets (t - step, t]', () => {
    const steps = toSteps([
      { sensor: 'a', ts: at(0, 20), temp: 10 },
      { sensor: 'a', ts: at(1), temp: 14 }, // exactly on the bucket end: still bucket 1
      { sensor: 'a', ts: at(1, 1), temp: 3 }, // one minute later: bucket 2
    ]);
    expect(steps).toEqual([
      { sensor: 'a', t: at(1), temp: 12 },
      { sensor: 'a', t: at(2), temp: 3 },
    ]);
  });

  it('averages each covariate over its own non-null values and keeps null where none', () => {
    const steps = toSteps([
      { sensor: 'a', ts: at(0, 10), temp: null, pressure: 1000, dewpoint: null, wind: 2 },
      { sensor: 'a', ts: at(0, 40), temp: 5, pressure: 1010, dewpoint: null, wind: null },
    ]);
    expect(steps).toEqual([{ sensor: 'a', t: at(1), temp: 5, pressure: 1005, dewpoint: null, wind: 2 }]);
  });

  it('fills short gaps with null steps and leaves long ones as a restart', () => {
    const steps = toSteps(
      [
        { sensor: 'a', ts: at(1), temp: 1 },
        { sensor: 'a', ts: at(4), temp: 4 }, // 2 empty buckets: filled
        { sensor: 'a', ts: at(8), temp: 8 }, // 3 empty buckets: longer than maxGap, not filled
      ],
      { maxGapMs: 2 * H },
    );
    expect(steps.map((s) => [(s.t - T0) / H, s.temp])).toEqual([
      [1, 1],
      [2, null],
      [3, null],
      [4, 4],
      [8, 8],
    ]);
  });

  it('ignores duplicates (same sensor and ts: the first one wins) and orders by time, then sensor', () => {
    const steps = toSteps([
      { sensor: 'b', ts: at(2), temp: 7 },
      { sensor: 'a', ts: at(1), temp: 1 },
      { sensor: 'b', ts: at(2), temp: 100 },
      { sensor: 'a', ts: at(2), temp: 2 },
      { sensor: 'b', ts: at(1), temp: 6 },
    ]);
    expect(steps.map((s) => `${s.sensor}@${(s.t - T0) / H}=${s.temp}`)).toEqual(['a@1=1', 'b@1=6', 'a@2=2', 'b@2=7']);
  });

  it('supports other step sizes and rejects a bad one', () => {
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
  });
});

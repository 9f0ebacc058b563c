import { describe, expect, it } from 'vitest';
import { chanceText, frostRow, pageThresholds } from '../../client/dashboard/frost.js';
import type { Forecast } from '../../client/index.js';

const forecast = (below: Array<Record<string, number> | undefined>): Forecast => ({
  sensor: 'st-1',
  origin: 0,
  issuedAt: 0,
  stepSeconds: 3600,
  modelVersion: 1,
  degraded: false,
  points: below.map((b, i) => ({ ts: (i + 1) * 3_600_000, mean: 0, p10: -1, p50: 0, p90: 1, ...(b ? { below: b } : {}) })),
});

describe('dashboard chance of frost', () => {
  it('subscribes with threshold 0 unless the page address says otherwise', () => {
    expect(pageThresholds('')).toEqual([0]);
    expect(pageThresholds('?token=x')).toEqual([0]);
    expect(pageThresholds('?thresholds=30,0')).toEqual([0, 30]);
    expect(pageThresholds('?thresholds=')).toEqual([]);
    expect(() => pageThresholds('?thresholds=99')).toThrow(/out_of_range/);
  });

  it('is one cell per point from P(<= 0), and nothing without it', () => {
    expect(frostRow(forecast([{ '0': 0.25, '30': 1 }, { '0': 0.5 }]))).toEqual([
      { step: 1, ts: 3_600_000, p: 0.25 },
      { step: 2, ts: 7_200_000, p: 0.5 },
    ]);
    expect(frostRow(forecast([{ '30': 1 }, { '30': 1 }]))).toEqual([]);
    expect(frostRow(forecast([undefined, undefined]))).toEqual([]);
    expect(frostRow(undefined)).toEqual([]);
  });

  it('reads as whole percents without false certainty', () => {
    expect([0, 0.004, 0.126, 0.995, 1].map(chanceText)).toEqual(['0%', '<1%', '13%', '>99%', '100%']);
  });
});

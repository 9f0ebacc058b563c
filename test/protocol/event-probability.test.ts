import { describe, expect, it } from 'vitest';
import { belowOf, forecastJsonWithBelow, probabilityBelow, withBelow } from '../../src/protocol/index.js';

const grid = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to + 1e-9; t += step) out.push(t);
  return out;
};

describe('probabilityBelow', () => {
  const bands: Array<[number, number, number]> = [
    [-2, 1, 3], // skewed: the cold side wider
    [10, 10.5, 14],
    [-40, -30, -29.9],
    [0, 0, 5], // lower side collapsed
    [-5, 2, 2], // upper side collapsed
    [1.5, 1.5, 1.5], // a point mass
  ];

  it.each(bands)('is a CDF for p10=%s p50=%s p90=%s: in [0, 1] and non-decreasing from -90 to 60', (p10, p50, p90) => {
    let prev = 0;
    for (const t of grid(-90, 60, 0.05)) {
      const p = probabilityBelow(t, p10, p50, p90);
      expect(p).toBeGreaterThanOrEqual(prev);
      expect(p).toBeLessThanOrEqual(1);
      prev = p;
    }
  });

  it('gives exactly 0.1, 0.5 and 0.9 at the quantiles, and is linear between them', () => {
    expect(probabilityBelow(-2, -2, 1, 3)).toBe(0.1);
    expect(probabilityBelow(1, -2, 1, 3)).toBe(0.5);
    expect(probabilityBelow(3, -2, 1, 3)).toBe(0.9);
    expect(probabilityBelow(-0.5, -2, 1, 3)).toBeCloseTo(0.3, 12);
    expect(probabilityBelow(2, -2, 1, 3)).toBeCloseTo(0.7, 12);
  });

  it('follows a logistic fitted to each outer quantile in the tails, heading to 0 and 1', () => {
    // Lower tail: scale (p50 - p10) / ln 9 = 3 / ln 9; one more band width below p10 -> 1 / (1 + 9^2).
    expect(probabilityBelow(-5, -2, 1, 3)).toBeCloseTo(1 / 82, 12);
    expect(probabilityBelow(5, -2, 1, 3)).toBeCloseTo(1 - 1 / 82, 12);
    expect(probabilityBelow(-90, -2, 1, 3)).toBeLessThan(1e-12);
    expect(probabilityBelow(60, -2, 1, 3)).toBeGreaterThan(1 - 1e-12);
    expect(probabilityBelow(-1e308, -2, 1, 3)).toBe(0);
    expect(probabilityBelow(1e308, -2, 1, 3)).toBe(1);
    // Continuous where the pieces meet.
    expect(probabilityBelow(-2 - 1e-9, -2, 1, 3)).toBeCloseTo(0.1, 8);
    expect(probabilityBelow(3 + 1e-9, -2, 1, 3)).toBeCloseTo(0.9, 8);
  });

  it('makes a band of zero width a right-continuous step', () => {
    expect(probabilityBelow(1.49, 1.5, 1.5, 1.5)).toBe(0);
    expect(probabilityBelow(1.5, 1.5, 1.5, 1.5)).toBe(1);
    expect(probabilityBelow(-0.01, 0, 0, 5)).toBe(0);
    expect(probabilityBelow(0, 0, 0, 5)).toBe(0.5);
    expect(probabilityBelow(2, -5, 2, 2)).toBe(1);
    expect(probabilityBelow(1.99, -5, 2, 2)).toBeLessThan(0.5);
  });

  it('sorts crossed quantiles instead of answering a non-monotone curve', () => {
    for (const t of [-3, -2, 0, 1, 2.5, 3, 4]) expect(probabilityBelow(t, 3, 1, -2)).toBe(probabilityBelow(t, -2, 1, 3));
  });
});

describe('below on the wire', () => {
  // -2.5: 1 / (1 + 9^(3.5 / 3)) = 0.07152; 0: 0.1 + 0.4 * 2 / 3 = 0.36667.
  it('keys by String(threshold), rounds to 4 decimals and leaves the rest of the frame as it was', () => {
    expect(belowOf({ p10: -2, p50: 1, p90: 3 }, [-2.5, 0, 30])).toEqual({ '-2.5': 0.0715, '0': 0.3667, '30': 1 });
    const frame = {
      type: 'forecast',
      sensor: 'st-1',
      origin: '2016-03-01T00:00:00.000Z',
      issuedAt: '2016-03-01T00:00:01.000Z',
      stepSeconds: 3600,
      modelVersion: 1,
      points: [{ ts: '2016-03-01T01:00:00.000Z', mean: 1, p10: -2, p50: 1, p90: 3 }],
    };
    const out = JSON.parse(forecastJsonWithBelow(JSON.stringify(frame), frame.points, [0]));
    expect(out).toEqual({ ...frame, points: [{ ...frame.points[0], below: { '0': 0.3667 } }] });
  });

  it('splices into the frame exactly what parsing and writing it again would give, degraded or not', () => {
    const points = Array.from({ length: 24 }, (_, k) => ({
      ts: new Date(Date.UTC(2016, 2, 1, k + 1)).toISOString(),
      mean: -1e-7 * k,
      p10: -3.25 - k / 7,
      p50: -1e-7 * k,
      p90: 2.5 + k / 3,
    }));
    const base = { type: 'forecast', sensor: 'a.b:c-1_2', origin: 'o', issuedAt: 'i', stepSeconds: 3600, modelVersion: 3, points };
    for (const frame of [base, { ...base, degraded: true }]) {
      const json = JSON.stringify(frame);
      const thresholds = [-2.5, 0, 1e-7, 30];
      const spliced = forecastJsonWithBelow(json, points, thresholds);
      // Equal as JSON; the splice keeps the thresholds' order, where an object would put "0" and "30" first.
      expect(JSON.parse(spliced)).toEqual(withBelow(JSON.parse(json), thresholds));
      expect(spliced).toContain('"p90":2.5,"below":{"-2.5":0.1923,"0":0.5,"1e-7":0.5,"30":1}},{"ts"');
      expect(spliced.endsWith(frame === base ? '}}]}' : '}}],"degraded":true}')).toBe(true);
      // Points that do not describe the frame: the slow path, still right.
      expect(JSON.parse(forecastJsonWithBelow(json, points.slice(1), thresholds))).toEqual(JSON.parse(spliced));
      expect(JSON.parse(forecastJsonWithBelow(json, [...points, points[0]!], thresholds))).toEqual(JSON.parse(spliced));
    }
  });
});

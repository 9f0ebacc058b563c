import { describe, expect, it } from 'vitest';
import type { SensorForecast } from '../../src/forecaster.js';
import { cachedIso, forecastJson, toForecastMessage, type ForecastMeta } from '../../src/protocol/index.js';

const H = 3_600_000;

function forecast(sensor: string, origin: number, values: (k: number) => number): SensorForecast {
  return {
    sensor,
    origin,
    points: Array.from({ length: 24 }, (_, i) => {
      const v = values(i);
      return { ts: origin + (i + 1) * H, mean: v, p10: v - 1.25, p50: v * 0.5, p90: v + 1e-7 };
    }),
  };
}

describe('forecastJson', () => {
  const meta: ForecastMeta = { issuedAt: Date.UTC(2026, 10, 28, 20, 0, 0, 120), stepSeconds: 3600, modelVersion: 7 };

  it('writes exactly what JSON.stringify(toForecastMessage()) writes', () => {
    let seed = 1;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 200;
    const cases: SensorForecast[] = [
      forecast('st-1', Date.UTC(2016, 2, 4), () => rand()),
      forecast('a.b_c:d-9', 0, (k) => k),
      forecast('neg', -H * 5, (k) => -k * 0.1),
      { sensor: 'one', origin: H, points: [{ ts: 2 * H, mean: 1, p10: 0, p50: 1, p90: 2 }] },
      { sensor: 'none', origin: H, points: [] },
      { sensor: 'odd', origin: H, points: [{ ts: 2 * H, mean: -0, p10: 1e21, p50: 5e-7, p90: Number.MAX_VALUE }] },
    ];
    for (const f of cases) {
      for (const m of [meta, { ...meta, degraded: true }]) {
        const expected = JSON.stringify(toForecastMessage(f, m));
        expect(forecastJson(f, m)).toBe(expected);
        expect(forecastJson(f, m, cachedIso())).toBe(expected);
      }
    }
  });

  it('shares one cache across forecasts of a batch', () => {
    const iso = cachedIso();
    const a = forecast('a', 10 * H, (k) => k);
    const b = forecast('b', 10 * H, (k) => -k);
    expect(forecastJson(a, meta, iso)).toBe(JSON.stringify(toForecastMessage(a, meta)));
    expect(forecastJson(b, meta, iso)).toBe(JSON.stringify(toForecastMessage(b, meta)));
  });

  it('cachedIso formats like toISOString and forgets at its bound', () => {
    const iso = cachedIso(3);
    for (const ms of [0, H, 2 * H, 3 * H, H, -1, 1.5]) expect(iso(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws on an invalid time, like toISOString', () => {
    expect(() => forecastJson({ sensor: 'x', origin: Number.NaN, points: [] }, meta)).toThrow(RangeError);
  });
});

// The dashboard's data model without a browser: merging readings and forecasts, aligning the chart series,
// skill series; plus the coalescing operator and the bundle build.
import { Subject, firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Forecast } from '../../client/index.js';
import { coalesceMap } from '../../client/dashboard/coalesce-map.js';
import { addForecast, addReadings, chartData, emptyState, skillSeries } from '../../client/dashboard/state.js';
import { buildDashboardBundle } from '../../client/dashboard/bundle.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function forecast(origin: number, base: number, sensor = 'a'): Forecast {
  return {
    sensor,
    origin,
    issuedAt: origin + 1000,
    stepSeconds: 3600,
    modelVersion: 1,
    degraded: false,
    points: [1, 2, 3].map((k) => ({ ts: origin + k * H, mean: base + k, p10: base + k - 1, p50: base + k, p90: base + k + 1 })),
  };
}

describe('dashboard state', () => {
  it('merges readings by ts, in order, replacing a re-read one', () => {
    let s = addReadings(emptyState('a'), [{ ts: T0 + H, temp: 2 }, { ts: T0, temp: 1 }]);
    s = addReadings(s, [{ ts: T0 + H, temp: 2.5 }, { ts: T0 + 2 * H, temp: 3 }]);
    expect(s.readings).toEqual([{ ts: T0, temp: 1 }, { ts: T0 + H, temp: 2.5 }, { ts: T0 + 2 * H, temp: 3 }]);
  });

  it('keeps forecasts by origin, a re-issue replacing the older one, and ignores other sensors', () => {
    let s = addForecast(emptyState('a'), forecast(T0 + H, 0));
    s = addForecast(s, forecast(T0, 0));
    s = addForecast(s, forecast(T0 + H, 5));
    s = addForecast(s, forecast(T0 + 2 * H, 0, 'b'));
    expect(s.forecasts.map((f) => [f.origin, f.points[0].p50])).toEqual([
      [T0, 1],
      [T0 + H, 6],
    ]);
  });

  it('aligns readings, the past-forecast line and the latest band on one axis in seconds', () => {
    let s = addReadings(emptyState('a'), [0, 1, 2].map((k) => ({ ts: T0 + k * H, temp: 10 + k })));
    s = addForecast(s, forecast(T0, 0));
    s = addForecast(s, forecast(T0 + H, 20));
    const d = chartData(s, { lead: 1, historyMs: 10 * H });
    expect(d.x).toEqual([0, 1, 2, 3, 4].map((k) => (T0 + k * H) / 1000));
    expect(d.actual).toEqual([10, 11, 12, null, null]);
    // Lead 1: forecast from T0 for T0+1h (1), from T0+1h for T0+2h (21).
    expect(d.past).toEqual([null, 1, 21, null, null]);
    // Latest band anchored at its origin on the reading there, then its points.
    expect(d.p50).toEqual([null, 11, 21, 22, 23]);
    expect(d.p10).toEqual([null, 11, 20, 21, 22]);
    expect(d.p90).toEqual([null, 11, 22, 23, 24]);
  });

  it('leaves out readings older than the history window', () => {
    const s = addReadings(emptyState('a'), [0, 1, 2, 3].map((k) => ({ ts: T0 + k * H, temp: k })));
    expect(chartData(s, { lead: 1, historyMs: H }).actual).toEqual([2, 3]);
  });

  it('turns the skill report into lead hours and nullable series', () => {
    const series = skillSeries({ sensor: 'a', stepSeconds: 1800, window: 10, steps: [{ step: 1, n: 3, mae: 0.5, coverage: 0.8 }, { step: 2, n: 0 }] });
    expect(series).toEqual({ leadHours: [0.5, 1], mae: [0.5, null], coverage: [0.8, null], minN: 0 });
    expect(skillSeries(undefined).leadHours).toEqual([]);
  });
});

describe('coalesceMap', () => {
  it('runs one task at a time and collapses triggers that arrive meanwhile into one more run', async () => {
    const triggers = new Subject<number>();
    let runs = 0;
    const release: (() => void)[] = [];
    const task = () =>
      new Promise<number>((resolve) => {
        const n = ++runs;
        release.push(() => resolve(n));
      });
    const results = firstValueFrom(triggers.pipe(coalesceMap(task), toArray()));
    triggers.next(1); // starts run 1
    triggers.next(2);
    triggers.next(3); // both collapse into run 2
    expect(runs).toBe(1);
    release.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(2);
    triggers.complete();
    release.shift()!();
    expect(await results).toEqual([1, 2]);
  });
});

describe('buildDashboardBundle', () => {
  it('bundles the page script for the browser once, with uPlot and its CSS, leaving ws out', async () => {
    const js = await buildDashboardBundle();
    expect(js.length).toBeGreaterThan(50_000);
    expect(js).toContain('.uplot'); // the CSS travels inside the bundle
    expect(js).not.toMatch(/\brequire\(["']ws["']\)/);
    expect(await buildDashboardBundle()).toBe(js);
  });
});

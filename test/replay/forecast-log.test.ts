import { describe, expect, it } from 'vitest';
import { createPersistence } from '../../src/baselines/index.js';
import type { ForecastPoint, StepObservation } from '../../src/forecaster.js';
import { evaluate } from '../../src/replay/evaluate.js';
import { ForecastLog, RecordedForecaster } from '../../src/replay/forecast-log.js';
import { coldStartGap, formatColdStartGap } from '../../src/replay/cold-start-gap.js';
import { checkSpeed, checkTargets, formatSpeed, formatTargets } from '../../src/replay/targets.js';
import { expectedLastOrigins, sendOrder } from '../../src/replay/ws-replay.js';

const H = 3_600_000;
const points = (origin: number, value: number, n = 2): ForecastPoint[] =>
  Array.from({ length: n }, (_, k) => ({ ts: origin + (k + 1) * H, mean: value, p10: value - 1, p50: value, p90: value + 1 }));

describe('ForecastLog', () => {
  it('stores forecasts compactly, answers by (sensor, origin), counts what it does not keep', () => {
    const log = new ForecastLog(2, H, (origin) => origin >= 2 * H);
    log.add({ sensor: 'a', origin: H, modelVersion: 1, points: points(H, 5) });
    log.add({ sensor: 'a', origin: 2 * H, modelVersion: 1, points: points(2 * H, 6) });
    log.add({ sensor: 'a', origin: 2 * H, modelVersion: 2, points: points(2 * H, 7) }); // replaces
    expect(log.size).toBe(3);
    expect(log.has('a', H)).toBe(false);
    expect(log.newestOrigin('a')).toBe(2 * H);
    expect(log.get('a', 2 * H)).toEqual({ sensor: 'a', origin: 2 * H, points: points(2 * H, 7) });
    expect(log.modelVersions()).toEqual([
      { version: 1, forecasts: 2 },
      { version: 2, forecasts: 1 },
    ]);
  });

  it('refuses forecasts of another horizon or step', () => {
    const log = new ForecastLog(2, H);
    expect(() => log.add({ sensor: 'a', origin: H, modelVersion: 1, points: points(H, 1, 3) })).toThrow(/3 points/);
    const bad = points(H, 1);
    bad[1].ts += 1;
    expect(() => log.add({ sensor: 'a', origin: H, modelVersion: 1, points: bad })).toThrow(/point 2/);
  });

  it('RecordedForecaster answers at the last observed step; the origins filter skips what was not issued', async () => {
    const log = new ForecastLog(2, H);
    // The "server" forecast only at 1 h and 3 h; the loop would also ask at 2 h.
    log.add({ sensor: 'a', origin: H, modelVersion: 1, points: points(H, 10) });
    log.add({ sensor: 'a', origin: 3 * H, modelVersion: 1, points: points(3 * H, 12) });
    const recorded = new RecordedForecaster(log, 'server');
    const steps: StepObservation[] = [10, 11, 12, 13, 14].map((temp, i) => ({ sensor: 'a', t: (i + 1) * H, temp }));
    recorded.observe(steps.slice(0, 2));
    expect(() => recorded.forecast(['a'])).toThrow(/no forecast for a/);
    recorded.dispose();
    const report = await evaluate({
      forecasters: [new RecordedForecaster(log, 'server'), createPersistence({ horizon: 2 })],
      steps,
      evalFrom: 2 * H,
      evalTo: 5 * H,
      origins: (sensor, t) => log.has(sensor, t),
    });
    expect(report.counts.origins).toBe(2);
    expect(report.counts.skippedOrigins).toBe(2); // 2 h and 4 h
    // server: origin 1 h -> |11-10|, |12-10|; origin 3 h -> |13-12|, |14-12|
    expect(report.models.server.perHorizon.map((h) => h.mae)).toEqual([1, 2]);
    expect(report.models.persistence.counts.forecasts).toBe(2);
  });
});

describe('send order and the last expected origins', () => {
  it('sorts by (ts, sensor), drops rows without temperature; the last origin depends on whether the last reading is on the grid', () => {
    const rows = [
      { sensor: 'b', ts: 2 * H, temp: 1 },
      { sensor: 'a', ts: 2 * H, temp: null },
      { sensor: 'a', ts: H + 5, temp: 1 },
      { sensor: 'b', ts: H, temp: 1 },
      { sensor: 'a', ts: 2 * H + 5, temp: 1 },
    ];
    const sent = sendOrder(rows);
    expect(sent.map((r) => `${r.sensor}@${r.ts}`)).toEqual([`b@${H}`, `a@${H + 5}`, `b@${2 * H}`, `a@${2 * H + 5}`]);
    // b's last reading closes its bucket at once; a's last bucket (ending 3 h) stays open, so 2 h is its last origin.
    expect(Object.fromEntries(expectedLastOrigins(sent, H))).toEqual({ b: 2 * H, a: 2 * H });
  });
});

describe('targets and the cold-start gap', () => {
  const summary = (mae: number, coverage: number) => ({ mae, rmse: mae, coverage, pinball: mae / 2, n: 10 });
  const report = (modelMae: number, coverage: number) =>
    ({
      horizon: 24,
      models: {
        wxstream: { perSensor: { s1: summary(modelMae, coverage), s2: summary(2, 0.8) }, mean: summary((modelMae + 2) / 2, 0.8) },
        'daily-cycle': { perSensor: { s1: summary(2.5, 0.79), s2: summary(2.5, 0.79) }, mean: summary(2.5, 0.79) },
        'seasonal-naive': { perSensor: { s1: summary(3, 0.78), s2: summary(3, 0.78) }, mean: summary(3, 0.78) },
      },
    }) as never;

  it('checks each station: 10% below daily cycle, 15% below seasonal naive, coverage 75-85%', () => {
    const ok = checkTargets(report(2, 0.8), 'wxstream');
    expect(ok.pass).toBe(true);
    expect(ok.rows[0]).toMatchObject({ sensor: 's1', pass: { dailyCycle: true, seasonalNaive: true, coverage: true } });
    expect(ok.rows[0].belowDailyCycle).toBeCloseTo(0.2, 12);
    const missed = checkTargets(report(2.3, 0.9), 'wxstream');
    expect(missed.pass).toBe(false);
    expect(missed.rows[0].pass).toEqual({ dailyCycle: false, seasonalNaive: true, coverage: false });
    const table = formatTargets(missed);
    expect(table).toMatch(/s1 .*MISS/);
    expect(table).toMatch(/Some targets are missed/);
    expect(() => checkTargets(report(2, 0.8), 'rnn')).toThrow(/no model "rnn"/);
  });

  it('judges the replay speed only for runs that trained, and says it is not part of --check', () => {
    expect(checkSpeed(5_000, true).result).toBe('pass');
    expect(checkSpeed(4_999.9, true).result).toBe('miss');
    expect(checkSpeed(9_000, false).result).toBe('not judged');
    expect(formatSpeed(checkSpeed(509.4, true), 2)).toMatch(/>= 5,000 readings\/s .*training rounds included\): MISS at 509 readings\/s on 2 cores\. Not part of --check/);
    expect(formatSpeed(checkSpeed(5_564, false), 2)).toMatch(/not judged, this run did not train \(5,564 readings\/s\)/);
  });

  it('reports the gap between a cold start and the default weights per station and overall', () => {
    const rows = coldStartGap(report(2, 0.8), report(2.5, 0.7), 'wxstream');
    expect(rows.map((r) => r.sensor)).toEqual(['s1', 's2', 'all']);
    expect(rows[0]).toMatchObject({ defaultMae: 2, coldMae: 2.5, gap: 0.5, relative: 0.2 });
    expect(formatColdStartGap(rows)).toMatch(/s1 +2\.000 +2\.500 +0\.500 +20\.0%/);
  });
});

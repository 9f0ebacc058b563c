import { Subject, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { forecastPipeline } from '../../src/pipeline/forecast-pipeline.js';
import { LiveSkill } from '../../src/pipeline/live-skill.js';
import type { ForecastBatch } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';
import { H, makeKeeper, syntheticReadings } from './helpers.js';

interface Run {
  forecasts: Array<{ sensor: string; origin: number; points: unknown }>;
  skill: unknown;
  observeCalls: number;
}

/** Feed `schedule` (virtual time -> batch) through the forecasting pipeline; stores each batch first, like ingest. */
function run(batches: Array<[at: number, readings: Reading[]]>): Run {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const { store, forecaster, keeper } = makeKeeper();
  const skill = new LiveSkill({ horizon: 24, stepMs: H, window: 1000 });
  const out: ForecastBatch[] = [];
  scheduler.run(() => {
    const input = new Subject<Reading[]>();
    input
      .pipe(
        tap((b) => store.readings.insertBatch(b, 0)),
        forecastPipeline({
          keeper,
          stepMs: H,
          graceMs: 90_000,
          maxGapSteps: 6,
          scheduler,
          wanted: () => true,
          skill,
        }),
      )
      .subscribe((b) => out.push(b));
    for (const [at, readings] of batches) scheduler.schedule(() => input.next(readings), at);
    scheduler.flush();
  });
  const forecasts = out
    .flatMap((b) => b.forecasts)
    .map((f) => ({ sensor: f.sensor, origin: f.origin, points: f.points }))
    .sort((x, y) => x.sensor.localeCompare(y.sensor) || x.origin - y.origin);
  return { forecasts, skill: [skill.report('a'), skill.report('b')], observeCalls: forecaster.observeCalls };
}

describe('replay equals live', () => {
  const readings = syntheticReadings(96);

  it('gives the same forecasts when a history is replayed in bulk as when it is fed live', () => {
    // Live: each reading arrives 5 s after its timestamp; buckets close by the grace timer.
    const live = run(readings.map((r) => [r.ts + 5_000, [r]]));
    // Replay: ten years later, 50 readings per frame, as fast as possible.
    const later = 10 * 365 * 24 * H;
    const chunks: Array<[number, Reading[]]> = [];
    for (let i = 0; i < readings.length; i += 50) chunks.push([later + i, readings.slice(i, i + 50)]);
    const replay = run(chunks);

    expect(live.forecasts.length).toBeGreaterThan(150);
    expect(replay.forecasts).toEqual(live.forecasts);
    expect(replay.skill).toEqual(live.skill);
    // One observe() per round, sensors batched together in both modes.
    expect(replay.observeCalls).toBeLessThanOrEqual(live.observeCalls);
  });

  it('issues a forecast for every step with exactly horizon points on the grid', () => {
    const live = run(readings.map((r) => [r.ts + 5_000, [r]]));
    for (const f of live.forecasts) {
      const points = f.points as Array<{ ts: number }>;
      expect(points).toHaveLength(24);
      points.forEach((p, k) => expect(p.ts).toBe(f.origin + (k + 1) * H));
    }
    const origins = live.forecasts.filter((f) => f.sensor === 'b').map((f) => f.origin / H);
    expect(origins).toEqual(Array.from({ length: 96 }, (_, i) => i + 1));
    // "a" was reset by its 12-hour gap (limit 6): no forecasts inside the gap.
    const a = live.forecasts.filter((f) => f.sensor === 'a').map((f) => f.origin / H);
    expect(a.filter((h) => h > 30 && h <= 42)).toEqual([]);
  });
});

import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { CapturedOrigin, SensorForecast } from '../../src/forecaster.js';
import { decodeForecasts } from '../../src/pipeline/decode-forecasts.js';
import { forecastPipeline } from '../../src/pipeline/forecast-pipeline.js';
import { LiveSkill } from '../../src/pipeline/live-skill.js';
import type { EncodedRound, ForecastBatch } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';
import { FakeForecaster } from './fake-forecaster.js';
import { H, makeKeeper, syntheticReadings } from './helpers.js';

interface Captured extends CapturedOrigin {
  level: number;
}

/** The fake forecaster with capture: copies of state now, decoded later; records each decode call's size. */
class CapturingForecaster extends FakeForecaster {
  readonly decodeSizes: number[] = [];

  capture(sensors: readonly string[]): Captured[] {
    return this.forecastNow(sensors).map((f) => ({ sensor: f.sensor, origin: f.origin, level: f.points[0]!.mean }));
  }

  forecastCaptured(captured: readonly CapturedOrigin[]): SensorForecast[] {
    this.decodeSizes.push(captured.length);
    return captured.map((c) => {
      const level = (c as Captured).level;
      return {
        sensor: c.sensor,
        origin: c.origin,
        points: Array.from({ length: this.horizon }, (_, i) => ({
          ts: c.origin + (i + 1) * this.stepMs,
          mean: level + i,
          p10: level + i - 1,
          p50: level + i,
          p90: level + i + 1,
        })),
      };
    });
  }

  private forecastNow(sensors: readonly string[]): SensorForecast[] {
    const calls = this.forecastCalls;
    const out = super.forecast(sensors);
    this.forecastCalls = calls;
    return out;
  }

  override forecast(sensors: readonly string[]): SensorForecast[] {
    return this.forecastCaptured(this.capture(sensors));
  }
}

const steps = (n: number, t: number) => Array.from({ length: n }, (_, i) => ({ sensor: `s${i}`, t, temp: i }));

describe('decodeForecasts', () => {
  it('decodes a large batch in chunks of maxBatch, one per scheduler task, in order', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const forecaster = new CapturingForecaster();
    const { keeper } = makeKeeper({ forecaster });
    const out: Array<{ at: number; sensors: string[] }> = [];
    scheduler.run(() => {
      const rounds = new Subject<EncodedRound>();
      rounds
        .pipe(decodeForecasts({ keeper, wanted: () => true, now: () => scheduler.now(), scheduler, maxBatch: 4 }))
        .subscribe((b) => out.push({ at: scheduler.now(), sensors: b.forecasts.map((f) => f.sensor) }));
      scheduler.schedule(() => {
        const round = steps(10, H);
        keeper.observe(round);
        rounds.next({ steps: round, resets: [], modelVersion: 1, last: true });
      }, 5);
      scheduler.flush();
    });
    expect(forecaster.decodeSizes).toEqual([4, 4, 2]);
    expect(out.map((o) => o.at)).toEqual([5, 5, 5]); // TestScheduler: delay-0 tasks run at the same virtual time
    expect(out.flatMap((o) => o.sensors)).toEqual(steps(10, H).map((s) => s.sensor));
  });

  it('decodes whatever is queued at once when the barrier emits (before the next batch encodes)', () => {
    const forecaster = new CapturingForecaster();
    const { keeper } = makeKeeper({ forecaster });
    const queued: Array<() => void> = [];
    const scheduler = { now: () => 0, schedule: (work: () => void) => (queued.push(work), { unsubscribe: () => undefined }) };
    const barrier = new Subject<void>();
    const rounds = new Subject<EncodedRound>();
    const out: ForecastBatch[] = [];
    rounds
      .pipe(decodeForecasts({ keeper, wanted: () => true, now: () => 0, scheduler: scheduler as never, maxBatch: 3, barrier }))
      .subscribe((b) => out.push(b));
    const round = steps(7, H);
    keeper.observe(round);
    rounds.next({ steps: round, resets: [], modelVersion: 1, last: true });
    expect(forecaster.decodeSizes).toEqual([3]);
    expect(queued).toHaveLength(1);
    barrier.next();
    expect(forecaster.decodeSizes).toEqual([3, 3, 1]);
    expect(out.flatMap((b) => b.forecasts.map((f) => f.sensor))).toEqual(round.map((s) => s.sensor));
  });

  it('cuts the same chunks in every run, and a chunked replay gives the forecasts of live feeding', () => {
    function run(batches: Array<[at: number, readings: Reading[]]>) {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      const forecaster = new CapturingForecaster();
      const { store, keeper } = makeKeeper({ forecaster });
      const skill = new LiveSkill({ horizon: 24, stepMs: H, window: 1000 });
      const out: ForecastBatch[] = [];
      scheduler.run(() => {
        const input = new Subject<Reading[]>();
        input
          .pipe(forecastPipeline({ keeper, stepMs: H, graceMs: 90_000, maxGapSteps: 6, scheduler, wanted: () => true, skill, maxDecodeBatch: 5 }))
          .subscribe((b) => out.push(b));
        for (const [at, readings] of batches) {
          scheduler.schedule(() => {
            store.readings.insertBatch(readings, 0);
            input.next(readings);
          }, at);
        }
        scheduler.flush();
      });
      const forecasts = out.flatMap((b) => b.forecasts).sort((x, y) => x.sensor.localeCompare(y.sensor) || x.origin - y.origin);
      return { forecasts, skill: [skill.report('a'), skill.report('b')], sizes: forecaster.decodeSizes };
    }
    const readings = syntheticReadings(96);
    const live = run(readings.map((r) => [r.ts + 5_000, [r]]));
    const chunks: Array<[number, Reading[]]> = [];
    for (let i = 0; i < readings.length; i += 200) chunks.push([10 * 365 * 24 * H + i, readings.slice(i, i + 200)]);
    const replay = run(chunks);
    const again = run(chunks);
    expect(replay.forecasts).toEqual(live.forecasts);
    // (Live skill of a captured backlog differs from live feeding: see B-requests, LiveSkill scores only forecasts
    // issued before the truth arrives, and a batch decodes after all its rounds scored.) Runs equal each other:
    expect(again.skill).toEqual(replay.skill);
    expect(again.forecasts).toEqual(replay.forecasts);
    expect(Math.max(...replay.sizes)).toBe(5);
    expect(again.sizes).toEqual(replay.sizes);
  });
});

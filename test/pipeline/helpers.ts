// Shared fixtures for pipeline tests: a keeper over an in-memory store and a fake forecaster, and synthetic readings.
import type { SchedulerLike } from 'rxjs';
import { SwappableModelHost } from '../../src/pipeline/model-host.js';
import type { PartitionSet } from '../../src/pipeline/partitions.js';
import { SensorKeeper } from '../../src/pipeline/sensor-keeper.js';
import type { Reading } from '../../src/protocol/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { FakeForecaster } from './fake-forecaster.js';

export const H = 3_600_000;

export function makeKeeper(
  opts: { store?: Store; forecaster?: FakeForecaster; maxGapSteps?: number; partitions?: PartitionSet; scheduler?: SchedulerLike } = {},
) {
  const store = opts.store ?? openStore(':memory:');
  const forecaster = opts.forecaster ?? new FakeForecaster();
  const host = new SwappableModelHost(1, forecaster);
  const keeper = new SensorKeeper({
    host,
    store,
    stepMs: H,
    maxGapSteps: opts.maxGapSteps ?? 6,
    warmupSteps: 12,
    ...(opts.partitions ? { partitions: opts.partitions } : {}),
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  return { store, forecaster, host, keeper };
}

/** Readings at irregular minutes, with a short gap for "b" and a long one for "a"; ends on the hour. */
export function syntheticReadings(hours: number): Reading[] {
  const out: Reading[] = [];
  for (let h = 0; h < hours; h++) {
    for (const [sensor, phase] of [
      ['a', 0],
      ['b', 1],
    ] as const) {
      if (sensor === 'a' && h >= 30 && h < 42) continue;
      if (sensor === 'b' && h >= 50 && h < 53) continue;
      for (const minute of [7 + phase, 29, 51 - phase]) {
        const ts = h * H + minute * 60_000;
        out.push({ sensor, ts, temp: Math.round(100 * (10 * Math.sin((2 * Math.PI * ts) / (24 * H)) + phase)) / 100 });
      }
    }
  }
  out.push({ sensor: 'a', ts: hours * H, temp: 3 }, { sensor: 'b', ts: hours * H, temp: 4 });
  return out;
}

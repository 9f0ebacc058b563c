// Shared helpers for the model tests: small configs, element-wise comparison, and forecasters fed a series.
import { expect } from 'vitest';
import type { SensorForecast, StepObservation } from '../../src/forecaster.js';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** All numbers of a forecast, flattened in a fixed order. */
export function forecastNumbers(f: SensorForecast): number[] {
  return f.points.flatMap((p) => [p.p10, p.p50, p.p90, p.mean]);
}

/** Time-major batches: tick i holds step i of every series that has one. */
export function ticks(series: readonly (readonly StepObservation[])[]): StepObservation[][] {
  const n = Math.max(...series.map((s) => s.length));
  return Array.from({ length: n }, (_, i) => series.filter((s) => s.length > i).map((s) => s[i]));
}

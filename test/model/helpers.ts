// Shared helpers for the model tests: small configs, element-wise comparison, and forecasters fed a series.
import { beforeAll, expect } from 'vitest';
import { initBackend, type BackendName } from '../../src/model/backend.js';
import { ModelError } from '../../src/model/index.js';
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

/**
 * The backend the model suites run on: wasm, or WXSTREAM_BACKEND when set (CI runs them again on tensorflow where
 * tfjs-node installed, .ci/run). Explicit, so a missing native backend fails that run instead of hiding in wasm.
 */
export function testBackend(): BackendName {
  const v = process.env.WXSTREAM_BACKEND;
  return v === 'tensorflow' || v === 'cpu' || v === 'wasm' ? v : 'wasm';
}

/** Register a beforeAll that selects the test backend (testBackend()) for the calling test file. */
export function useTestBackend(): void {
  beforeAll(async () => {
    await initBackend(testBackend());
  });
}

/** The ModelError code thrown by `fn`, or undefined if it does not throw (anything else fails the test). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as ModelError).code;
  }
  return undefined;
}

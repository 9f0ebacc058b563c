// Test helpers: turn a plain list of temperatures into consecutive grid steps.
import type { Forecaster, StepObservation } from '../../src/forecaster.js';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1); // midnight UTC: slot of the day 0

export function stepsOf(sensor: string, temps: readonly (number | null)[], stepMs = HOUR, t0 = T0): StepObservation[] {
  return temps.map((temp, i) => ({ sensor, t: t0 + i * stepMs, temp }));
}

export function feed(f: Forecaster, steps: readonly StepObservation[]): void {
  for (const s of steps) f.observe([s]);
}

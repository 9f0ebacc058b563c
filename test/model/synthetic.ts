// Tiny deterministic weather generator for model tests: diurnal cycle + slow drift + AR(1) noise, with gaps.
import type { StepObservation } from '../../src/forecaster.js';
import { createRng } from '../../src/random.js';

export const HOUR_MS = 3_600_000;
/** 2024-03-01T00:00Z: a fixed, step-aligned start. */
export const T0 = Date.UTC(2024, 2, 1);

export interface SyntheticOptions {
  sensor: string;
  steps: number;
  seed: number;
  start: number;
  /** Mean level (deg C) and diurnal amplitude. */
  level: number;
  amplitude: number;
  /** AR(1) coefficient and innovation sd of the weather noise. */
  phi: number;
  noise: number;
  /** Synoptic drift: amplitude (deg C) and period (days) of a slow wave, like passing weather systems. */
  drift: number;
  driftDays: number;
  /** Share of steps with temp = null. */
  missing: number;
  /** Include pressure/dewpoint/wind (pressure leads temperature a little). */
  covariates: boolean;
}

const DEFAULTS: SyntheticOptions = {
  sensor: 's1', steps: 24 * 30, seed: 1, start: T0, level: 10, amplitude: 6, phi: 0.97, noise: 0.4, drift: 3, driftDays: 5, missing: 0.03, covariates: false,
};

export function diurnalSeries(options: Partial<SyntheticOptions> = {}): StepObservation[] {
  const o = { ...DEFAULTS, ...options };
  const rng = createRng(o.seed);
  const phase = rng.next() * 2;
  let ar = 0;
  const out: StepObservation[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t = o.start + (i + 1) * HOUR_MS;
    const hour = (t / HOUR_MS) % 24;
    ar = o.phi * ar + o.noise * rng.normal();
    const drift = o.drift * Math.sin((2 * Math.PI * i) / (24 * o.driftDays) + phase);
    const temp = o.level + o.amplitude * Math.sin((2 * Math.PI * (hour - 9)) / 24) + drift + ar;
    const obs: StepObservation = { sensor: o.sensor, t, temp: rng.next() < o.missing ? null : temp };
    if (o.covariates) {
      obs.pressure = 1013 + 5 * Math.sin((2 * Math.PI * i) / (24 * 5) + phase) - 2 * ar;
      obs.dewpoint = temp - 4 - rng.next() * 2;
      obs.wind = rng.next() < 0.1 ? null : 3 + 2 * rng.next();
    }
    out.push(obs);
  }
  return out;
}

/** Seasonal-naive (same hour yesterday) forecast of one target, or null when yesterday is missing. */
export function seasonalNaive(series: readonly StepObservation[], originIndex: number, lead: number): number | null {
  return series[originIndex + lead - 24]?.temp ?? null;
}

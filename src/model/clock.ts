// Per-sensor clock alignment of the time features. Weights learn the daily cycle against the hour-of-day inputs
// of the stations they were trained on (UTC hours at Beijing, UTC+8, for the shipped ones), so a station at
// another longitude would be told the wrong hour. Each sensor estimates where its own daily cycle peaks (the
// first daily harmonic of temperature minus its recent level, exponentially weighted) and shifts the clock of
// its time features by whole hours so that its peak falls where the reference stations' did. Pure arithmetic on
// the readings, run by track.ts live and in training windows alike, so both see the same inputs.
import type { ClockConfig } from './config.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const TWO_PI = 2 * Math.PI;

/** One sensor's estimate; plain float64 numbers, part of its snapshot. */
export interface ClockState {
  /** Exponentially weighted sums of anomaly x cos / x sin of the UTC hour angle, and of the weights. */
  cos: number;
  sin: number;
  weight: number;
  /** Readings folded in (not decayed): the estimate is trusted after `minHours` of them. */
  count: number;
  /** The shift in force, whole hours in [-12, 12): time features see t + shift hours. */
  shift: number;
}

/** The state's numbers in their stored order (sensor slab, snapshot format 2). */
export const CLOCK_FIELDS = ['cos', 'sin', 'weight', 'count', 'shift'] as const satisfies readonly (keyof ClockState)[];

/** The state from its numbers in CLOCK_FIELDS order, read by `at(i)`. */
export function clockFrom(at: (i: number) => number): ClockState {
  return { cos: at(0), sin: at(1), weight: at(2), count: at(3), shift: at(4) };
}

export function freshClock(): ClockState {
  return { cos: 0, sin: 0, weight: 0, count: 0, shift: 0 };
}

/**
 * Fold one reading's anomaly (temperature minus the recent level before it) at step end `t` into the estimate and
 * move the shift (pure): off the UTC clock only when the estimated peak is `engageHours` or more from the
 * reference's, then whenever it is `adjustHours` or more from where the shift puts it.
 */
export function updateClock(s: ClockState, anomaly: number, t: number, stepMs: number, cfg: ClockConfig): ClockState {
  const alpha = 1 - Math.pow(2, -stepMs / (cfg.halfLifeHours * HOUR_MS));
  const angle = (TWO_PI * (((t % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  const next: ClockState = {
    cos: (1 - alpha) * s.cos + alpha * anomaly * Math.cos(angle),
    sin: (1 - alpha) * s.sin + alpha * anomaly * Math.sin(angle),
    weight: (1 - alpha) * s.weight + alpha,
    count: s.count + 1,
    shift: s.shift,
  };
  if (next.count * stepMs < cfg.minHours * HOUR_MS) return next;
  // anomaly ~ A cos(angle - phase): the weighted sums are ~ (A / 2) (cos phase, sin phase) x weight.
  const amplitude = (2 * Math.hypot(next.cos, next.sin)) / next.weight;
  if (!(amplitude >= cfg.minAmplitude)) return next;
  const peakHour = (Math.atan2(next.sin, next.cos) * 24) / TWO_PI;
  const target = wrapHours(cfg.referenceHour - peakHour);
  const threshold = next.shift === 0 ? cfg.engageHours : cfg.adjustHours;
  if (Math.abs(wrapHours(target - next.shift)) >= threshold) next.shift = wrapHours(Math.round(target));
  return next;
}

/**
 * Local hour at which the estimate of clock.ts puts a station's daily cycle peak: 14.25 h at the Beijing stations
 * (their median peak estimate 6.25 UTC, at UTC+8). Where stations are is then a first guess of their shift.
 */
export const TYPICAL_LOCAL_PEAK_HOUR = 14.25;

/**
 * The shift a station at UTC offset `utcOffsetHours` most likely needs (its own estimate takes over after
 * `minHours`): declared by the operator (`--station-utc-offset`) so a new station's forecasts follow the right hours
 * from its first reading.
 */
export function hintedShift(cfg: ClockConfig, utcOffsetHours: number): number {
  return wrapHours(Math.round(cfg.referenceHour - TYPICAL_LOCAL_PEAK_HOUR + utcOffsetHours));
}

/** A fresh estimate starting from the declared station offset's shift, or from the UTC clock without one. */
export function startClock(cfg: ClockConfig | null, utcOffsetHours: number | undefined): ClockState {
  const clock = freshClock();
  if (cfg !== null && utcOffsetHours !== undefined) clock.shift = hintedShift(cfg, utcOffsetHours);
  return clock;
}

/** The shift to add to a step time before computing its time features (ms). */
export function clockShiftMs(s: ClockState): number {
  return s.shift * HOUR_MS;
}

/** The node's season shift (ClockConfig.seasonDays, whole days; southern stations) to add as well (ms). */
export function seasonShiftMs(cfg: ClockConfig): number {
  return (cfg.seasonDays ?? 0) * DAY_MS;
}

/** Hours wrapped into [-12, 12). */
function wrapHours(h: number): number {
  return ((((h + 12) % 24) + 24) % 24) - 12;
}

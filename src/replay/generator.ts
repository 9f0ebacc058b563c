// Seeded synthetic sensor network for fixtures and tests: realistic enough that a model can learn something
// (daily and seasonal cycles, fronts announced by the covariates) and dirty enough to exercise the plumbing
// (jittered timestamps, gaps, duplicates, missing values, a stuck sensor).
import { createRng, type Rng } from '../random.js';
import type { ReplayReading } from './reading.js';

export interface SyntheticOptions {
  seed: number;
  sensors: number;
  days: number;
  /** First reading time, epoch ms. */
  start: number;
  /** Reading cadence, ms (finer than the hourly grid, so buckets average several readings). */
  intervalMs: number;
  /** Each timestamp moves by up to +-jitterMs (whole seconds), so bucket sizes vary. */
  jitterMs: number;
}

export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze({
  seed: 42,
  sensors: 3,
  days: 60,
  start: Date.UTC(2024, 0, 1),
  intervalMs: 30 * 60_000,
  jitterMs: 4 * 60_000,
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A front: temperature steps by `amp` at `at` (hours) and decays back with time constant `tau` (hours). */
interface Front {
  at: number;
  amp: number;
  tau: number;
}

function drawFronts(rng: Rng, hours: number): Front[] {
  const fronts: Front[] = [];
  // Poisson arrivals, one every 4 days on average; amplitudes of a few degrees either way.
  for (let at = -48 * rng.next(); at < hours; at += -96 * Math.log(1 - rng.next())) {
    fronts.push({ at, amp: 4 * rng.normal(), tau: 36 + 48 * rng.next() });
  }
  return fronts;
}

/** Regional signals at hour `h`, from the fronts: temperature anomaly, and what precedes it. */
function frontSignals(fronts: readonly Front[], h: number) {
  let temp = 0;
  let pressure = 0;
  let dewpoint = 0;
  let wind = 0;
  for (const f of fronts) {
    const d = h - f.at;
    if (d >= 0) temp += f.amp * Math.exp(-d / f.tau);
    // Pressure bottoms out 4 h before the front, falling over the day ahead: the lead a model can exploit.
    pressure -= 1.5 * Math.abs(f.amp) * Math.exp(-(((d + 4) / 10) ** 2));
    // The new air mass's moisture arrives ~6 h early, so the dew point tells the sign of the coming step.
    const dd = d + 6;
    if (dd >= 0) dewpoint += 0.8 * f.amp * Math.exp(-dd / f.tau);
    wind += 0.6 * Math.abs(f.amp) * Math.exp(-(((d + 2) / 6) ** 2));
  }
  return { temp, pressure, dewpoint, wind };
}

interface SensorProfile {
  id: string;
  mean: number;
  dailyAmp: number;
  /** Hours by which fronts reach this sensor after the first one: fronts sweep across the network. */
  lag: number;
}

const round = (v: number, digits: number): number => {
  const r = Math.round(v * 10 ** digits) / 10 ** digits;
  return Object.is(r, -0) ? 0 : r;
};

/**
 * Generate readings, ordered by ts then sensor.
 *
 * @example
 *   const readings = generateSynthetic({ seed: 42, sensors: 3, days: 60 });
 */
export function generateSynthetic(options: Partial<SyntheticOptions> = {}): ReplayReading[] {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  for (const k of ['sensors', 'days', 'intervalMs'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`${k} must be a positive integer; got ${o[k]}`);
  }
  if (!(o.jitterMs >= 0 && o.jitterMs < o.intervalMs / 2)) throw new RangeError(`jitterMs must be in 0..intervalMs/2; got ${o.jitterMs}`);
  const rng = createRng(o.seed);
  const hours = o.days * 24;
  const fronts = drawFronts(rng, hours);
  const profiles: SensorProfile[] = Array.from({ length: o.sensors }, (_, i) => ({
    id: `syn-${i + 1}`,
    mean: 6 + 4 * rng.normal(),
    dailyAmp: 3 + 3 * rng.next(),
    lag: 3 * i,
  }));
  const count = Math.floor((o.days * DAY) / o.intervalMs);
  const out: ReplayReading[] = [];
  profiles.forEach((p, index) => {
    const noise = { temp: 0, pressure: 0 };
    const gaps = drawGaps(rng, count, o.intervalMs / HOUR, index === 1);
    // The last sensor sticks for 36 h from day 30: it keeps reporting the same temperature.
    const stuckFrom = index === o.sensors - 1 && o.days > 32 ? Math.floor((30 * DAY) / o.intervalMs) : -1;
    const stuckTo = stuckFrom + Math.floor((36 * HOUR) / o.intervalMs);
    let stuckValue = 0;
    for (let i = 0; i < count; i++) {
      // Draw every random number whether or not the row survives: gaps must not shift the noise of later rows.
      const jitter = Math.round(((2 * rng.next() - 1) * o.jitterMs) / 1000) * 1000;
      noise.temp = 0.95 * noise.temp + 0.25 * rng.normal();
      noise.pressure = 0.99 * noise.pressure + 0.2 * rng.normal();
      const dropTemp = rng.next() < 0.005;
      const duplicate = rng.next() < 0.005;
      const windNoise = rng.normal();
      const dewNoise = rng.normal();
      if (gaps(i)) continue;
      const ts = o.start + i * o.intervalMs + jitter;
      const h = (ts - o.start) / HOUR;
      const hourOfDay = (ts % DAY) / HOUR;
      const dayOfYear = (ts % (365.25 * DAY)) / DAY;
      // Coldest mid-January; warmest mid-afternoon with a small second harmonic for a skewed day shape.
      const season = -8 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
      const daily = p.dailyAmp * (Math.cos((2 * Math.PI * (hourOfDay - 14)) / 24) + 0.25 * Math.cos((4 * Math.PI * (hourOfDay - 9)) / 24));
      const front = frontSignals(fronts, h - p.lag);
      let temp = p.mean + season + daily + front.temp + noise.temp;
      if (i === stuckFrom) stuckValue = temp;
      if (stuckFrom >= 0 && i >= stuckFrom && i < stuckTo) temp = stuckValue;
      const reading: ReplayReading = {
        sensor: p.id,
        ts,
        temp: dropTemp ? null : round(temp, 2),
        pressure: round(1013 + front.pressure + 1.5 * noise.pressure, 1),
        dewpoint: round(p.mean + season - 5 + 0.3 * daily + front.dewpoint + 0.4 * dewNoise, 2),
        wind: round(Math.max(0, 2.5 + front.wind + 0.8 * windNoise), 1),
      };
      out.push(reading);
      if (duplicate) out.push({ ...reading });
    }
  });
  return out.sort((a, b) => a.ts - b.ts || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
}

/** A predicate "row i falls in a gap": a few short gaps per sensor, and one long one if asked (40 h: a restart at a 24-step gap limit, 40 null steps within the server's default 48). */
function drawGaps(rng: Rng, count: number, hoursPerRow: number, long: boolean): (i: number) => boolean {
  const spans: Array<[number, number]> = [];
  for (let g = 0; g < 3; g++) {
    const from = rng.int(count);
    spans.push([from, from + Math.round((2 + 18 * rng.next()) / hoursPerRow)]);
  }
  if (long) {
    const from = Math.floor(count * 0.6);
    spans.push([from, from + Math.round(40 / hoursPerRow)]);
  }
  return (i) => spans.some(([a, b]) => i >= a && i < b);
}

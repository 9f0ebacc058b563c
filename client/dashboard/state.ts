// What the dashboard knows about the chosen sensor, kept as plain data with pure updates so that it can
// be tested without a browser: recent readings, forecasts seen this session, and the server's skill.
import type { Forecast, Skill, StoredReading } from '../index.js';

export interface SensorState {
  sensor: string;
  /** Oldest first, unique by ts, at most MAX_READINGS. */
  readings: StoredReading[];
  /** By origin, oldest first, at most MAX_FORECASTS; the last one is the latest. */
  forecasts: Forecast[];
  skill?: Skill;
}

export const MAX_READINGS = 5_000;
export const MAX_FORECASTS = 500;

export function emptyState(sensor: string): SensorState {
  return { sensor, readings: [], forecasts: [] };
}

export function latestForecast(state: SensorState): Forecast | undefined {
  return state.forecasts[state.forecasts.length - 1];
}

export function lastReadingTs(state: SensorState): number | undefined {
  return state.readings[state.readings.length - 1]?.ts;
}

/** Merge readings (any order, possibly overlapping what is known). */
export function addReadings(state: SensorState, readings: readonly StoredReading[]): SensorState {
  if (readings.length === 0) return state;
  const byTs = new Map(state.readings.map((r) => [r.ts, r]));
  for (const r of readings) byTs.set(r.ts, r);
  const merged = [...byTs.values()].sort((a, b) => a.ts - b.ts).slice(-MAX_READINGS);
  return { ...state, readings: merged };
}

/** Record a forecast; a newer issue for the same origin (model update) replaces the older one. */
export function addForecast(state: SensorState, forecast: Forecast): SensorState {
  if (forecast.sensor !== state.sensor) return state;
  const others = state.forecasts.filter((f) => f.origin !== forecast.origin);
  const forecasts = [...others, forecast].sort((a, b) => a.origin - b.origin).slice(-MAX_FORECASTS);
  return { ...state, forecasts };
}

export interface ChartData {
  /** Seconds (uPlot's time unit), ascending. */
  x: number[];
  actual: (number | null)[];
  /** p50 of the forecast issued `lead` steps before each target time: past forecasts against what happened. */
  past: (number | null)[];
  p10: (number | null)[];
  p50: (number | null)[];
  p90: (number | null)[];
}

export interface ChartWindow {
  /** Steps ahead of the past-forecast line, 1-based. */
  lead: number;
  /** Readings older than this many ms before the last one are left out. */
  historyMs: number;
}

/** Aligns readings, the past-forecast line and the latest forecast band on one time axis. */
export function chartData(state: SensorState, window: ChartWindow): ChartData {
  const latest = latestForecast(state);
  const end = Math.max(lastReadingTs(state) ?? 0, latest?.origin ?? 0);
  const start = end - window.historyMs;
  const rows = new Map<number, { actual?: number; past?: number; p10?: number; p50?: number; p90?: number }>();
  const row = (ts: number) => {
    let r = rows.get(ts);
    if (!r) rows.set(ts, (r = {}));
    return r;
  };
  for (const r of state.readings) if (r.ts >= start) row(r.ts).actual = r.temp;
  for (const f of state.forecasts) {
    const p = f.points[window.lead - 1];
    if (p && p.ts >= start) row(p.ts).past = p.p50;
  }
  for (const p of latest?.points ?? []) Object.assign(row(p.ts), { p10: p.p10, p50: p.p50, p90: p.p90 });
  // The band starts at the last observation so that it visibly grows out of the data.
  if (latest) {
    const anchor = lastValueAtOrBefore(state.readings, latest.origin);
    if (anchor !== undefined) Object.assign(row(latest.origin), { p10: anchor, p50: anchor, p90: anchor });
  }
  const x = [...rows.keys()].sort((a, b) => a - b);
  const col = (key: 'actual' | 'past' | 'p10' | 'p50' | 'p90') => x.map((t) => rows.get(t)![key] ?? null);
  return { x: x.map((t) => t / 1000), actual: col('actual'), past: col('past'), p10: col('p10'), p50: col('p50'), p90: col('p90') };
}

function lastValueAtOrBefore(readings: readonly StoredReading[], ts: number): number | undefined {
  for (let i = readings.length - 1; i >= 0; i--) if (readings[i].ts <= ts) return readings[i].temp;
  return undefined;
}

export interface SkillSeries {
  /** Lead time in hours of each step. */
  leadHours: number[];
  mae: (number | null)[];
  coverage: (number | null)[];
  /** Scored pairs behind the least-scored step: how much to trust the curve. */
  minN: number;
}

export function skillSeries(skill: Skill | undefined): SkillSeries {
  const steps = skill?.steps ?? [];
  return {
    leadHours: steps.map((s) => (s.step * (skill?.stepSeconds ?? 3600)) / 3600),
    mae: steps.map((s) => s.mae ?? null),
    coverage: steps.map((s) => s.coverage ?? null),
    minN: steps.length === 0 ? 0 : Math.min(...steps.map((s) => s.n)),
  };
}

// The "honest linear" baseline: one ridge regression per horizon step on the last 48 steps of temperature plus
// pressure, dew point, wind and time of day. The recurrent model has to beat this, not only the naive ones.
import type { Forecaster, SensorForecast, SensorSnapshot, StepObservation } from '../forecaster.js';

export interface LinearOptions {
  horizon: number;
  stepMs: number;
  /** Temperature lags used as features (including the current step). */
  lags: number;
  /** Ridge penalty, relative to the mean diagonal of X'X. */
  ridge: number;
}

export const LINEAR_DEFAULTS: LinearOptions = { horizon: 24, stepMs: 3_600_000, lags: 48, ridge: 1e-4 };

/** Fitted coefficients: one row per horizon step, plus residual quantiles for the p10/p90 band. */
export interface LinearWeights {
  lags: number;
  horizon: number;
  stepMs: number;
  coef: number[][];
  /** Per horizon step: [10th, 90th] percentile of training residuals. */
  spread: Array<[number, number]>;
}

interface SensorState {
  /** Last `lags` temperatures, oldest first, gaps filled forward. */
  temps: number[];
  pressure: number[];
  dewpoint: number | null;
  wind: number | null;
  last: number;
  seen: number;
}

const KIND = 'linear/v1';
const DAY_MS = 86_400_000;

function features(s: SensorState, t: number, lags: number): number[] {
  const y = s.temps[s.temps.length - 1];
  const f = [1];
  for (let k = 1; k < lags; k++) f.push((s.temps[s.temps.length - 1 - k] ?? y) - y);
  const p = s.pressure[s.pressure.length - 1];
  const p3 = s.pressure[0];
  f.push(p === undefined ? 0 : (p - 1013) / 10, p === undefined || p3 === undefined ? 0 : p - p3);
  f.push(s.dewpoint === null ? 0 : s.dewpoint - y, s.wind ?? 0);
  const hour = (2 * Math.PI * (t % DAY_MS)) / DAY_MS;
  const doy = (2 * Math.PI * (t % (365.25 * DAY_MS))) / (365.25 * DAY_MS);
  f.push(Math.sin(hour), Math.cos(hour), Math.sin(doy), Math.cos(doy), y / 10);
  return f;
}

function advance(s: SensorState | undefined, o: StepObservation, lags: number): SensorState {
  const prev = s?.temps[s.temps.length - 1];
  const temp = o.temp ?? prev ?? 0;
  const state: SensorState = s ?? { temps: [], pressure: [], dewpoint: null, wind: null, last: o.t, seen: 0 };
  state.temps.push(temp);
  if (state.temps.length > lags) state.temps.shift();
  const pLast = state.pressure[state.pressure.length - 1];
  const p = o.pressure ?? pLast;
  if (p !== undefined) {
    state.pressure.push(p);
    if (state.pressure.length > 4) state.pressure.shift();
  }
  state.dewpoint = o.dewpoint ?? state.dewpoint;
  state.wind = o.wind ?? state.wind;
  state.last = o.t;
  if (o.temp !== null) state.seen++;
  return state;
}

/** Solve (A + lambda I) x = b for symmetric positive A (Cholesky), for several right-hand sides. */
function solve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * n + j];
    }
  }
  const x = new Float64Array(n * m);
  for (let c = 0; c < m; c++) {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sum = b[i * m + c];
      for (let k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
      z[i] = sum / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i];
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k * m + c];
      x[i * m + c] = sum / l[i * n + i];
    }
  }
  return x;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Fit the per-horizon regressions on whole series (one array of contiguous grid steps per sensor).
 * Origins whose target is missing are skipped; origins need a full lag window of observed steps.
 */
export function fitLinear(series: readonly (readonly StepObservation[])[], options: Partial<LinearOptions> = {}): LinearWeights {
  const o = { ...LINEAR_DEFAULTS, ...options };
  let n = 0;
  let xtx: Float64Array | undefined;
  let xty: Float64Array | undefined;
  const rows: Array<{ f: number[]; y: number; targets: (number | null)[] }> = [];
  for (const s of series) {
    let state: SensorState | undefined;
    for (let i = 0; i < s.length; i++) {
      state = advance(state, s[i], o.lags);
      if (state.seen < o.lags || s[i].temp === null) continue;
      const f = features(state, s[i].t, o.lags);
      const y = s[i].temp as number;
      const targets: (number | null)[] = [];
      for (let h = 1; h <= o.horizon; h++) {
        const target = s[i + h]?.temp;
        targets.push(target === undefined || target === null ? null : target - y);
      }
      if (targets.some((v) => v === null)) continue;
      n = f.length;
      xtx ??= new Float64Array(n * n);
      xty ??= new Float64Array(n * o.horizon);
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) xtx[a * n + b] += f[a] * f[b];
        for (let h = 0; h < o.horizon; h++) xty[a * o.horizon + h] += f[a] * (targets[h] as number);
      }
      rows.push({ f, y, targets });
    }
  }
  if (!xtx || !xty) throw new RangeError('fitLinear needs at least one complete window of lags + horizon');
  let trace = 0;
  for (let a = 0; a < n; a++) trace += xtx[a * n + a];
  for (let a = 0; a < n; a++) xtx[a * n + a] += (o.ridge * trace) / n;
  const x = solve(xtx, n, xty, o.horizon);
  const coef = Array.from({ length: o.horizon }, (_, h) => Array.from({ length: n }, (_, a) => x[a * o.horizon + h]));
  const spread = coef.map((c, h): [number, number] => {
    const res = rows.map((r) => (r.targets[h] as number) - dot(c, r.f)).sort((p, q) => p - q);
    return [quantile(res, 0.1), quantile(res, 0.9)];
  });
  return { lags: o.lags, horizon: o.horizon, stepMs: o.stepMs, coef, spread };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export class LinearForecaster implements Forecaster {
  readonly name = 'linear';
  readonly horizon: number;
  readonly stepMs: number;
  private readonly sensors = new Map<string, SensorState>();

  constructor(private readonly weights: LinearWeights) {
    this.horizon = weights.horizon;
    this.stepMs = weights.stepMs;
  }

  observe(steps: readonly StepObservation[]): void {
    for (const o of steps) this.sensors.set(o.sensor, advance(this.sensors.get(o.sensor), o, this.weights.lags));
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    return sensors.map((sensor) => {
      const s = this.sensors.get(sensor);
      if (!s) throw new RangeError(`unknown sensor "${sensor}"`);
      const f = features(s, s.last, this.weights.lags);
      const y = s.temps[s.temps.length - 1];
      const points = this.weights.coef.map((c, h) => {
        const p50 = y + dot(c, f);
        const [lo, hi] = this.weights.spread[h];
        return { ts: s.last + (h + 1) * this.stepMs, mean: p50, p10: p50 + Math.min(lo, 0), p50, p90: p50 + Math.max(hi, 0) };
      });
      return { sensor, origin: s.last, points };
    });
  }

  has(sensor: string): boolean {
    return this.sensors.has(sensor);
  }

  lastStep(sensor: string): number | undefined {
    return this.sensors.get(sensor)?.last;
  }

  exportState(sensor: string): SensorSnapshot | undefined {
    const s = this.sensors.get(sensor);
    return s && { kind: KIND, data: new TextEncoder().encode(JSON.stringify(s)) };
  }

  importState(sensor: string, snapshot: SensorSnapshot): void {
    if (snapshot.kind !== KIND) throw new TypeError(`snapshot of kind "${snapshot.kind}" is not a ${KIND} state`);
    this.sensors.set(sensor, JSON.parse(new TextDecoder().decode(snapshot.data)) as SensorState);
  }

  drop(sensor: string): void {
    this.sensors.delete(sensor);
  }

  dispose(): void {
    this.sensors.clear();
  }
}

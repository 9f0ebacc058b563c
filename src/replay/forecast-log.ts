// The forecasts a server issued during a replay, kept compactly (one Float64Array per forecast) and replayed to
// the evaluation loop as a Forecaster, so the server's model is scored on the very origins the baselines are.
import type { Forecaster, ForecastPoint, SensorForecast, SensorSnapshot, StepObservation } from '../forecaster.js';

/** What the log needs of a received forecast (the SDK's `Forecast` fits). */
export interface IssuedForecast {
  sensor: string;
  origin: number;
  modelVersion: number;
  points: readonly ForecastPoint[];
}

interface Entry {
  modelVersion: number;
  /** [mean, p10, p50, p90] per step ahead. */
  values: Float64Array;
}

export class ForecastLog {
  private readonly bySensor = new Map<string, Map<number, Entry>>();
  private readonly versions = new Map<number, number>();
  private count = 0;
  private readonly newest = new Map<string, number>();

  /**
   * @param horizon points every forecast must carry
   * @param stepMs spacing of the points after the origin
   * @param keep origins outside it are counted but not stored (a year-long replay only needs the eval window)
   */
  constructor(
    readonly horizon: number,
    readonly stepMs: number,
    private readonly keep: (origin: number) => boolean = () => true,
  ) {}

  /** Record one forecast; a second one for the same sensor and origin replaces the first. */
  add(f: IssuedForecast): void {
    this.count += 1;
    this.versions.set(f.modelVersion, (this.versions.get(f.modelVersion) ?? 0) + 1);
    if (f.origin > (this.newest.get(f.sensor) ?? -Infinity)) this.newest.set(f.sensor, f.origin);
    if (!this.keep(f.origin)) return;
    if (f.points.length !== this.horizon) {
      throw new RangeError(`forecast for ${f.sensor} at ${f.origin} has ${f.points.length} points; the replay expects ${this.horizon}`);
    }
    const values = new Float64Array(4 * this.horizon);
    f.points.forEach((p, k) => {
      if (p.ts !== f.origin + (k + 1) * this.stepMs) {
        throw new RangeError(`forecast for ${f.sensor} at ${f.origin}: point ${k + 1} is at ${p.ts}, not one step of ${this.stepMs} ms after the previous`);
      }
      values.set([p.mean, p.p10, p.p50, p.p90], 4 * k);
    });
    let m = this.bySensor.get(f.sensor);
    if (!m) this.bySensor.set(f.sensor, (m = new Map()));
    m.set(f.origin, { modelVersion: f.modelVersion, values });
  }

  /** Forecasts received (also those not stored). */
  get size(): number {
    return this.count;
  }

  /** Latest origin received per sensor. */
  newestOrigin(sensor: string): number | undefined {
    return this.newest.get(sensor);
  }

  has(sensor: string, origin: number): boolean {
    return this.bySensor.get(sensor)?.has(origin) ?? false;
  }

  /** Forecasts received per model version, ascending by version. */
  modelVersions(): Array<{ version: number; forecasts: number }> {
    return [...this.versions].sort((a, b) => a[0] - b[0]).map(([version, forecasts]) => ({ version, forecasts }));
  }

  get(sensor: string, origin: number): SensorForecast | undefined {
    const e = this.bySensor.get(sensor)?.get(origin);
    if (!e) return undefined;
    const points: ForecastPoint[] = [];
    for (let k = 0; k < this.horizon; k++) {
      const v = e.values;
      points.push({ ts: origin + (k + 1) * this.stepMs, mean: v[4 * k], p10: v[4 * k + 1], p50: v[4 * k + 2], p90: v[4 * k + 3] });
    }
    return { sensor, origin, points };
  }
}

/**
 * A Forecaster that answers from a ForecastLog: `forecast()` returns what the server issued at each sensor's
 * last observed step. Use it with iterEvaluate's `origins` filter (`log.has`), so it is only asked for
 * origins the server did forecast.
 */
export class RecordedForecaster implements Forecaster {
  readonly horizon: number;
  readonly stepMs: number;
  private readonly last = new Map<string, number>();

  constructor(
    private readonly log: ForecastLog,
    readonly name = 'wxstream',
  ) {
    this.horizon = log.horizon;
    this.stepMs = log.stepMs;
  }

  observe(steps: readonly StepObservation[]): void {
    for (const s of steps) this.last.set(s.sensor, s.t);
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    return sensors.map((sensor) => {
      const t = this.last.get(sensor);
      if (t === undefined) throw new RangeError(`unknown sensor "${sensor}"`);
      const f = this.log.get(sensor, t);
      if (!f) throw new RangeError(`the server issued no forecast for ${sensor} at ${new Date(t).toISOString()}; filter origins with ForecastLog.has`);
      return f;
    });
  }

  has(sensor: string): boolean {
    return this.last.has(sensor);
  }

  lastStep(sensor: string): number | undefined {
    return this.last.get(sensor);
  }

  // Recorded forecasts have no state worth moving: snapshots are not supported.
  exportState(): SensorSnapshot | undefined {
    return undefined;
  }

  importState(): void {
    throw new TypeError('a RecordedForecaster has no state to import');
  }

  drop(sensor: string): void {
    this.last.delete(sensor);
  }

  dispose(): void {
    this.last.clear();
  }
}

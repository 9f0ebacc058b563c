// The machinery the naive baselines share: per-sensor ring buffers, step-order checks, snapshots, and
// honest p10/p90 from each sensor's own past forecast errors. A baseline only supplies its point rule.
import type { ForecastPoint, Forecaster, SensorForecast, SensorSnapshot, StepObservation } from '../forecaster.js';
import { BaselineError } from './errors.js';
import { resolveBaselineOptions, stepsPerDay, type BaselineOptions } from './options.js';
import { createSensorState, decodeState, encodeState, mod, type SensorState } from './sensor-state.js';

/** Writes the point forecast for steps 1..horizon after `s.last` into `out` (length horizon). */
export type PointRule = (s: SensorState, stepsPerDay: number, out: Float32Array) => void;

export class BaselineForecaster implements Forecaster {
  readonly name: string;
  readonly horizon: number;
  readonly stepMs: number;
  /** Snapshot kind: a snapshot only imports into the same baseline. */
  readonly kind: string;
  readonly options: Readonly<BaselineOptions>;
  private readonly rule: PointRule;
  private readonly day: number;
  private readonly sensors = new Map<string, SensorState>();

  constructor(name: string, rule: PointRule, options: Partial<BaselineOptions> = {}) {
    this.options = resolveBaselineOptions(options);
    this.name = name;
    this.kind = `${name}/v1`;
    this.rule = rule;
    this.horizon = this.options.horizon;
    this.stepMs = this.options.stepMs;
    this.day = stepsPerDay(this.stepMs);
  }

  observe(steps: readonly StepObservation[]): void {
    // Check the whole batch first: a rejected batch leaves every sensor as it was.
    const seen = new Set<string>();
    for (const o of steps) {
      if (seen.has(o.sensor)) throw new BaselineError('WX_BASELINE_STEP_ORDER', `sensor "${o.sensor}" appears twice in one batch`);
      seen.add(o.sensor);
      if (!Number.isInteger(o.t / this.stepMs)) {
        throw new BaselineError('WX_BASELINE_BAD_STEP', `step t=${o.t} of "${o.sensor}" is not a multiple of ${this.stepMs} ms`);
      }
      if (o.temp !== null && !Number.isFinite(o.temp)) {
        throw new BaselineError('WX_BASELINE_BAD_STEP', `step t=${o.t} of "${o.sensor}" has temperature ${o.temp}`);
      }
      const s = this.sensors.get(o.sensor);
      if (s && o.t / this.stepMs !== s.last + 1) {
        throw new BaselineError(
          'WX_BASELINE_STEP_ORDER',
          `step t=${o.t} of "${o.sensor}" does not follow its last step t=${s.last * this.stepMs}`,
        );
      }
    }
    for (const o of steps) {
      let s = this.sensors.get(o.sensor);
      if (!s) {
        s = createSensorState(this.options, o.t / this.stepMs);
        this.sensors.set(o.sensor, s);
      }
      this.advance(s, o.temp);
    }
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    return sensors.map((sensor) => {
      const s = this.state(sensor);
      const row = mod(s.last, this.horizon) * this.horizon;
      const valid = s.pathOrigin[mod(s.last, this.horizon)] === s.last;
      const points: ForecastPoint[] = [];
      for (let k = 1; k <= this.horizon; k++) {
        const p50 = valid ? s.paths[row + k - 1] : NaN;
        const [lo, hi] = this.band(s, k);
        // Clamped at zero so that p10 <= p50 <= p90 even when past residuals are one-sided (biased).
        points.push({ ts: (s.last + k) * this.stepMs, mean: p50, p10: p50 + Math.min(lo, 0), p50, p90: p50 + Math.max(hi, 0) });
      }
      return { sensor, origin: s.last * this.stepMs, points };
    });
  }

  has(sensor: string): boolean {
    return this.sensors.has(sensor);
  }

  lastStep(sensor: string): number | undefined {
    const s = this.sensors.get(sensor);
    return s && s.last * this.stepMs;
  }

  exportState(sensor: string): SensorSnapshot | undefined {
    const s = this.sensors.get(sensor);
    return s && { kind: this.kind, data: encodeState(s, this.options) };
  }

  importState(sensor: string, snapshot: SensorSnapshot): void {
    if (snapshot.kind !== this.kind) {
      throw new BaselineError('WX_BASELINE_SNAPSHOT_MISMATCH', `snapshot of kind "${snapshot.kind}" does not import into ${this.kind}`);
    }
    this.sensors.set(sensor, decodeState(snapshot.data, this.options));
  }

  drop(sensor: string): void {
    this.sensors.delete(sensor);
  }

  dispose(): void {
    this.sensors.clear();
  }

  private state(sensor: string): SensorState {
    const s = this.sensors.get(sensor);
    if (!s) throw new BaselineError('WX_BASELINE_UNKNOWN_SENSOR', `sensor "${sensor}" has not been observed`);
    return s;
  }

  /** Residual p10/p90 offsets for step `k`: empirical once there are enough, else a band growing as sqrt(k). */
  private band(s: SensorState, k: number): [number, number] {
    if (s.residuals.count(k) >= this.options.minResiduals) {
      return [s.residuals.quantile(k, 0.1), s.residuals.quantile(k, 0.9)];
    }
    const half = this.options.defaultSpread * Math.sqrt(k);
    return [-half, half];
  }

  private advance(s: SensorState, temp: number | null): void {
    const step = s.last + 1;
    const h = this.horizon;
    s.last = step;
    s.history[mod(step, s.history.length)] = temp ?? NaN;
    if (temp !== null) {
      s.lastValue = Math.fround(temp);
      s.lastValueStep = step;
      // Score the paths issued 1..h steps ago against this truth: these residuals are the quantile sample.
      for (let k = 1; k <= h; k++) {
        const origin = step - k;
        const row = mod(origin, h);
        if (s.pathOrigin[row] === origin) s.residuals.push(k, s.lastValue - s.paths[row * h + k - 1]);
      }
    }
    // Issue this origin's path now, whether or not anyone asks for a forecast, so that calibration does not
    // depend on how often the caller forecasts.
    const row = mod(step, h);
    if (Number.isNaN(s.lastValue)) {
      s.pathOrigin[row] = NaN;
      return;
    }
    this.rule(s, this.day, s.paths.subarray(row * h, row * h + h));
    s.pathOrigin[row] = step;
  }
}

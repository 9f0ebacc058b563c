// Live verification: issued forecasts wait for their truth (the closed step's mean); each arrival scores every
// pending forecast that covers it, per sensor and step ahead, in a rolling window (MAE and p10-p90 coverage, the
// metric objects of src/metrics, as the evaluation's). State is a few typed arrays per sensor (~30 KiB at horizon
// 24 and a 168-pair window): keeping the forecast objects themselves cost ~490 KiB per subscribed sensor.
import type { ForecastPoint, SensorForecast } from '../forecaster.js';
import { Coverage, Mae } from '../metrics/index.js';
import type { SkillResponse } from '../protocol/index.js';

/** Values kept per pending point: what the metrics and the band tuner read. */
const MEAN = 0;
const P10 = 1;
const P50 = 2;
const P90 = 3;
const FIELDS = 4;

interface SensorSkill {
  /** Origin of the pending forecast in each slot (origin step mod horizon); NaN = none. */
  origins: Float64Array;
  /** [slot][step ahead][mean, p10, p50, p90] of the pending forecasts. */
  points: Float32Array;
  /**
   * The last `horizon` truths as [t, y] pairs at slot (t / stepMs) mod horizon: a forecast decoded after truths of
   * its own targets arrived (the rounds of a replayed backlog are decoded at the end of their batch) is scored
   * against them when it is issued.
   */
  recent: Float64Array;
  /** The window's metrics, index = step ahead - 1; each holds the sum and count of the losses in the window. */
  mae: Mae[];
  coverage: Coverage[];
  /**
   * Rolling window per step ahead: ring of the losses counted (absolute error as float32, inside-the-band flag), so
   * the pair leaving the window is taken back without keeping its forecast point. Next ring position per step.
   */
  errors: Float32Array;
  inside: Uint8Array;
  head: Uint32Array;
}

export interface LiveSkillOptions {
  horizon: number;
  stepMs: number;
  /** Scored pairs kept per sensor and step ahead. */
  window: number;
  /** Called for every verified point: step ahead `k`, target time `t`, truth `y`, the served point (band tuning). */
  onPair?: (k: number, t: number, y: number, p: ForecastPoint) => void;
}

export class LiveSkill {
  private readonly sensors = new Map<string, SensorSkill>();
  /** Reused for onPair: listeners read it synchronously. */
  private readonly point: ForecastPoint = { ts: 0, mean: 0, p10: 0, p50: 0, p90: 0 };

  constructor(private readonly o: LiveSkillOptions) {}

  private entry(sensor: string): SensorSkill {
    let e = this.sensors.get(sensor);
    if (e === undefined) {
      const h = this.o.horizon;
      const w = this.o.window;
      e = {
        origins: new Float64Array(h).fill(NaN),
        points: new Float32Array(h * h * FIELDS),
        recent: new Float64Array(2 * h).fill(NaN),
        mae: Array.from({ length: h }, () => new Mae()),
        coverage: Array.from({ length: h }, () => new Coverage()),
        errors: new Float32Array(h * w),
        inside: new Uint8Array(h * w),
        head: new Uint32Array(h),
      };
      this.sensors.set(sensor, e);
    }
    return e;
  }

  /**
   * Remember an issued forecast until its points' truths arrive; score the points whose truth already did.
   * @returns points scored now
   */
  issue(f: SensorForecast): number {
    const e = this.entry(f.sensor);
    const h = this.o.horizon;
    const slot = this.slot(f.origin);
    // The same origin issued again (re-decoded after a model swap): its arrived truths were scored already.
    const again = e.origins[slot] === f.origin;
    e.origins[slot] = f.origin;
    const base = slot * h * FIELDS;
    let scored = 0;
    for (let i = 0; i < h; i++) {
      const p = f.points[i];
      const at = base + i * FIELDS;
      if (p === undefined || p.ts !== f.origin + (i + 1) * this.o.stepMs) {
        e.points[at + MEAN] = NaN; // not a point on the grid: never scored
        continue;
      }
      e.points[at + MEAN] = p.mean;
      e.points[at + P10] = p.p10;
      e.points[at + P50] = p.p50;
      e.points[at + P90] = p.p90;
      const r = 2 * this.slot(p.ts);
      if (!again && e.recent[r] === p.ts && this.score(e, slot, i + 1, p.ts, e.recent[r + 1]!)) scored += 1;
    }
    return scored;
  }

  /** The truth of step `t` arrived: score every pending forecast with a point at `t`. */
  truth(sensor: string, t: number, temp: number): number {
    const e = this.sensors.get(sensor);
    if (e === undefined) return 0;
    const r = 2 * this.slot(t);
    e.recent[r] = t;
    e.recent[r + 1] = temp;
    let scored = 0;
    for (let k = 1; k <= this.o.horizon; k++) {
      const origin = t - k * this.o.stepMs;
      const slot = this.slot(origin);
      if (e.origins[slot] !== origin) continue;
      if (this.score(e, slot, k, t, temp)) scored += 1;
    }
    return scored;
  }

  private slot(t: number): number {
    const h = this.o.horizon;
    return ((Math.round(t / this.o.stepMs) % h) + h) % h;
  }

  private score(e: SensorSkill, slot: number, k: number, t: number, y: number): boolean {
    const h = this.o.horizon;
    const at = (slot * h + k - 1) * FIELDS;
    const mean = e.points[at + MEAN]!;
    if (Number.isNaN(mean)) return false;
    const p = this.point;
    p.ts = t;
    p.mean = mean;
    p.p10 = e.points[at + P10]!;
    p.p50 = e.points[at + P50]!;
    p.p90 = e.points[at + P90]!;
    const i = k - 1;
    const mae = e.mae[i]!;
    const coverage = e.coverage[i]!;
    const w = this.o.window;
    const ring = i * w + e.head[i]!;
    if (mae.n === w) {
      mae.remove(e.errors[ring]!);
      coverage.remove(e.inside[ring]!);
    }
    // Count the stored (float32) error, so that removing it later leaves no drift behind.
    e.errors[ring] = mae.loss(y, p);
    e.inside[ring] = coverage.loss(y, p);
    mae.add(e.errors[ring]!);
    coverage.add(e.inside[ring]!);
    e.head[i] = (e.head[i]! + 1) % w;
    this.o.onPair?.(k, t, y, p);
    if (k === h) e.origins[slot] = NaN;
    return true;
  }

  /** Sensors with issued forecasts being verified. */
  get size(): number {
    return this.sensors.size;
  }

  has(sensor: string): boolean {
    return this.sensors.has(sensor);
  }

  sensorNames(): string[] {
    return [...this.sensors.keys()];
  }

  report(sensor: string): SkillResponse {
    const e = this.sensors.get(sensor);
    return {
      sensor,
      stepSeconds: this.o.stepMs / 1000,
      window: this.o.window,
      steps: Array.from({ length: this.o.horizon }, (_, i) => {
        const n = e?.mae[i]!.n ?? 0;
        return {
          step: i + 1,
          n,
          mae: n === 0 ? null : e!.mae[i]!.get(),
          coverage: n === 0 ? null : e!.coverage[i]!.get(),
        };
      }),
    };
  }

  /**
   * The rolling windows of every verified sensor pooled, per step ahead: MAE and coverage over all their pairs
   * (each pair weighs the same, so a sensor verified longer weighs more). One pass over the sensors' metrics,
   * whatever the window: about 6 ms at 10,000 sensors (4 ms with the flat typed-array sums before the metric objects).
   */
  pooled(): SkillResponse['steps'] {
    const h = this.o.horizon;
    const n = new Float64Array(h);
    const error = new Float64Array(h);
    const inside = new Float64Array(h);
    for (const e of this.sensors.values()) {
      for (let i = 0; i < h; i++) {
        n[i]! += e.mae[i]!.n;
        error[i]! += e.mae[i]!.total;
        inside[i]! += e.coverage[i]!.total;
      }
    }
    return Array.from({ length: h }, (_, i) => ({
      step: i + 1,
      n: n[i]!,
      mae: n[i] === 0 ? null : error[i]! / n[i]!,
      coverage: n[i] === 0 ? null : inside[i]! / n[i]!,
    }));
  }

  drop(sensor: string): void {
    this.sensors.delete(sensor);
  }
}

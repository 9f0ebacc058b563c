// Online calibration of the served p10-p90 bands (adaptive conformal inference, Gibbs & Candes 2021): one factor
// per step ahead widens or narrows every served band around its p50, nudged by every verified point: up when the
// truth fell outside the band, down when inside. Whatever the drift (season, a newly promoted model, another
// climate than the one the weights were calibrated on), the long-run miss rate settles at 1 - target.
import type { ForecastPoint, SensorForecast } from '../forecaster.js';

export interface IntervalTunerOptions {
  horizon: number;
  /** Share of truths the [p10, p90] band should hold: 0.8 for the nominal quantiles. */
  target: number;
  /**
   * Change of a factor's logarithm per grid step (all sensors' points of one target time together) per unit of
   * excess miss rate; 0 serves the model's own bands.
   */
  rate: number;
  /** Sensors whose points are verified: each point nudges by rate / sensors, so one grid step moves ~rate. */
  sensors: () => number;
  /** Factors stay within [1 / maxFactor, maxFactor]. */
  maxFactor: number;
}

export const DEFAULT_INTERVAL_TUNER: Omit<IntervalTunerOptions, 'horizon'> = Object.freeze({
  target: 0.8,
  rate: 0.02,
  maxFactor: 4,
  sensors: () => 1,
});

/**
 * Feed it every verified served point (`record`) and pass every forecast through `apply` before it is served.
 * Between two `apply` calls the nudges add up whatever their order, so how steps were batched (a live trickle or a
 * replayed backlog) only changes when a forecast sees them, not where the factors go.
 *
 * @example
 *   const tuner = new IntervalTuner({ horizon: 24, sensors: () => skill.size });
 *   const skill = new LiveSkill({ horizon: 24, stepMs, window: 168, onPair: (k, _t, y, p) => tuner.record(k, y, p) });
 *   tuner.apply(forecasts); // in place, before serving
 */
export class IntervalTuner {
  private readonly o: IntervalTunerOptions;
  private readonly logFactor: Float64Array;
  private readonly limit: number;

  constructor(options: Partial<IntervalTunerOptions> & Pick<IntervalTunerOptions, 'horizon'>) {
    this.o = { ...DEFAULT_INTERVAL_TUNER, ...options };
    const { horizon, target, rate, maxFactor } = this.o;
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be an integer >= 1; got ${horizon}`);
    if (!(target > 0 && target < 1)) throw new RangeError(`target coverage must be in (0, 1); got ${target}`);
    if (!(rate >= 0 && Number.isFinite(rate))) throw new RangeError(`band tuning rate must be a finite number >= 0; got ${rate}`);
    if (!(maxFactor >= 1 && Number.isFinite(maxFactor))) throw new RangeError(`maxFactor must be a finite number >= 1; got ${maxFactor}`);
    this.logFactor = new Float64Array(horizon);
    this.limit = Math.log(maxFactor);
  }

  get enabled(): boolean {
    return this.o.rate > 0;
  }

  /** A served point `p` of step ahead `k` (1-based) met its truth `y`. */
  record(k: number, y: number, p: ForecastPoint): void {
    if (!this.enabled || k < 1 || k > this.o.horizon) return;
    const miss = y < p.p10 || y > p.p90 ? 1 : 0;
    const step = (this.o.rate * (miss - (1 - this.o.target))) / Math.max(1, this.o.sensors());
    this.logFactor[k - 1] = Math.min(this.limit, Math.max(-this.limit, this.logFactor[k - 1]! + step));
  }

  /** Widen or narrow each point's band around its p50 by its step's factor, in place. */
  apply(forecasts: readonly SensorForecast[]): void {
    if (!this.enabled) return;
    const f = this.factors();
    for (const fc of forecasts) {
      fc.points.forEach((p, i) => {
        const s = f[i] ?? 1;
        p.p10 = p.p50 - s * (p.p50 - p.p10);
        p.p90 = p.p50 + s * (p.p90 - p.p50);
      });
    }
  }

  /** The state to persist: the log-factors (they round-trip exactly through JSON, the factors would not). */
  save(): number[] {
    return Array.from(this.logFactor);
  }

  /** Continue from `save()`d state; anything unusable is ignored (the factors then re-learn from 1). */
  restore(saved: readonly number[] | undefined): void {
    if (saved?.length !== this.o.horizon || !saved.every(Number.isFinite)) return;
    saved.forEach((v, i) => (this.logFactor[i] = Math.min(this.limit, Math.max(-this.limit, v))));
  }

  /** Current factor per step ahead (1 = the model's own band). */
  factors(): number[] {
    return Array.from(this.logFactor, Math.exp);
  }
}

// Live verification: issued forecasts wait for their truth (the closed step's mean); each arrival scores every
// pending forecast that covers it, per sensor and step ahead, in a rolling window (MAE and p10-p90 coverage).
import type { ForecastPoint, SensorForecast } from '../forecaster.js';
import { Coverage, HorizonMetric, Mae } from '../metrics/index.js';
import type { SkillResponse } from '../protocol/index.js';

interface Scored {
  y: number;
  p: ForecastPoint;
}

interface SensorSkill {
  /** Issued forecasts by origin, at most `horizon` of them (older ones cannot be verified any more). */
  pending: Map<number, SensorForecast>;
  mae: HorizonMetric<Mae>;
  coverage: HorizonMetric<Coverage>;
  /** Per step ahead, the scored pairs in the window (oldest first) so they can be reverted. */
  window: Scored[][];
}

export interface LiveSkillOptions {
  horizon: number;
  stepMs: number;
  /** Scored pairs kept per sensor and step ahead. */
  window: number;
}

export class LiveSkill {
  private readonly sensors = new Map<string, SensorSkill>();

  constructor(private readonly o: LiveSkillOptions) {}

  private entry(sensor: string): SensorSkill {
    let e = this.sensors.get(sensor);
    if (e === undefined) {
      const h = this.o.horizon;
      e = {
        pending: new Map(),
        mae: new HorizonMetric(h, () => new Mae()),
        coverage: new HorizonMetric(h, () => new Coverage()),
        window: Array.from({ length: h }, () => []),
      };
      this.sensors.set(sensor, e);
    }
    return e;
  }

  /** Remember an issued forecast until its points' truths arrive. */
  issue(f: SensorForecast): void {
    const e = this.entry(f.sensor);
    e.pending.set(f.origin, f);
    const oldest = f.origin - this.o.horizon * this.o.stepMs;
    for (const origin of e.pending.keys()) if (origin < oldest) e.pending.delete(origin);
  }

  /** The truth of step `t` arrived: score every pending forecast with a point at `t`. */
  truth(sensor: string, t: number, temp: number): number {
    const e = this.sensors.get(sensor);
    if (e === undefined) return 0;
    let scored = 0;
    for (const [origin, f] of e.pending) {
      const k = Math.round((t - origin) / this.o.stepMs);
      const p = f.points[k - 1];
      if (k < 1 || p === undefined || p.ts !== t) continue;
      e.mae.update(k, temp, p);
      e.coverage.update(k, temp, p);
      const w = e.window[k - 1]!;
      w.push({ y: temp, p });
      if (w.length > this.o.window) {
        const old = w.shift()!;
        e.mae.revert(k, old.y, old.p);
        e.coverage.revert(k, old.y, old.p);
      }
      scored += 1;
      if (k === f.points.length) e.pending.delete(origin);
    }
    return scored;
  }

  has(sensor: string): boolean {
    return this.sensors.has(sensor);
  }

  sensorNames(): string[] {
    return [...this.sensors.keys()];
  }

  report(sensor: string): SkillResponse {
    const e = this.sensors.get(sensor);
    const mae = e?.mae.get() ?? [];
    const cov = e?.coverage.get() ?? [];
    return {
      sensor,
      stepSeconds: this.o.stepMs / 1000,
      window: this.o.window,
      steps: Array.from({ length: this.o.horizon }, (_, i) => ({
        step: i + 1,
        n: e?.mae.at(i + 1).n ?? 0,
        mae: Number.isNaN(mae[i] ?? NaN) ? null : mae[i]!,
        coverage: Number.isNaN(cov[i] ?? NaN) ? null : cov[i]!,
      })),
    };
  }

  drop(sensor: string): void {
    this.sensors.delete(sensor);
  }
}

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
  /**
   * The last `horizon` truths as [t, y] pairs at slot (t / stepMs) mod horizon: a forecast decoded after truths of
   * its own targets arrived (the rounds of a replayed backlog are decoded at the end of their batch) is scored
   * against them when it is issued.
   */
  recent: Float64Array;
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
        recent: new Float64Array(2 * h).fill(NaN),
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
    f.points.forEach((p, i) => {
      const at = 2 * this.slot(p.ts);
      if (e.recent[at] === p.ts) this.score(e, f, i + 1, e.recent[at + 1]!);
    });
  }

  /** The truth of step `t` arrived: score every pending forecast with a point at `t`. */
  truth(sensor: string, t: number, temp: number): number {
    const e = this.sensors.get(sensor);
    if (e === undefined) return 0;
    const at = 2 * this.slot(t);
    e.recent[at] = t;
    e.recent[at + 1] = temp;
    let scored = 0;
    for (const [origin, f] of e.pending) {
      const k = Math.round((t - origin) / this.o.stepMs);
      if (k < 1 || f.points[k - 1]?.ts !== t) continue;
      this.score(e, f, k, temp);
      scored += 1;
    }
    return scored;
  }

  private slot(t: number): number {
    const h = this.o.horizon;
    return ((Math.round(t / this.o.stepMs) % h) + h) % h;
  }

  private score(e: SensorSkill, f: SensorForecast, k: number, temp: number): void {
    const p = f.points[k - 1]!;
    e.mae.update(k, temp, p);
    e.coverage.update(k, temp, p);
    this.o.onPair?.(k, p.ts, temp, p);
    const w = e.window[k - 1]!;
    w.push({ y: temp, p });
    if (w.length > this.o.window) {
      const old = w.shift()!;
      e.mae.revert(k, old.y, old.p);
      e.coverage.revert(k, old.y, old.p);
    }
    if (k === f.points.length) e.pending.delete(f.origin);
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

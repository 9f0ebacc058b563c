// The live stream's plausibility faults: each committed batch is checked (stuck sensor, spikes), flagged spans are
// recorded (training leaves them out, src/training/history.ts) and forecasts resting on flagged data are marked
// `degraded: true` for DEGRADED_STEPS steps after the latest fault.
import type { Logger } from '../log.js';
import { Plausibility, type Fault } from '../pipeline/plausibility.js';
import type { Reading } from '../protocol/index.js';
import type { Store } from '../store/index.js';

/** Steps after a flagged reading during which the sensor's forecasts say `degraded: true`. */
export const DEGRADED_STEPS = 24;

export interface SensorFaultsOptions {
  store: Store;
  stepMs: number;
  log: Logger;
  /** Each fault recorded (metrics). */
  onFault?: (fault: Fault) => void;
}

export class SensorFaults {
  private readonly plausibility = new Plausibility();
  /** Per sensor, the end of its latest flagged span (restored from sensor_faults). */
  private readonly lastFault: Map<string, number>;
  private readonly degradedMs: number;

  constructor(private readonly o: SensorFaultsOptions) {
    this.lastFault = o.store.faults.latest();
    this.degradedMs = DEGRADED_STEPS * o.stepMs;
  }

  /** Check newly stored readings and record what they reveal. */
  check(stored: readonly Reading[]): void {
    this.record(this.plausibility.check(stored));
  }

  /** Record faults found elsewhere too (a known sensor sending Kelvin or Fahrenheit, caught at parsing). */
  record(faults: readonly Fault[]): void {
    if (faults.length === 0) return;
    for (const f of faults) if (f.to > (this.lastFault.get(f.sensor) ?? -Infinity)) this.lastFault.set(f.sensor, f.to);
    for (const f of faults) this.o.onFault?.(f);
    try {
      this.o.store.faults.record(faults);
    } catch (err) {
      this.o.log.error({ err }, 'recording plausibility faults failed');
    }
  }

  /** The plausibility windows, per sensor: they go into each sensor's snapshot (SensorKeeper). */
  get windows(): Plausibility {
    return this.plausibility;
  }

  /** Whether forecasts of `sensor` from `origin` rest on flagged data (a fault within DEGRADED_STEPS before it). */
  isDegraded(sensor: string, origin: number): boolean {
    const last = this.lastFault.get(sensor);
    return last !== undefined && last > origin - this.degradedMs;
  }
}

// Readings -> grid steps for offline replay: end-labelled buckets (t - step, t], averaged, gaps filled with
// null steps. Pure and batch-shaped; the live server has its own streaming bucketer.
import type { StepObservation } from '../forecaster.js';
import type { ReplayReading } from './reading.js';

export interface ToStepsOptions {
  /** Grid step, ms. */
  stepMs: number;
  /**
   * Longest run of empty buckets filled with temp = null steps. A longer silence is a restart: no filler,
   * the sensor's next step simply jumps (an evaluation drops the sensor's state there).
   */
  maxGapMs: number;
}

export const TO_STEPS_DEFAULTS: Readonly<ToStepsOptions> = Object.freeze({ stepMs: 3_600_000, maxGapMs: 86_400_000 });

type Field = 'temp' | 'pressure' | 'dewpoint' | 'wind';
const FIELDS: readonly Field[] = ['temp', 'pressure', 'dewpoint', 'wind'];

/**
 * Bucket readings per sensor onto the step grid.
 *
 * @example
 *   toSteps(readings, { stepMs: 3_600_000 }) // [{ sensor, t, temp, pressure, dewpoint, wind }, ...]
 * @param readings any order; a second reading with the same sensor and ts is a duplicate and ignored
 * @returns steps ordered by t, then sensor. Each field is the mean of the bucket's non-null values, or null.
 *   Covariate fields appear only for sensors whose readings carried them.
 */
export function toSteps(readings: Iterable<ReplayReading>, options: Partial<ToStepsOptions> = {}): StepObservation[] {
  const { stepMs, maxGapMs } = { ...TO_STEPS_DEFAULTS, ...options };
  if (!Number.isInteger(stepMs) || stepMs < 1) throw new RangeError(`stepMs must be a positive integer; got ${stepMs}`);
  if (!(maxGapMs >= 0)) throw new RangeError(`maxGapMs must be >= 0; got ${maxGapMs}`);

  const bySensor = new Map<string, ReplayReading[]>();
  for (const r of readings) {
    let list = bySensor.get(r.sensor);
    if (!list) bySensor.set(r.sensor, (list = []));
    list.push(r);
  }

  const out: StepObservation[] = [];
  for (const [sensor, list] of bySensor) {
    list.sort((a, b) => a.ts - b.ts); // stable: of duplicates the first one read stays first
    const present = new Set(FIELDS.filter((f) => list.some((r) => r[f] !== undefined)));
    let bucket: Bucket | undefined;
    let prevTs = NaN;
    let prevT = NaN;
    const close = (b: Bucket): void => {
      // Fill a short silence with null steps so the grid stays contiguous; a long one is left as a jump.
      const missing = (b.t - prevT) / stepMs - 1;
      if (missing > 0 && missing * stepMs <= maxGapMs) {
        for (let i = 1; i <= missing; i++) out.push(emptyStep(sensor, prevT + i * stepMs, present));
      }
      out.push(b.toStep(sensor, present));
      prevT = b.t;
    };
    for (const r of list) {
      if (r.ts === prevTs) continue;
      prevTs = r.ts;
      const t = Math.ceil(r.ts / stepMs) * stepMs;
      if (bucket && bucket.t !== t) {
        close(bucket);
        bucket = undefined;
      }
      (bucket ??= new Bucket(t)).add(r);
    }
    if (bucket) close(bucket);
  }
  return out.sort((a, b) => a.t - b.t || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
}

function emptyStep(sensor: string, t: number, present: ReadonlySet<Field>): StepObservation {
  const step: StepObservation = { sensor, t, temp: null };
  for (const f of present) if (f !== 'temp') step[f] = null;
  return step;
}

class Bucket {
  private readonly sum = new Float64Array(FIELDS.length);
  private readonly n = new Int32Array(FIELDS.length);

  constructor(readonly t: number) {}

  add(r: ReplayReading): void {
    FIELDS.forEach((f, i) => {
      const v = r[f];
      if (v === null || v === undefined) return;
      this.sum[i] += v;
      this.n[i] += 1;
    });
  }

  toStep(sensor: string, present: ReadonlySet<Field>): StepObservation {
    const step = emptyStep(sensor, this.t, present);
    FIELDS.forEach((f, i) => {
      if (this.n[i] > 0) step[f] = this.sum[i] / this.n[i];
    });
    return step;
  }
}

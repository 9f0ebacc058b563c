// Replay readings -> grid steps, exactly as the server would bucket them arriving in this order: per sensor through
// the live bucketer (pipeline/bucket-readings.ts), so the evaluation's truth and offline training see its steps.
import type { StepObservation } from '../forecaster.js';
import { bucketReadings } from '../pipeline/bucket-readings.js';
import type { BucketRules } from '../pipeline/sensor-bucket.js';
import type { Reading } from '../protocol/index.js';
import type { ReplayReading } from './reading.js';

/** The server's grid step and gap limit (`serve`'s defaults: docs/configuration.md). */
export type ToStepsOptions = BucketRules;

export const TO_STEPS_DEFAULTS: Readonly<ToStepsOptions> = Object.freeze({ stepMs: 3_600_000, maxGapSteps: 48 });

const COVARIATES = ['pressure', 'dewpoint', 'wind'] as const;

/**
 * Bucket readings per sensor onto the step grid.
 *
 * @example
 *   toSteps(readings, { stepMs: 3_600_000 }) // [{ sensor, t, temp, pressure?, dewpoint?, wind? }, ...]
 * @param readings in arrival order (a replay sends them sorted by ts). As the server: rows without a temperature
 *   are not readings (the protocol requires one), a repeated (sensor, ts) is a duplicate (the first one stays),
 *   and a reading whose bucket a later one already closed is late and left out.
 * @param options.maxGapSteps a silence of more missing steps is a restart: no filler, the sensor's next step
 *   simply jumps (an evaluation drops the sensor's state there); a shorter one is filled with temp = null steps
 * @returns steps ordered by t, then sensor. Each field is the mean of the bucket's values; a covariate no reading
 *   of the bucket carried is absent.
 */
export function toSteps(readings: Iterable<ReplayReading>, options: Partial<ToStepsOptions> = {}): StepObservation[] {
  const rules = { ...TO_STEPS_DEFAULTS, ...options };
  if (!Number.isInteger(rules.stepMs) || rules.stepMs < 1) throw new RangeError(`stepMs must be a positive integer; got ${rules.stepMs}`);
  if (!Number.isInteger(rules.maxGapSteps) || rules.maxGapSteps < 0) {
    throw new RangeError(`maxGapSteps must be an integer >= 0; got ${rules.maxGapSteps}`);
  }
  const bySensor = new Map<string, Reading[]>();
  for (const r of readings) {
    const reading = asReading(r);
    if (reading === undefined) continue;
    let list = bySensor.get(r.sensor);
    if (!list) bySensor.set(r.sensor, (list = []));
    list.push(reading);
  }
  const out: StepObservation[] = [];
  for (const [sensor, list] of bySensor) {
    for (const e of bucketReadings(sensor, list, rules)) if (e.kind === 'step') out.push(e.obs);
  }
  return out.sort((a, b) => a.t - b.t || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
}

/** The reading the server would store: none without a temperature; an empty covariate is an absent one. */
function asReading(r: ReplayReading): Reading | undefined {
  if (r.temp === null) return undefined;
  const reading: Reading = { sensor: r.sensor, ts: r.ts, temp: r.temp };
  for (const c of COVARIATES) {
    const v = r[c];
    if (v !== null && v !== undefined) reading[c] = v;
  }
  return reading;
}

// A whole history of one sensor bucketed exactly as the live server buckets it as it arrives: a batch wrapper over
// SensorBucket, for the offline paths (evaluation truth, train:default, benchmarks) that must see the server's steps.
import type { Reading } from '../protocol/index.js';
import { SensorBucket, type BucketRules } from './sensor-bucket.js';
import type { StepEvent } from './types.js';

/**
 * Bucket one sensor's readings, given in arrival order, into closed grid steps.
 *
 * @example
 *   bucketReadings('st-1', readings, { stepMs: 3_600_000, maxGapSteps: 48 })
 *   // [{ kind: 'step', obs: { sensor: 'st-1', t, temp } }, ..., { kind: 'reset', sensor: 'st-1' }, ...]
 * @param readings the sensor's readings in the order the server would receive them. As live: a second reading
 *   with the same ts is a duplicate and ignored (the store keeps the first), and a reading whose bucket is already
 *   closed is late and left out (the server counts it and does not bucket it).
 * @param rules the server's grid step and gap limit: a silence of more than `maxGapSteps` missing steps is a
 *   `reset` event (no filler steps), a shorter one is filled with `temp: null` steps
 * @returns step and reset events; the last bucket is closed too, since the history is complete
 */
export function bucketReadings(sensor: string, readings: Iterable<Reading>, rules: BucketRules): StepEvent[] {
  const bucket = new SensorBucket(sensor, rules);
  const events: StepEvent[] = [];
  const seen = new Set<number>();
  for (const r of readings) {
    if (r.sensor !== sensor) throw new RangeError(`bucketReadings: a reading of "${r.sensor}" among those of "${sensor}"`);
    if (seen.has(r.ts)) continue;
    seen.add(r.ts);
    bucket.add(r, events);
  }
  bucket.close(events);
  return events;
}

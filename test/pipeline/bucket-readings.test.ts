// The batch bucketer (offline truth, train:default) against the live operator on the same arrival order: the same
// steps, resets and late readings, so the evaluation scores exactly what the server feeds its model.
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { bucketReadings } from '../../src/pipeline/bucket-readings.js';
import { bucketSteps, type BucketTable } from '../../src/pipeline/bucket-steps.js';
import { SensorBucket } from '../../src/pipeline/sensor-bucket.js';
import type { StepEvent } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';
import { createRng } from '../../src/random.js';
import { generateSynthetic } from '../../src/replay/generator.js';

const H = 3_600_000;
const rules = { stepMs: H, maxGapSteps: 24 };

/** Generated readings as the store keeps them (temperature, no duplicates), in frames with a few stragglers. */
function frames(): Reading[][] {
  const seen = new Set<string>();
  const readings: Reading[] = [];
  for (const r of generateSynthetic({ seed: 4, sensors: 3, days: 12 })) {
    const key = `${r.sensor}@${r.ts}`;
    if (r.temp === null || seen.has(key)) continue;
    seen.add(key);
    readings.push({ sensor: r.sensor, ts: r.ts, temp: r.temp, ...(r.pressure == null ? {} : { pressure: r.pressure }) });
  }
  const out: Reading[][] = [];
  for (let i = 0; i < readings.length; i += 40) out.push(readings.slice(i, i + 40));
  // Hold back one reading of some frames to the next: late at the server whenever its bucket closed meanwhile.
  const rng = createRng(9);
  for (let f = 0; f + 1 < out.length; f++) if (rng.next() < 0.3) out[f + 1]!.push(out[f]!.shift()!);
  return out;
}

describe('bucketReadings', () => {
  it('gives the live operator\'s events and drops its late readings, closing the last bucket too', () => {
    const batches = frames();
    const live: StepEvent[] = [];
    const late: Reading[] = [];
    // Never flushed: buckets close by event time only, as in a replay at full speed.
    const scheduler = new TestScheduler(() => undefined);
    const held = new Map<string, SensorBucket>();
    const table: BucketTable = {
      bucket: (sensor) => held.get(sensor) ?? held.set(sensor, new SensorBucket(sensor, rules)).get(sensor),
      buckets: () => held.values(),
    };
    const input = new Subject<Reading[]>();
    const sub = input
      .pipe(bucketSteps({ ...rules, graceMs: 60_000, scheduler, table }))
      .subscribe((b) => {
        live.push(...b.events);
        late.push(...b.late);
      });
    for (const b of batches) input.next(b);
    sub.unsubscribe();
    expect(late.length).toBeGreaterThan(0);
    expect(live.some((e) => e.kind === 'reset')).toBe(true);

    // bucketSteps sorts each frame by time: that is the arrival order the bucketer sees.
    const arrival = batches.flatMap((b) => [...b].sort((x, y) => x.ts - y.ts));
    for (const sensor of ['syn-1', 'syn-2', 'syn-3']) {
      const mine = arrival.filter((r) => r.sensor === sensor);
      const batch = bucketReadings(sensor, mine, rules);
      const own = live.filter((e) => (e.kind === 'step' ? e.obs.sensor : e.sensor) === sensor);
      // The live one leaves its last bucket open (nothing proved it complete); the batch closes it.
      expect(batch.slice(0, own.length)).toEqual(own);
      const rest = batch.slice(own.length);
      expect(rest.at(-1)).toMatchObject({ kind: 'step', obs: { t: Math.ceil(Math.max(...mine.map((r) => r.ts)) / H) * H } });
      expect(rest.every((e) => e.kind === 'step')).toBe(true);
    }
  });
});

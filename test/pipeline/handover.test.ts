// A partition handed from one keeper to another mid-bucket (revoke: snapshot with the log position; readings
// stored while nobody owns it; assign: snapshot + the log after it) continues exactly like an uninterrupted run.
import { Subject, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { forecastPipeline } from '../../src/pipeline/forecast-pipeline.js';
import { PartitionSet, partitionOf } from '../../src/pipeline/partitions.js';
import type { SensorKeeper } from '../../src/pipeline/sensor-keeper.js';
import type { ForecastBatch } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';
import { openStore } from '../../src/store/index.js';
import { H, makeKeeper, syntheticReadings } from './helpers.js';

type Issued = { sensor: string; origin: number; points: unknown; at: number };

/**
 * Feed `readings` live (each 5 s after its time) through one shared store into every keeper's pipeline; at the
 * given virtual times call `actions` (revoke, assign).
 */
function run(keepers: SensorKeeper[], readings: Reading[], actions: Array<[at: number, act: () => void]>, store: ReturnType<typeof openStore>) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const out: Issued[] = [];
  scheduler.run(() => {
    const stored = new Subject<Reading[]>();
    for (const keeper of keepers) {
      stored
        .pipe(forecastPipeline({ keeper, stepMs: H, graceMs: 90_000, maxGapSteps: 6, scheduler, wanted: () => true }))
        .subscribe((b: ForecastBatch) => {
          for (const f of b.forecasts) out.push({ sensor: f.sensor, origin: f.origin, points: f.points, at: scheduler.now() });
        });
    }
    const input = new Subject<Reading[]>();
    input.pipe(tap((b) => store.readings.insertBatch(b, 0))).subscribe((b) => stored.next(b));
    for (const r of readings) scheduler.schedule(() => input.next([r]), r.ts + 5_000);
    for (const [at, act] of actions) scheduler.schedule(act, at);
    scheduler.flush();
  });
  return out;
}

describe('partition hand-over', () => {
  const readings = syntheticReadings(72);
  const count = 2;
  const pa = partitionOf('a', count);
  const pb = partitionOf('b', count);

  /** The uninterrupted reference run, and two keepers on one store: the first owns everything, the second nothing. */
  function keepers() {
    const whole = makeKeeper({ partitions: new PartitionSet(count) });
    const reference = run([whole.keeper], readings, [], whole.store);
    const store = openStore(':memory:');
    const first = makeKeeper({ store, partitions: new PartitionSet(count) });
    const second = makeKeeper({ store, partitions: new PartitionSet(count, []) });
    return { whole, reference, store, first, second };
  }

  it('continues a revoked and later assigned partition exactly, bucket and model state included', () => {
    expect(pa).not.toBe(pb); // the test moves "a" alone
    const { whole, reference, store, first, second } = keepers();
    // Revoked at 20:35 (its 21:00 bucket holds the 20:07 and 20:29 readings), assigned at 23:40: the readings of
    // 20:51 to 23:29 are stored while nobody owns "a" and reach the new owner through the log.
    const revokeAt = 20 * H + 35 * 60_000;
    const assignAt = 23 * H + 40 * 60_000;
    let handedOver: string[] = [];
    const split = run(
      [first.keeper, second.keeper],
      readings,
      [
        [revokeAt, () => (handedOver = first.keeper.revoke([pa]))],
        [assignAt, () => second.keeper.assign([pa])],
      ],
      store,
    );
    expect(handedOver).toEqual(['a']);
    const after = (f: Issued) => f.sensor === 'a' && f.at > assignAt;
    const key = ({ sensor, origin, points }: Issued) => ({ sensor, origin, points });
    expect(split.filter(after).length).toBeGreaterThan(30);
    expect(split.filter(after).map(key)).toEqual(reference.filter(after).map(key));
    // Nothing of "a" came from the first keeper after the revoke; "b" never moved.
    expect(split.filter((f) => f.sensor === 'a' && f.at > revokeAt && f.at < assignAt)).toEqual([]);
    expect(split.filter((f) => f.sensor === 'b').map(key)).toEqual(reference.filter((f) => f.sensor === 'b').map(key));
    expect(second.forecaster.states.get('a')).toEqual(whole.forecaster.states.get('a'));
    expect(second.keeper.bucket('a')!.save()).toEqual(whole.keeper.bucket('a')!.save());
  });

  it('closes an adopted open bucket on its grace timer, as the uninterrupted run does', () => {
    const { reference, store, first, second } = keepers();
    // Handed over within one bucket, after its last reading (20:51) and before its end plus grace.
    const at = 20 * H + 55 * 60_000;
    const split = run([first.keeper, second.keeper], readings, [[at, () => (first.keeper.revoke([pa]), second.keeper.assign([pa]))]], store);
    const closing = (runOut: Issued[]) => runOut.find((f) => f.sensor === 'a' && f.origin === 21 * H);
    expect(closing(split)).toEqual(closing(reference));
    expect(closing(split)!.at).toBe(21 * H + 90_000);
  });
});

import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { bucketSteps, type BucketTable } from '../../src/pipeline/bucket-steps.js';
import { SensorBucket } from '../../src/pipeline/sensor-bucket.js';
import type { BucketedBatch } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';

const H = 3_600_000;
const newScheduler = () => new TestScheduler((a, b) => expect(a).toEqual(b));

const rules = { stepMs: H, maxGapSteps: 48 };

/** A table like the keeper's: sensors starting with "x" belong to another node. */
function table(held = new Map<string, SensorBucket>()): BucketTable & { held: Map<string, SensorBucket> } {
  return {
    held,
    bucket(sensor) {
      if (sensor.startsWith('x')) return undefined;
      let b = held.get(sensor);
      if (b === undefined) held.set(sensor, (b = new SensorBucket(sensor, rules)));
      return b;
    },
    buckets: () => held.values(),
  };
}

function harness(scheduler: TestScheduler, t = table()) {
  const input = new Subject<Reading[]>();
  const out: Array<[number, BucketedBatch]> = [];
  const sub = input
    .pipe(bucketSteps({ ...rules, graceMs: 60_000, scheduler, table: t }))
    .subscribe((b) => out.push([scheduler.now(), b]));
  return { input, out, sub, table: t };
}

describe('bucketSteps', () => {
  it('closes a live bucket when the clock passes its end plus grace (virtual time)', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const { input, out } = harness(scheduler);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: H / 2, temp: 4 }]), H / 2);
      scheduler.flush();
      expect(out).toHaveLength(1);
      const [at, batch] = out[0]!;
      expect(at).toBe(H + 60_000);
      expect(batch.events).toEqual([{ kind: 'step', obs: { sensor: 'a', t: H, temp: 4 } }]);
    });
  });

  it('does not time-close a bucket that was already past its deadline (replay, backfill)', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const { input, out } = harness(scheduler);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: H / 2, temp: 4 }]), 5 * H);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: H / 2 + 1, temp: 6 }]), 6 * H);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: H + 1, temp: 0 }]), 7 * H);
      scheduler.flush();
      expect(out.map(([, b]) => b.events)).toEqual([[{ kind: 'step', obs: { sensor: 'a', t: H, temp: 5 } }]]);
    });
  });

  it('shares one timer per deadline across sensors and emits them in one batch', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const { input, out } = harness(scheduler);
      scheduler.schedule(
        () =>
          input.next([
            { sensor: 'a', ts: 10, temp: 1 },
            { sensor: 'b', ts: 20, temp: 2 },
          ]),
        30,
      );
      scheduler.flush();
      expect(out).toHaveLength(1);
      expect(out[0]![1].events).toHaveLength(2);
    });
  });

  it('keeps the buckets in the owner\'s table: a resubscribed bucketer continues them and times out open ones', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const first = harness(scheduler);
      scheduler.schedule(() => first.input.next([{ sensor: 'a', ts: H / 4, temp: 2 }]), H / 4);
      scheduler.schedule(() => first.sub.unsubscribe(), H / 2);
      scheduler.flush();
      expect(first.out).toEqual([]);
      expect(first.table.held.get('a')!.openEnd).toBe(H);
      // A new operator over the same table (the pipeline restarted): the open bucket closes on its own timer,
      // with the reading the first one took.
      const second = harness(scheduler, first.table);
      scheduler.schedule(() => second.input.next([{ sensor: 'a', ts: H / 2 + 1, temp: 4 }]), H / 2 + 1);
      scheduler.flush();
      expect(second.out).toEqual([[H + 60_000, { events: [{ kind: 'step', obs: { sensor: 'a', t: H, temp: 3 } }], late: [] }]]);
    });
  });

  it('skips readings of sensors the table does not hold (another node owns them)', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const { input, out, table: t } = harness(scheduler);
      input.next([{ sensor: 'x-1', ts: H, temp: 1 }, { sensor: 'a', ts: H, temp: 1 }]);
      expect(out.map(([, b]) => b.events.map((e) => e.kind === 'step' && e.obs.sensor))).toEqual([['a']]);
      expect([...t.held.keys()]).toEqual(['a']);
    });
  });

  it('reports late readings', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const { input, out } = harness(scheduler);
      input.next([{ sensor: 'a', ts: 2 * H, temp: 1 }]);
      input.next([{ sensor: 'a', ts: H, temp: 1 }]);
      expect(out[1]![1].late).toEqual([{ sensor: 'a', ts: H, temp: 1 }]);
    });
  });
});

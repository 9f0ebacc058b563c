import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { bucketSteps } from '../../src/pipeline/bucket-steps.js';
import type { BucketedBatch } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';

const H = 3_600_000;
const newScheduler = () => new TestScheduler((a, b) => expect(a).toEqual(b));

function harness(scheduler: TestScheduler, resumes: string[] = []) {
  const input = new Subject<Reading[]>();
  const out: Array<[number, BucketedBatch]> = [];
  input
    .pipe(
      bucketSteps({
        stepMs: H,
        maxGapSteps: 48,
        graceMs: 60_000,
        idleMs: 10 * H,
        scheduler,
        resume: (sensor) => {
          resumes.push(sensor);
          return { lastClosed: undefined, open: [] };
        },
      }),
    )
    .subscribe((b) => out.push([scheduler.now(), b]));
  return { input, out };
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

  it('releases idle sensors and resumes them from storage when they return', () => {
    const scheduler = newScheduler();
    const resumes: string[] = [];
    scheduler.run(() => {
      const { input } = harness(scheduler, resumes);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: H, temp: 1 }]), H);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: 2 * H, temp: 1 }]), 2 * H);
      scheduler.schedule(() => input.next([{ sensor: 'a', ts: 30 * H, temp: 1 }]), 30 * H);
      scheduler.flush();
    });
    expect(resumes).toEqual(['a', 'a']);
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

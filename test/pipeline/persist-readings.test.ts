import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { persistReadings } from '../../src/pipeline/persist-readings.js';
import type { PersistedBatch, PushJob } from '../../src/pipeline/types.js';
import type { Reading } from '../../src/protocol/index.js';
import { openStore, type ReadingStore } from '../../src/store/index.js';

const job = (origin: string, readings: Reading[], id?: string): PushJob<string> =>
  id === undefined ? { origin, readings, rejected: [] } : { origin, id, readings, rejected: [] };
const r = (ts: number, sensor = 's'): Reading => ({ sensor, ts, temp: 1 });

function run(readings: ReadingStore, maxReadings: number, feed: (input: Subject<PushJob<string>>, s: TestScheduler) => void) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const out: Array<[number, PersistedBatch<string>]> = [];
  scheduler.run(() => {
    const input = new Subject<PushJob<string>>();
    input.pipe(persistReadings<string>({ readings, maxReadings, scheduler })).subscribe((b) => out.push([scheduler.now(), b]));
    feed(input, scheduler);
    scheduler.flush();
  });
  return out;
}

describe('persistReadings', () => {
  it('commits the pushes of one tick in one transaction, then emits their outcomes in order', () => {
    const store = openStore(':memory:');
    const out = run(store.readings, 100, (input, s) => {
      s.schedule(() => {
        input.next(job('a', [r(1), r(2)], 'x'));
        input.next(job('b', [r(2), r(3)], 'y'));
      }, 5);
      s.schedule(() => input.next(job('a', [r(4)])), 9);
    });
    expect(out.map(([t, b]) => [t, b.outcomes.map((o) => [o.job.origin, o.accepted, o.duplicates])])).toEqual([
      [5, [['a', 2, 0], ['b', 1, 1]]],
      [9, [['a', 1, 0]]],
    ]);
    expect(out[0]![1].stored.map((x) => x.ts)).toEqual([1, 2, 3]);
    expect(store.readings.range('s', 0, 10, 10)).toHaveLength(4);
  });

  it('commits at once when the reading budget is reached, never exceeding it', () => {
    const store = openStore(':memory:');
    const sizes: number[] = [];
    run(store.readings, 3, (input, s) => {
      s.schedule(() => {
        input.next(job('a', [r(1), r(2)]));
        input.next(job('a', [r(3), r(4)]));
        input.next(job('a', [r(5)]));
      }, 1);
    }).forEach(([, b]) => sizes.push(b.stored.length));
    expect(sizes).toEqual([2, 3]);
  });

  it('reports a storage failure to every push of the batch and stores nothing', () => {
    const failing: ReadingStore = {
      ...openStore(':memory:').readings,
      insertBatch: () => {
        throw new Error('disk full');
      },
    };
    const out = run(failing, 10, (input) => input.next(job('a', [r(1)], 'x')));
    expect(out[0]![1].outcomes[0]).toMatchObject({ accepted: 0, error: { code: 'storage_error' } });
    expect(out[0]![1].stored).toEqual([]);
  });
});

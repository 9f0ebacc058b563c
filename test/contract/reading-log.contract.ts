// The reading-log contract (src/ports/reading-log.ts): what any engine behind readings-in and the log must do.
// Run it with a factory for a fresh, empty log; `reopen` (when the engine persists) gives the same log anew.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadingStore } from '../../src/ports/reading-log.js';

export interface ReadingLogFixture {
  log: ReadingStore;
  reopen?: () => ReadingStore;
  close(): void;
}

export function runReadingLogContract(name: string, make: () => ReadingLogFixture): void {
  describe(`reading log contract: ${name}`, () => {
    let f: ReadingLogFixture;
    const fresh = (): ReadingStore => {
      f = make();
      return f.log;
    };
    afterEach(() => f.close());

    it('stores each (sensor, ts) once: a repeat, in the same batch or a later one, is a duplicate', () => {
      const log = fresh();
      expect(log.insertBatch([{ sensor: 'a', ts: 1, temp: 1 }, { sensor: 'a', ts: 1, temp: 2 }, { sensor: 'b', ts: 1, temp: 3 }], 0)).toEqual([true, false, true]);
      expect(log.insertBatch([{ sensor: 'b', ts: 1, temp: 9 }], 0)).toEqual([false]);
      // The first one stays.
      expect(log.range('a', 0, 10, 10)).toEqual([{ sensor: 'a', ts: 1, temp: 1 }]);
      expect(log.range('b', 0, 10, 10)).toEqual([{ sensor: 'b', ts: 1, temp: 3 }]);
    });

    it('numbers batches in commit order and replays a sensor after a position in that order', () => {
      const log = fresh();
      expect(log.lastSeq()).toBe(0);
      log.insertBatch([{ sensor: 'a', ts: 50, temp: 5 }, { sensor: 'a', ts: 20, temp: 2 }], 0);
      const first = log.lastSeq();
      log.insertBatch([{ sensor: 'a', ts: 30, temp: 3 }, { sensor: 'a', ts: 10, temp: 1 }], 0);
      expect(log.lastSeq()).toBeGreaterThan(first);
      // Commit order first, event time within a batch: what the live bucketer saw.
      expect(log.committedAfter('a', 0, Number.MIN_SAFE_INTEGER).map((r) => r.ts)).toEqual([20, 50, 10, 30]);
      expect(log.committedAfter('a', first, Number.MIN_SAFE_INTEGER).map((r) => r.ts)).toEqual([10, 30]);
      expect(log.committedAfter('a', 0, 20).map((r) => r.ts)).toEqual([50, 30]);
      expect(log.committedAfter('a', log.lastSeq(), 0)).toEqual([]);
      expect(log.committedAfter('nobody', 0, 0)).toEqual([]);
    });

    it('keeps optional fields and reads ranges by event time, paged with an exclusive cursor', () => {
      const log = fresh();
      log.insertBatch(
        Array.from({ length: 7 }, (_, i) => ({ sensor: 's', ts: 100 + i, temp: i, ...(i === 3 ? { pressure: 1013, dewpoint: -2, wind: 4 } : {}) })),
        0,
      );
      expect(log.range('s', 102, 104, 10)).toEqual([
        { sensor: 's', ts: 102, temp: 2 },
        { sensor: 's', ts: 103, temp: 3, pressure: 1013, dewpoint: -2, wind: 4 },
        { sensor: 's', ts: 104, temp: 4 },
      ]);
      expect(log.range('s', 0, 1000, 2).map((r) => r.ts)).toEqual([100, 101]);
      expect(log.range('s', 0, 1000, 2, 101).map((r) => r.ts)).toEqual([102, 103]);
    });

    it('keeps a catalogue row per sensor: extent, count, latest position, late readings; listed and paged by name', () => {
      const log = fresh();
      log.insertBatch([{ sensor: 'b', ts: 5, temp: 0 }, { sensor: 'a', ts: 9, temp: 0 }], 0);
      log.insertBatch([{ sensor: 'b', ts: 2, temp: 0 }], 0);
      log.addLate('b', 1);
      expect(log.sensor('b')).toMatchObject({ sensor: 'b', firstTs: 2, lastTs: 5, readings: 2, late: 1, lastSeq: log.lastSeq() });
      expect(log.sensor('zz')).toBeUndefined();
      expect(log.sensors().map((s) => s.sensor)).toEqual(['a', 'b']);
      expect(log.sensorPage(1).map((s) => s.sensor)).toEqual(['a']);
      expect(log.sensorPage(5, 'a').map((s) => s.sensor)).toEqual(['b']);
    });

    it('keeps its position and contents when reopened', () => {
      const log = fresh();
      if (f.reopen === undefined) return; // an engine without persistence has nothing to reopen
      log.insertBatch([{ sensor: 'a', ts: 1, temp: 1 }], 0);
      log.insertBatch([{ sensor: 'a', ts: 2, temp: 2 }], 0);
      const seq = log.lastSeq();
      const again = f.reopen();
      expect(again.lastSeq()).toBe(seq);
      expect(again.committedAfter('a', 0, 0).map((r) => r.ts)).toEqual([1, 2]);
      again.insertBatch([{ sensor: 'a', ts: 3, temp: 3 }], 0);
      expect(again.lastSeq()).toBeGreaterThan(seq);
    });
  });
}

// The snapshot-store contract (src/ports/snapshots.ts): one row per sensor, replaced whole, and the bulk read a
// restart or a partition assignment makes, filtered by the model version and grid that wrote each snapshot.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadingStore } from '../../src/ports/reading-log.js';
import type { SensorStateRow, SensorStateStore } from '../../src/ports/snapshots.js';

export interface SnapshotFixture {
  /** The snapshots and the reading log of the same engine (restorable lists the sensors with readings). */
  states: SensorStateStore;
  readings: ReadingStore;
  close(): void;
}

const H = 3_600_000;
const row = (sensor: string, over: Partial<SensorStateRow> = {}): SensorStateRow => ({
  sensor,
  modelVersion: 1,
  kind: 'k/v1',
  snapshot: new Uint8Array([1, 2, 3]),
  lastClosed: 2 * H,
  stepMs: H,
  savedAt: 10,
  bucket: new Uint8Array(80).fill(7),
  logSeq: 1,
  plausibility: new Uint8Array(56).fill(3),
  ...over,
});

export function runSnapshotContract(name: string, make: () => SnapshotFixture): void {
  describe(`snapshot store contract: ${name}`, () => {
    let f: SnapshotFixture;
    afterEach(() => f.close());

    it('saves many rows at once and replaces a sensor\'s row whole, bucket and log position included', () => {
      f = make();
      f.states.saveMany([row('a'), row('b', { bucket: null, plausibility: null })]);
      f.states.saveMany([row('a', { snapshot: new Uint8Array([9]), bucket: null, logSeq: 4, lastClosed: 3 * H })]);
      const a = f.states.load('a')!;
      expect([...a.snapshot]).toEqual([9]);
      expect([...a.plausibility!]).toEqual(Array(56).fill(3));
      expect(a).toMatchObject({ bucket: null, logSeq: 4, lastClosed: 3 * H, modelVersion: 1, stepMs: H, kind: 'k/v1' });
      expect(f.states.load('b')!.bucket).toBeNull();
      expect(f.states.load('b')!.plausibility).toBeNull();
      expect(f.states.load('nobody')).toBeUndefined();
    });

    it('lists every sensor with readings, with its latest position, and its snapshot only for the asked version and grid', () => {
      f = make();
      f.readings.insertBatch([{ sensor: 'a', ts: H, temp: 1 }, { sensor: 'b', ts: H, temp: 1 }], 0);
      f.readings.insertBatch([{ sensor: 'c', ts: 2 * H, temp: 1 }], 0);
      f.states.saveMany([row('a'), row('b', { modelVersion: 2 }), row('c', { stepMs: 60_000 }), row('gone')]);
      const rows = f.states.restorable(1, H);
      expect(rows.map((r) => [r.sensor, r.lastTs, r.lastSeq === f.readings.sensor(r.sensor)!.lastSeq, r.snapshot !== undefined])).toEqual([
        ['a', H, true, true],
        ['b', H, true, false],
        ['c', 2 * H, true, false],
      ]);
      const snap = rows[0]!.snapshot!;
      expect({ ...snap, data: [...snap.data], bucket: [...snap.bucket!], plausibility: [...snap.plausibility!] }).toEqual({
        kind: 'k/v1',
        data: [1, 2, 3],
        lastClosed: 2 * H,
        bucket: Array(80).fill(7),
        logSeq: 1,
        plausibility: Array(56).fill(3),
      });
    });
  });
}

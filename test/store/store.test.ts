import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxstore-'));
  store = openStore(join(dir, 'sub', 'test.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readings', () => {
  it('stores readings idempotently and reports duplicates, also within one batch', () => {
    const r = { sensor: 'a', ts: 1000, temp: 1.5 };
    expect(store.readings.insertBatch([r, { ...r, temp: 9 }, { sensor: 'a', ts: 2000, temp: 2, wind: 3 }], 5)).toEqual([
      true,
      false,
      true,
    ]);
    expect(store.readings.insertBatch([r], 6)).toEqual([false]);
    expect(store.readings.range('a', 0, 10_000, 10)).toEqual([
      { sensor: 'a', ts: 1000, temp: 1.5 },
      { sensor: 'a', ts: 2000, temp: 2, wind: 3 },
    ]);
    expect(store.readings.sensor('a')).toMatchObject({ firstTs: 1000, lastTs: 2000, readings: 2, late: 0 });
    expect(store.readings.sensors()).toHaveLength(1);
  });

  it('pages a range with an exclusive cursor', () => {
    store.readings.insertBatch(
      Array.from({ length: 10 }, (_, i) => ({ sensor: 's', ts: i * 10, temp: i })),
      0,
    );
    const first = store.readings.range('s', 0, 1000, 4);
    expect(first.map((r) => r.ts)).toEqual([0, 10, 20, 30]);
    const second = store.readings.range('s', 0, 1000, 4, 30);
    expect(second.map((r) => r.ts)).toEqual([40, 50, 60, 70]);
    expect(store.readings.range('s', 15, 45, 100).map((r) => r.ts)).toEqual([20, 30, 40]);
  });

  it('counts late readings per sensor', () => {
    store.readings.insertBatch([{ sensor: 's', ts: 0, temp: 0 }], 0);
    store.readings.addLate('s', 2);
    expect(store.readings.sensors()[0]).toMatchObject({ sensor: 's', late: 2 });
  });
});

describe('sensor state', () => {
  it('round-trips snapshots and replaces older ones', () => {
    const row = {
      sensor: 'a',
      modelVersion: 1,
      kind: 'fake/v1',
      snapshot: new Uint8Array([1, 2, 3]),
      lastClosed: 3_600_000,
      stepMs: 3_600_000,
      savedAt: 7,
      bucket: null,
      logSeq: 0,
      plausibility: null,
    };
    store.states.saveMany([row]);
    store.states.saveMany([{ ...row, snapshot: new Uint8Array([4]), lastClosed: 7_200_000, bucket: new Uint8Array([9, 8]), logSeq: 5 }]);
    const loaded = store.states.load('a')!;
    expect({ ...loaded, snapshot: [...loaded.snapshot], bucket: [...loaded.bucket!] }).toEqual({
      ...row,
      snapshot: [4],
      lastClosed: 7_200_000,
      bucket: [9, 8],
      logSeq: 5,
    });
    expect(loaded.snapshot).toBeInstanceOf(Uint8Array);
    expect(store.states.load('b')).toBeUndefined();
  });

  it('lists every sensor with readings, with its snapshot only when version and step match', () => {
    store.readings.insertBatch(
      ['a', 'b', 'c', 'd'].map((sensor, i) => ({ sensor, ts: 1_000 * (i + 1), temp: i })),
      0,
    );
    const row = { modelVersion: 2, kind: 'fake/v1', lastClosed: 500, stepMs: 3_600_000, savedAt: 7, bucket: null, logSeq: 1, plausibility: null };
    store.states.saveMany([
      { ...row, sensor: 'a', snapshot: new Uint8Array([1]) },
      { ...row, sensor: 'b', snapshot: new Uint8Array([2]), modelVersion: 1 },
      { ...row, sensor: 'c', snapshot: new Uint8Array([3]), stepMs: 60_000 },
      { ...row, sensor: 'orphan', snapshot: new Uint8Array([4]) },
    ]);
    const rows = store.states.restorable(2, 3_600_000);
    expect(
      rows.map((r) => [r.sensor, r.lastTs, r.lastSeq, r.snapshot && [r.snapshot.kind, [...r.snapshot.data], r.snapshot.lastClosed, r.snapshot.logSeq]]),
    ).toEqual([
      ['a', 1_000, 1, ['fake/v1', [1], 500, 1]],
      ['b', 2_000, 1, undefined],
      ['c', 3_000, 1, undefined],
      ['d', 4_000, 1, undefined],
    ]);
  });

  it('numbers each committed transaction and replays a sensor\'s readings after a position in commit order', () => {
    expect(store.readings.lastSeq()).toBe(0);
    store.readings.insertBatch([{ sensor: 'a', ts: 3_000, temp: 3 }, { sensor: 'a', ts: 1_000, temp: 1 }], 0);
    store.readings.insertBatch([{ sensor: 'a', ts: 2_000, temp: 2 }, { sensor: 'b', ts: 9, temp: 0 }], 0);
    // A duplicate stores nothing but still takes a position: the log only moves forward.
    store.readings.insertBatch([{ sensor: 'a', ts: 2_000, temp: 2 }], 0);
    expect(store.readings.lastSeq()).toBe(3);
    expect(store.readings.committedAfter('a', 0, 0).map((r) => r.ts)).toEqual([1_000, 3_000, 2_000]);
    expect(store.readings.committedAfter('a', 1, 0).map((r) => r.ts)).toEqual([2_000]);
    expect(store.readings.committedAfter('a', 0, 1_500).map((r) => r.ts)).toEqual([3_000, 2_000]);
    expect(store.readings.sensor('a')!.lastSeq).toBe(2);
    // A transaction that fails leaves the position where it was.
    // (A value SQLite cannot bind fails it; OR IGNORE would swallow a constraint.)
    expect(() => store.readings.insertBatch([{ sensor: 'a', ts: 4_000, temp: 4 }, { sensor: 'a', ts: 5_000, temp: {} as never }], 0)).toThrow();
    expect(store.readings.range('a', 4_000, 4_000, 1)).toEqual([]);
    expect(store.readings.lastSeq()).toBe(3);
    store.close();
    store = openStore(join(dir, 'sub', 'test.db'));
    expect(store.readings.lastSeq()).toBe(3);
  });
});

describe('model versions', () => {
  it('keeps exactly one champion', () => {
    const v1 = store.models.insert({ status: 'champion', config: { h: 8 }, weights: new Uint8Array([1]) });
    const v2 = store.models.insert({ parent: v1, status: 'candidate', config: { h: 8 }, weights: new Uint8Array([2]) });
    expect(store.models.champion()?.version).toBe(v1);
    store.models.promote(v2);
    expect(store.models.champion()).toMatchObject({ version: v2, parent: v1, config: { h: 8 } });
    expect(store.models.champion()?.weights).toEqual(new Uint8Array([2]));
    expect(store.models.list().map((m) => [m.version, m.status])).toEqual([
      [v2, 'champion'],
      [v1, 'retired'],
    ]);
    expect(() => store.models.promote(99)).toThrow(RangeError);
  });
});

describe('issued forecasts', () => {
  it('stores compact points and restores their timestamps', () => {
    const points = [1, 2].map((k) => ({ ts: 100 + k * 10, mean: k + 0.5, p10: k - 1, p50: k, p90: k + 1.25 }));
    store.forecasts.insertMany([{ sensor: 'a', origin: 100, modelVersion: 1, issuedAt: 5, stepMs: 10, points }]);
    expect(store.forecasts.pending(new Map([['a', 99]]), 1).map((f) => f.points)).toEqual([points]);
    expect(store.forecasts.pending(new Map([['a', 100]]), 1)).toHaveLength(0);
    expect(store.forecasts.pruneBefore(101)).toBe(1);
  });

  it('replaces a forecast of the same sensor, origin and model version, and keeps other versions', () => {
    const at = (mean: number, modelVersion = 1) => ({ sensor: 'a', origin: 100, modelVersion, issuedAt: mean, stepMs: 10, points: [{ ts: 110, mean, p10: 0, p50: mean, p90: 9 }] });
    store.forecasts.insertMany([at(1), at(2, 2)]);
    store.forecasts.insertMany([at(3)]);
    const stored = [1, 2].flatMap((v) => store.forecasts.pending(new Map([['a', 0]]), v));
    expect(stored.map((f) => [f.modelVersion, f.points[0]!.mean])).toEqual([[1, 3], [2, 2]]);
  });

  it('moves forecasts written before schema 3 (WITHOUT ROWID) into the rowid table, intact', () => {
    const path = join(dir, 'v2.db');
    const old = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
    old.pragma('user_version = 2');
    const blob = Buffer.from(new Float32Array([1.5, 0, 1, 2]).buffer);
    const row = old.prepare('INSERT INTO issued_forecasts (sensor, origin, model_version, issued_at, step_ms, points) VALUES (?, ?, ?, ?, ?, ?)');
    row.run('a', 100, 1, 5, 10, blob);
    row.run('a', 200, 1, 6, 10, blob);
    old.close();
    const migrated = openStore(path);
    try {
      expect(migrated.forecasts.pending(new Map([['a', 0]]), 1).map((f) => [f.origin, f.issuedAt, f.points])).toEqual([
        [100, 5, [{ ts: 110, mean: 1.5, p10: 0, p50: 1, p90: 2 }]],
        [200, 6, [{ ts: 210, mean: 1.5, p10: 0, p50: 1, p90: 2 }]],
      ]);
      const db = new Database(path, { readonly: true });
      const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'issued_forecasts'").get() as { sql: string }).sql;
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'issued_forecasts'").all() as Array<{ name: string }>).map((r) => r.name);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      db.close();
      expect(sql).not.toMatch(/WITHOUT ROWID/);
      expect(indexes.sort()).toEqual(['issued_by_origin', 'issued_key']);
    } finally {
      migrated.close();
    }
  });

  it('reads the pending forecasts of many sensors in one query, each after its own cut-off', () => {
    const points = [{ ts: 0, mean: 1, p10: 0, p50: 1, p90: 2 }];
    const at = (sensor: string, origin: number, modelVersion = 1) => ({ sensor, origin, modelVersion, issuedAt: 5, stepMs: 10, points });
    store.forecasts.insertMany([at('a', 10), at('a', 20), at('a', 30), at('a', 30, 2), at('b', 10), at('b', 20), at('c', 50)]);
    const after = new Map([
      ['b', 0],
      ['a', 15],
      ['"quoted"', 0],
    ]);
    expect(store.forecasts.pending(after, 1).map((f) => [f.sensor, f.origin, f.modelVersion])).toEqual([
      ['a', 20, 1],
      ['a', 30, 1],
      ['b', 10, 1],
      ['b', 20, 1],
    ]);
    expect(store.forecasts.pending(new Map(), 1)).toEqual([]);
  });
});

describe('grid step', () => {
  it('refuses to reopen a database with another step', () => {
    store.checkStep(3_600_000);
    store.checkStep(3_600_000);
    expect(() => store.checkStep(1_800_000)).toThrow(/stepSeconds/);
  });

  it('survives reopening (migrations are idempotent)', () => {
    store.readings.insertBatch([{ sensor: 'a', ts: 1, temp: 1 }], 0);
    const path = store.path;
    store.close();
    store = openStore(path);
    expect(store.readings.sensors()).toHaveLength(1);
  });
});

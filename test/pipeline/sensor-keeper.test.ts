import { describe, expect, it } from 'vitest';
import { FakeForecaster } from './fake-forecaster.js';
import { H, makeKeeper } from './helpers.js';

const hourly = (sensor: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ sensor, ts: (from + i) * H, temp: from + i }));

describe('SensorKeeper', () => {
  it('snapshots states tagged with the model version and restores them exactly', () => {
    const a = makeKeeper();
    for (let h = 1; h <= 5; h++) a.keeper.observe([{ sensor: 's', t: h * H, temp: h }]);
    expect(a.keeper.snapshotAll(7)).toBe(1);
    expect(a.store.states.load('s')).toMatchObject({ modelVersion: 1, kind: 'fake/v1', lastClosed: 5 * H, savedAt: 7 });

    a.store.readings.insertBatch(hourly('s', 1, 5), 0);
    const b = makeKeeper({ store: a.store });
    expect(b.keeper.restoreAll()).toEqual({ snapshot: 1, rebuilt: 0, empty: 0 });
    expect(b.forecaster.states.get('s')).toEqual(a.forecaster.states.get('s'));
  });

  it('re-encodes stored readings after a stale snapshot (crash after the last snapshot)', () => {
    const { keeper, store, forecaster } = makeKeeper();
    store.readings.insertBatch(hourly('s', 1, 8), 0);
    for (let h = 1; h <= 5; h++) keeper.observe([{ sensor: 's', t: h * H, temp: h }]);
    keeper.snapshotAll();
    const b = makeKeeper({ store });
    expect(b.keeper.restore('s')).toBe('snapshot');
    expect(b.forecaster.lastStep('s')).toBe(8 * H);
    for (let h = 6; h <= 8; h++) keeper.observe([{ sensor: 's', t: h * H, temp: h }]);
    expect(b.forecaster.states.get('s')).toEqual(forecaster.states.get('s'));
  });

  it('ignores a snapshot of another model version and rebuilds from recent history', () => {
    const { keeper, store } = makeKeeper();
    store.readings.insertBatch(hourly('s', 1, 40), 0);
    keeper.observe([{ sensor: 's', t: H, temp: 1 }]);
    keeper.snapshotAll();
    store.states.saveMany([{ ...store.states.load('s')!, modelVersion: 99 }]);
    const b = makeKeeper({ store });
    expect(b.keeper.restore('s')).toBe('rebuilt');
    // warmupSteps is 12: only the last 12 steps are re-encoded
    expect(b.forecaster.states.get('s')).toMatchObject({ t: 40 * H, n: 12 });
  });

  it('leaves the open bucket open and resumes it from storage', () => {
    const { keeper, store } = makeKeeper();
    store.readings.insertBatch([...hourly('s', 1, 3), { sensor: 's', ts: 3 * H + 600_000, temp: 9 }], 0);
    expect(keeper.restore('s')).toBe('rebuilt');
    expect(keeper.lastClosed('s')).toBe(3 * H);
    expect(keeper.resume('s', 4 * H)).toEqual({ lastClosed: 3 * H, open: [{ sensor: 's', ts: 3 * H + 600_000, temp: 9 }] });
  });

  it('re-encodes many sensors in batched rounds, one observe per step', () => {
    const store = makeKeeper().store;
    store.readings.insertBatch([...hourly('a', 1, 10), ...hourly('b', 1, 10), ...hourly('c', 5, 10)], 0);
    const { keeper, forecaster } = makeKeeper({ store });
    expect(keeper.restoreAll()).toEqual({ snapshot: 0, rebuilt: 3, empty: 0 });
    expect(forecaster.observeCalls).toBe(10);
    expect(forecaster.states.get('c')).toMatchObject({ t: 10 * H, n: 6 });
  });

  it('resumes a sensor the model does not hold yet with its stored open bucket', () => {
    const { keeper, store } = makeKeeper();
    store.readings.insertBatch([{ sensor: 'n', ts: 600_000, temp: 1 }], 0);
    expect(keeper.restore('n')).toBe('empty');
    expect(keeper.resume('n', 1_200_000)).toEqual({ lastClosed: undefined, open: [{ sensor: 'n', ts: 600_000, temp: 1 }] });
  });

  it('restores only the sensors this node owns', () => {
    const store = makeKeeper().store;
    store.readings.insertBatch([...hourly('mine', 1, 2), ...hourly('theirs', 1, 2)], 0);
    const forecaster = new FakeForecaster();
    const { keeper } = makeKeeper({ store, forecaster });
    (keeper as unknown as { o: { owns: (s: string) => boolean } }).o.owns = (s) => s === 'mine';
    keeper.restoreAll();
    expect(keeper.sensors()).toEqual(['mine']);
  });
});

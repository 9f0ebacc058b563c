import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { initBackend, RnnForecaster, type ClockState } from '../../src/model/index.js';
import { SwappableModelHost } from '../../src/pipeline/model-host.js';
import { PartitionSet } from '../../src/pipeline/partitions.js';
import { SensorKeeper } from '../../src/pipeline/sensor-keeper.js';
import { openStore } from '../../src/store/index.js';
import type { StepEvent } from '../../src/pipeline/types.js';
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

  it('leaves the open bucket open, in its table, with the stored readings in it', () => {
    const { keeper, store } = makeKeeper();
    store.readings.insertBatch([...hourly('s', 1, 3), { sensor: 's', ts: 3 * H + 600_000, temp: 9 }], 0);
    expect(keeper.restore('s')).toBe('rebuilt');
    expect(keeper.lastClosed('s')).toBe(3 * H);
    const out: StepEvent[] = [];
    keeper.bucket('s')!.add({ sensor: 's', ts: 4 * H, temp: 1 }, out);
    expect(out).toEqual([{ kind: 'step', obs: { sensor: 's', t: 4 * H, temp: 5 } }]);
  });

  it('re-encodes many sensors in batched rounds, one observe per step', () => {
    const store = makeKeeper().store;
    store.readings.insertBatch([...hourly('a', 1, 10), ...hourly('b', 1, 10), ...hourly('c', 5, 10)], 0);
    const { keeper, forecaster } = makeKeeper({ store });
    expect(keeper.restoreAll()).toEqual({ snapshot: 0, rebuilt: 3, empty: 0 });
    expect(forecaster.observeCalls).toBe(10);
    expect(forecaster.states.get('c')).toMatchObject({ t: 10 * H, n: 6 });
  });

  it('restores a sensor the model does not hold yet with its stored open bucket', () => {
    const { keeper, store } = makeKeeper();
    store.readings.insertBatch([{ sensor: 'n', ts: 600_000, temp: 1 }], 0);
    expect(keeper.restore('n')).toBe('empty');
    expect(keeper.bucket('n')!.openEnd).toBe(H);
  });

  it('warms a sensor reset by a long gap from its stored history, then fills the missing steps', () => {
    const { keeper, store } = makeKeeper();
    // Readings stored late fill part of the gap (they never reached the bucket, but they are history now).
    store.readings.insertBatch([...hourly('s', 20, 22)], 0);
    const events = keeper.withWarmUps([
      { kind: 'reset', sensor: 's', before: 25 * H },
      { kind: 'step', obs: { sensor: 's', t: 25 * H, temp: 3 } },
    ]);
    expect(events.map((e) => (e.kind === 'step' ? [e.obs.t / H, e.obs.temp] : e.kind))).toEqual([
      'reset',
      [20, 20],
      [21, 21],
      [22, 22],
      [23, null],
      [24, null],
      [25, 3],
    ]);
    // A reset without a following step (a restart of the state) is left alone.
    expect(keeper.withWarmUps([{ kind: 'reset', sensor: 's' }])).toEqual([{ kind: 'reset', sensor: 's' }]);
  });

  it('restores only the sensors of the partitions this node owns', () => {
    const store = makeKeeper().store;
    // Of 4 partitions, "mine-1" is in 0 and "foreign" in 3.
    store.readings.insertBatch([...hourly('mine-1', 1, 2), ...hourly('foreign', 1, 2)], 0);
    const { keeper } = makeKeeper({ store, partitions: new PartitionSet(4, [0]) });
    keeper.restoreAll();
    expect(keeper.sensors()).toEqual(['mine-1']);
    expect(keeper.bucket('foreign')).toBeUndefined();
    expect(keeper.assign([3])).toEqual({ snapshot: 0, rebuilt: 1, empty: 0 });
    expect(keeper.sensors().sort()).toEqual(['foreign', 'mine-1']);
    expect(keeper.revoke([0, 1])).toEqual(['mine-1']);
    expect(keeper.sensors()).toEqual(['foreign']);
    expect(keeper.partitions.list()).toEqual([3]);
    expect(store.states.load('mine-1')).toMatchObject({ lastClosed: 2 * H, logSeq: 1 });
  });
});

describe('SensorKeeper, sliced swap', () => {
  const N = 700; // more than one slice's group of sensors
  const names = Array.from({ length: N }, (_, i) => `s${i}`);
  const stepAt = (h: number) => names.map((sensor) => ({ sensor, t: h * H, temp: h }));
  // Slices run on the keeper's scheduler, in virtual time: a turn runs the tasks queued so far (one slice).
  const scheduler = new VirtualTimeScheduler();
  const turn = (): void => {
    for (const task of scheduler.actions.splice(0)) task.execute(task.state, task.delay);
  };

  function held(hours: number) {
    const k = makeKeeper({ scheduler });
    k.store.readings.insertBatch(names.flatMap((s) => hourly(s, 1, hours)), 0);
    k.keeper.restoreAll();
    return k;
  }

  /** One live hour: stored first (as the pipeline does), then observed. */
  function live(k: ReturnType<typeof makeKeeper>, h: number) {
    k.store.readings.insertBatch(names.flatMap((s) => hourly(s, h, h)), 0);
    k.keeper.observe(stepAt(h));
  }

  it('leaves out the sensors of a partition revoked while the re-warm ran, planned or not', () => {
    const k = held(20);
    const next = new FakeForecaster(H, 24, 'fake/v2');
    k.host.swap(2, next, undefined, { sliced: true });
    expect(k.keeper.beforeTick()).toBe(false);
    turn(); // some sensors planned on the new model already
    const gone = k.keeper.revoke([0]);
    expect(gone.length).toBeGreaterThan(0);
    let turns = 0;
    while (!k.keeper.beforeTick() && turns++ < 10_000) turn();
    expect(k.keeper.modelVersion).toBe(2);
    const kept = new Set(k.keeper.sensors());
    expect(kept.size).toBe(N - gone.length);
    for (const s of gone) {
      expect(kept.has(s)).toBe(false);
      expect(next.has(s)).toBe(false);
    }
  });

  it('re-warms between ticks while the old model serves, forwards live steps, then swaps with every sensor warm', () => {
    const k = held(20);
    const next = new FakeForecaster(H, 24, 'fake/v2');
    k.host.swap(2, next, undefined, { sliced: true });
    expect(k.keeper.beforeTick()).toBe(false);
    expect(k.keeper.modelVersion).toBe(1);
    live(k, 21); // before any slice: planned from storage
    turn();
    expect(k.keeper.modelVersion).toBe(1);
    live(k, 22); // some sensors warm (forwarded), some queued behind their plan, some still to plan
    let turns = 1;
    // Ticks meanwhile never wait for the re-warm; the first one after it finished takes the swap.
    while (!k.keeper.beforeTick() && turns < 10_000) {
      expect(k.keeper.modelVersion).toBe(1);
      turn();
      turns += 1;
    }
    expect(k.keeper.modelVersion).toBe(2);
    expect(turns).toBeGreaterThan(1);
    expect(k.forecaster.disposed).toBe(true);
    expect(k.keeper.sensors()).toHaveLength(N);
    // Planned after hour 22 arrived: 12 warm-up steps to 22; before: 12 to 21, then 22 forwarded.
    for (const s of names) expect(next.states.get(s)).toMatchObject({ t: 22 * H });
    const counts = names.map((s) => next.states.get(s)!.n);
    expect(new Set(counts)).toEqual(new Set([12, 13]));
    live(k, 23);
    expect(next.states.get('s0')!.t).toBe(23 * H);
  });

  it('gives the same states as a swap taken at once when nothing arrives meanwhile', () => {
    const a = held(30);
    const b = held(30);
    const sliced = new FakeForecaster(H, 24, 'fake/v2');
    const atOnce = new FakeForecaster(H, 24, 'fake/v2');
    a.host.swap(2, sliced, undefined, { sliced: true });
    b.host.swap(2, atOnce);
    a.keeper.beforeTick();
    expect(b.keeper.beforeTick()).toBe(true);
    while (!a.keeper.beforeTick()) turn();
    expect(new Map([...sliced.states].sort())).toEqual(new Map([...atOnce.states].sort()));
  });

  it('drops a re-warm whose swap was replaced or whose host was disposed', () => {
    const k = held(20);
    const first = new FakeForecaster(H, 24, 'fake/v2');
    const second = new FakeForecaster(H, 24, 'fake/v3');
    k.host.swap(2, first, undefined, { sliced: true });
    k.keeper.beforeTick();
    turn();
    k.host.swap(3, second, undefined, { sliced: true });
    expect(first.disposed).toBe(true);
    live(k, 21); // not forwarded to the retired forecaster
    while (!k.keeper.beforeTick()) turn();
    expect(k.keeper.modelVersion).toBe(3);
    expect(second.states.get('s1')).toMatchObject({ t: 21 * H });

    const third = new FakeForecaster(H, 24, 'fake/v4');
    k.host.swap(4, third, undefined, { sliced: true });
    k.keeper.beforeTick();
    (k.host as import('../../src/pipeline/model-host.js').SwappableModelHost).dispose();
    k.store.close();
    for (let i = 0; i < 5; i++) turn(); // no slice touches the closed store
    expect(k.keeper.modelVersion).toBe(3);
  });
});

describe('SensorKeeper, a swap keeps what a sensor learnt of itself', () => {
  // A station whose daily cycle peaks at 14 UTC: after a week its clock is shifted (docs/model.md, "Clock alignment").
  const readings = Array.from({ length: 24 * 9 }, (_, i) => ({
    sensor: 'far',
    ts: (i + 1) * H,
    temp: Math.round((10 + 5 * Math.cos((2 * Math.PI * (i + 1 - 14)) / 24) + 0.5 * Math.sin(i * 1.7)) * 100) / 100,
  }));

  async function setup() {
    await initBackend('cpu');
    const store = openStore(':memory:');
    store.readings.insertBatch(readings, 0);
    const old = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 1 } });
    const host = new SwappableModelHost(1, old);
    const scheduler = new VirtualTimeScheduler();
    const keeper = new SensorKeeper({ host, store, stepMs: H, maxGapSteps: 6, warmupSteps: 12, scheduler });
    for (const r of readings) keeper.observe([{ sensor: r.sensor, t: r.ts, temp: r.temp }]);
    const before = old.exportCarried('far') as unknown as { clock: ClockState };
    expect(before.clock.shift).not.toBe(0);
    return { store, old, host, keeper, before, scheduler };
  }

  it.each([false, true])('the clock estimate survives a promotion (sliced: %s), exactly, not re-learnt from the warm-up', async (sliced) => {
    const { store, host, keeper, before, scheduler } = await setup();
    const next = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 2 } });
    host.swap(2, next, undefined, { sliced });
    while (!keeper.beforeTick()) scheduler.flush();
    expect(keeper.modelVersion).toBe(2);
    expect((next.exportCarried('far') as unknown as { clock: ClockState }).clock).toEqual(before.clock);
    // Rebuilt from its 12 warm-up steps alone it would be on the UTC clock again for a week.
    const fresh = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 2 } });
    for (const r of readings.slice(-12)) fresh.observe([{ sensor: r.sensor, t: r.ts, temp: r.temp }]);
    expect((fresh.exportCarried('far') as unknown as { clock: ClockState }).clock.shift).toBe(0);
    [next, fresh].forEach((f) => f.dispose());
    store.close();
  });
});

describe('SensorKeeper, a reset keeps what a sensor learnt of itself', () => {
  it('restarts the state after a long gap but keeps the clock estimate', async () => {
    await initBackend('cpu');
    const store = openStore(':memory:');
    const f = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 1 } });
    const keeper = new SensorKeeper({ host: new SwappableModelHost(1, f), store, stepMs: H, maxGapSteps: 6, warmupSteps: 12 });
    const cycle = (h: number) => Math.round((10 + 5 * Math.cos((2 * Math.PI * (h - 14)) / 24)) * 100) / 100;
    for (let h = 1; h <= 24 * 9; h++) keeper.observe([{ sensor: 'far', t: h * H, temp: cycle(h) }]);
    const before = (f.exportCarried('far') as unknown as { clock: ClockState }).clock;
    expect(before.shift).not.toBe(0);
    const after = 24 * 9 + 30;
    keeper.observe([{ sensor: 'far', t: after * H, temp: cycle(after) }], ['far']);
    expect(f.lastStep('far')).toBe(after * H);
    // A fresh state (hidden and running statistics), but the clock goes on: the reading had no level to compare
    // with yet, so the estimate is exactly the one before the gap.
    expect((f.exportCarried('far') as unknown as { clock: ClockState }).clock).toEqual(before);
    // What GET /v1/sensors shows as clockShiftHours.
    expect(keeper.clockShiftHours('far')).toBe(before.shift);
    expect(keeper.clockShiftHours('unknown')).toBeUndefined();
    f.dispose();
    store.close();
  });
});

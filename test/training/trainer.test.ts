import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { asyncScheduler, VirtualTimeScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/log.js';
import { buildWindows, initBackend, loadModel, RnnForecaster, saveModel, scoreWindows, Seq2Seq, type SavedModel } from '../../src/model/index.js';
import { SwappableModelHost } from '../../src/pipeline/model-host.js';
import type { Reading } from '../../src/protocol/index.js';
import { createRng } from '../../src/random.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteModelRegistry } from '../../src/store/model-registry.js';
import { followChampion } from '../../src/server/champion-follower.js';
import { loadHistory } from '../../src/training/history.js';
import type { RoundOptions } from '../../src/training/round.js';
import { Trainer, type TrainerOptions } from '../../src/training/trainer.js';

const H = 3_600_000;
const T0 = Date.UTC(2021, 0, 1);
const DAYS = 36;
const SHIFT_DAY = 24;
const rules = { stepMs: H, maxGapSteps: 48 };

/** Two sensors, a daily cycle with AR(1) weather; from SHIFT_DAY on the climate is 8 deg C warmer. */
function readings(): Reading[] {
  const out: Reading[] = [];
  for (const [s, sensor] of ['a', 'b'].entries()) {
    const rng = createRng(10 + s);
    let ar = 0;
    for (let i = 0; i < DAYS * 24; i++) {
      ar = 0.9 * ar + 0.4 * rng.normal();
      const shift = i >= SHIFT_DAY * 24 ? 8 : 0;
      const temp = 5 + s + shift + 6 * Math.sin((2 * Math.PI * (i - 8)) / 24) + ar;
      out.push({ sensor, ts: T0 + i * H, temp: Math.round(temp * 100) / 100, pressure: 1010 - 3 * ar });
    }
  }
  return out;
}

const round: Partial<RoundOptions> = {
  maxSteps: 40,
  batchSize: 16,
  learningRate: 5e-3,
  sampling: { contextLength: 36, validationSteps: 48, windows: 800, recentSteps: 24 * 5, recentShare: 0.7 },
};

let dir: string;
let store: Store;
let initial: SavedModel;

beforeAll(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'wx-train-'));
  store = openStore(join(dir, 'db.sqlite'));
  store.readings.insertBatch(readings(), 0);
  const model = Seq2Seq.create({ hidden: 12, seed: 3 });
  initial = saveModel(model);
  model.dispose();
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(options: Partial<TrainerOptions>, db: Store = store, scheduler?: VirtualTimeScheduler) {
  const version = db.models.insert({ status: 'champion', config: initial.config, weights: initial.weights });
  const models: Seq2Seq[] = [];
  const forecasterFor = (saved: SavedModel) => {
    const model = loadModel(saved.config, saved.weights);
    models.push(model);
    return { forecaster: new RnnForecaster({ model }) };
  };
  const host = new SwappableModelHost(version, forecasterFor(initial).forecaster);
  // As the server wires it: the trainer promotes through the registry, the follower serves what it promoted.
  const registry = new SqliteModelRegistry({ models: db.models, scheduler: scheduler ?? asyncScheduler, pollMs: 0 });
  const stopFollowing = followChampion({ registry, host, build: (c) => forecasterFor(c as SavedModel), log, slicedLocal: options.mode === 'worker' });
  const ctx = { store: db, registry, host, rules, log, ...(scheduler ? { scheduler } : {}) };
  const trainer = new Trainer(ctx, { mode: 'inline', trainEvery: 0, round, ...options });
  const cleanup = async () => {
    stopFollowing();
    await trainer.close();
    host.takeSwap();
    models.forEach((m) => m.dispose());
  };
  return { version, host, trainer, cleanup };
}

/** MAE of a saved model on windows whose origins lie in the new regime's last days. */
function newRegimeMae(saved: SavedModel): number {
  const model = loadModel(saved.config, saved.weights);
  const series = loadHistory(store.readings, ['a', 'b'], { from: T0, to: T0 + DAYS * 24 * H }, rules);
  const windows = [...series.values()].flatMap((s) =>
    buildWindows(s, { config: model.config, contextLength: 36 }).filter((w) => w.origin >= T0 + (DAYS - 3) * 24 * H),
  );
  const mae = scoreWindows(model, windows).mae;
  model.dispose();
  return mae;
}

describe('online training', () => {
  it('adapts to a regime change: the promoted model beats the initial one on the new regime', async () => {
    const { version, host, trainer, cleanup } = setup({});
    const before = tf.memory().numTensors;
    for (const day of [29, 33]) await trainer.start(T0 + day * 24 * H);
    expect(trainer.stats.rounds).toBe(2);
    expect(trainer.stats.promoted).toBeGreaterThanOrEqual(1);
    const champion = store.models.champion()!;
    expect(champion.version).toBeGreaterThan(version);
    expect(champion.parent).not.toBeNull();
    expect(host.takeSwap()).toBeDefined();
    expect(host.modelVersion).toBe(champion.version);
    const gain = newRegimeMae(initial) - newRegimeMae({ config: champion.config as never, weights: champion.weights });
    expect(gain).toBeGreaterThan(0.1);
    // Every candidate is recorded with its metrics and lineage.
    const rows = store.models.list().filter((r) => r.version > version);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect((r.metrics as { reason: string }).reason).toMatch(/validation MAE/);
    await cleanup();
    // Rounds release every tensor they create (the swapped-in models are disposed by cleanup).
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it.each(['nan', 'explode'] as const)('rejects a poisoned round (%s) and keeps the champion', async (poison) => {
    const { version, host, trainer, cleanup } = setup({ poison, round: { ...round, maxSteps: 8 } });
    const r = await trainer.start(T0 + 30 * 24 * H);
    expect(r?.decision).toBe('rejected');
    expect(r?.reason).toMatch(poison === 'nan' ? /non-finite/ : /worse than the champion/);
    expect(store.models.champion()!.version).toBe(version);
    expect(host.takeSwap()).toBeUndefined();
    expect(trainer.stats.rejected).toBe(1);
    await cleanup();
  });

  it('is reproducible: the same cutoff gives bit-identical candidate weights', async () => {
    const quick = { round: { ...round, maxSteps: 8 } };
    const a = setup(quick);
    const ra = await a.trainer.start(T0 + 30 * 24 * H);
    await a.cleanup();
    const b = setup(quick);
    const rb = await b.trainer.start(T0 + 30 * 24 * H);
    await b.cleanup();
    expect(Buffer.compare(Buffer.from(ra!.candidate!.weights), Buffer.from(rb!.candidate!.weights))).toBe(0);
  });

  it('runs rounds in a worker thread, off the event loop', async () => {
    const { trainer, cleanup } = setup({ mode: 'worker', round: { ...round, maxSteps: 8 } });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const r = await trainer.start(T0 + 30 * 24 * H);
    clearInterval(timer);
    expect(r?.candidate).toBeDefined();
    expect(['promoted', 'rejected']).toContain(r?.decision);
    // The event loop kept turning while the worker trained (an inline round would block it throughout).
    expect(ticks).toBeGreaterThan(5);
    await cleanup();
  });

  it('pipelined: a round learns from what was committed when it started and serves from the next round', async () => {
    const cutoff = T0 + 30 * 24 * H;
    const early = readings().filter((r) => r.ts < T0 + 27 * 24 * H);
    const late = readings().filter((r) => r.ts >= T0 + 27 * 24 * H && r.ts <= cutoff);
    const quick = { round: { ...round, maxSteps: 8 } };
    const local = (name: string): Store => {
      const db = openStore(join(dir, name));
      db.readings.insertBatch(early, 0);
      return db;
    };
    // Reference: an inline round over the early readings only.
    const refDb = local('ref.sqlite');
    const ref = setup(quick, refDb);
    const expected = await ref.trainer.start(cutoff);
    await ref.cleanup();
    refDb.close();

    const db = local('pipelined.sqlite');
    const { version, host, trainer, cleanup } = setup({ ...quick, mode: 'pipelined' }, db);
    // Returns once the worker has pinned its snapshot, with the previous round's result (none yet); the round
    // itself is still in the worker (an inline round would be applied and done here).
    expect(await trainer.start(cutoff)).toBeUndefined();
    expect(trainer.busy).toBe(true);
    expect(trainer.stats.rounds).toBe(0);
    // Written after the round started, though before its cutoff: the round must not see them.
    db.readings.insertBatch(late, 0);
    // Nothing swaps before the next round starts, however long ago this one finished.
    expect(host.nextVersion).toBe(version);
    const first = await trainer.start(cutoff + 24 * H);
    expect(first?.cutoff).toBe(cutoff);
    expect(Buffer.compare(Buffer.from(first!.candidate!.weights), Buffer.from(expected!.candidate!.weights))).toBe(0);
    expect(first?.decision).toBe(expected?.decision);
    if (first?.decision === 'promoted') expect(host.nextVersion).toBeGreaterThan(version);
    // close() collects the round still in the worker.
    await cleanup();
    expect(trainer.stats.rounds).toBe(2);
    db.close();
  });

  it('skips a round without enough data', async () => {
    const { trainer, cleanup } = setup({});
    const r = await trainer.start(T0 + 2 * 24 * H);
    expect(r?.decision).toBe('skipped');
    expect(trainer.stats.skipped).toBe(1);
    await cleanup();
  });

  it('worker mode: starts a round by the wall clock once intervalMs passed since the last, on the injected scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { trainer, cleanup } = setup({ mode: 'worker', intervalMs: 1_000 }, store, scheduler);
    const start = vi.spyOn(trainer, 'start').mockResolvedValue(undefined);
    scheduler.maxFrames = 1_000;
    scheduler.flush();
    expect(start).not.toHaveBeenCalled(); // nothing streamed yet: no cut-off to train to
    const t = T0 + 30 * 24 * H;
    trainer.onSteps(2, t);
    scheduler.maxFrames = 1_999;
    scheduler.flush();
    expect(start).not.toHaveBeenCalled();
    scheduler.maxFrames = 2_000;
    scheduler.flush();
    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith(t);
    await cleanup();
    expect(scheduler.actions).toHaveLength(0);
  });
});

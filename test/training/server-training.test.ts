import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, filter, firstValueFrom, startWith, timeout } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type Forecast } from '../../client/index.js';
import { forecasterFromWeights, saveModel, Seq2Seq } from '../../src/model/index.js';
import { startServer } from '../../src/server/index.js';
import type { ForecasterFactory } from '../../src/server/default-model.js';
import { createRng } from '../../src/random.js';

const H = 3_600_000;
const T0 = Date.UTC(2021, 0, 1);
const dirs: string[] = [];

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A small seeded model saved as the database's champion, so rounds stay fast. */
const smallModel: ForecasterFactory = async ({ store }) => {
  const model = Seq2Seq.create({ hidden: 8, seed: 5 });
  const saved = saveModel(model);
  const version = store.models.insert({ status: 'champion', config: saved.config, weights: saved.weights });
  return { version, ...forecasterFromWeights(model) };
};

function history(days: number) {
  const out = [];
  for (const sensor of ['a', 'b']) {
    const rng = createRng(sensor === 'a' ? 1 : 2);
    let ar = 0;
    for (let i = 0; i < days * 24; i++) {
      ar = 0.9 * ar + 0.4 * rng.normal();
      out.push({ sensor, ts: T0 + i * H, temp: Math.round((8 + 6 * Math.sin((2 * Math.PI * i) / 24) + ar) * 100) / 100 });
    }
  }
  return out.sort((x, y) => x.ts - y.ts || x.sensor.localeCompare(y.sensor));
}

/** Replay 16 days through a real socket with inline training every 4 days; collect every forecast. */
async function replay(): Promise<Forecast[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wx-srv-train-'));
  dirs.push(dir);
  const server = await startServer({
    port: 0,
    db: join(dir, 'db.sqlite'),
    forecaster: smallModel,
    training: {
      mode: 'inline',
      trainEvery: 2 * 24 * 4,
      round: { maxSteps: 4, batchSize: 8, sampling: { contextLength: 24, validationSteps: 24, windows: 64 }, margin: 10 },
    },
  });
  const client = await connect(server.url);
  const got: Forecast[] = [];
  const arrived = new Subject<void>();
  const sub = client.forecasts('*').subscribe((f) => {
    got.push(f);
    arrived.next();
  });
  const readings = history(16);
  // One frame in flight at a time: the server sees the same batches in every run (see docs/training.md).
  for (let i = 0; i < readings.length; i += 24) await client.push(readings.slice(i, i + 24));
  // The last reading of each sensor is on the hour: it closes its step, and that forecast is the last one sent
  // (after the ack, on the same socket). Waiting for both replaces a wall-clock pause.
  const lastOrigin = readings[readings.length - 1]!.ts;
  await firstValueFrom(
    arrived.pipe(
      startWith(undefined),
      filter(() => ['a', 'b'].every((s) => got.some((f) => f.sensor === s && f.origin === lastOrigin))),
      timeout(10_000),
    ),
  );
  sub.unsubscribe();
  await client.close();
  const versions = server.store.models.list();
  await server.close();
  expect(versions.length).toBeGreaterThanOrEqual(3);
  return got;
}

describe('online training inside the server', () => {
  it('swaps versions mid-stream, labels every forecast, and replays reproducibly', async () => {
    const first = await replay();
    const versions = [...new Set(first.map((f) => f.modelVersion))];
    expect(versions.length).toBeGreaterThanOrEqual(3);
    // Versions only move forward along the stream, per sensor.
    for (const s of ['a', 'b']) {
      const v = first.filter((f) => f.sensor === s).map((f) => f.modelVersion);
      expect(v).toEqual([...v].sort((x, y) => x - y));
    }
    const second = await replay();
    expect(second.length).toBe(first.length);
    const key = (f: Forecast) => `${f.sensor}@${f.origin}`;
    const byKey = new Map(second.map((f) => [key(f), f]));
    for (const f of first) {
      const g = byKey.get(key(f));
      expect(g?.modelVersion).toBe(f.modelVersion);
      expect(g?.points.map((p) => p.p50)).toEqual(f.points.map((p) => p.p50));
    }
  });
});

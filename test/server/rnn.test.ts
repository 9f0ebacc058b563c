// The server on the real recurrent model (default wiring): champion from the database, or a seeded one saved as v1.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import { rnnFactory, startServer } from '../../src/server/index.js';
import { Client, hourly, isAck, isForecast, tempDb } from './helpers.js';

let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

type Forecast = Extract<ServerMessage, { type: 'forecast' }>;

async function pushAndCollect(url: string, readings: ReturnType<typeof hourly>, lastOrigin: string): Promise<Forecast[]> {
  const client = await Client.connect(url);
  client.send({ type: 'subscribe', sensors: '*' });
  for (let i = 0; i < readings.length; i += 20) {
    client.send({ type: 'push', id: `p${i}`, readings: readings.slice(i, i + 20) });
    await client.waitFor(isAck(`p${i}`));
  }
  for (const sensor of ['r1', 'r2']) {
    await client.waitFor((m): m is Forecast => isForecast(m) && m.sensor === sensor && m.origin === lastOrigin);
  }
  await client.close();
  return client.messages.filter(isForecast);
}

describe('default wiring to the RNN', () => {
  it('creates a seeded model as version 1, serves quantile forecasts, and restarts on the stored champion', async () => {
    const all = hourly(['r1', 'r2'], 0, 48);
    const lastOrigin = '2016-03-02T23:00:00.000Z';

    const first = await startServer({ port: 0, db: db.path, snapshotSeconds: 0 });
    expect(first.modelHost.modelVersion).toBe(1);
    expect(first.modelHost.forecaster.name).toBe('rnn');
    const before = await pushAndCollect(first.url, all.slice(0, 40), '2016-03-01T19:00:00.000Z');
    await first.close();

    const rows = new Database(db.path, { readonly: true });
    expect(rows.prepare("SELECT version, status FROM model_versions").all()).toEqual([{ version: 1, status: 'champion' }]);
    rows.close();

    const second = await startServer({ port: 0, db: db.path, snapshotSeconds: 0 });
    expect(second.modelHost.modelVersion).toBe(1);
    const after = await pushAndCollect(second.url, all.slice(40), lastOrigin);
    await second.close();

    for (const f of [...before, ...after]) {
      expect(f.modelVersion).toBe(1);
      expect(f.points).toHaveLength(24);
      for (const p of f.points) {
        expect(Number.isFinite(p.mean)).toBe(true);
        expect(p.p10).toBeLessThanOrEqual(p.p50);
        expect(p.p50).toBeLessThanOrEqual(p.p90);
      }
    }
    expect(after.some((f) => f.origin === lastOrigin)).toBe(true);

    // Restart continuity on the real model: the same forecasts as a run that never stopped.
    const ref = tempDb();
    const straight = await startServer({ port: 0, db: ref.path, snapshotSeconds: 0 });
    const expected = await pushAndCollect(straight.url, all, lastOrigin);
    await straight.close();
    ref.cleanup();
    const key = (f: Forecast) => `${f.sensor}@${f.origin}`;
    const want = new Map(expected.map((f) => [key(f), f.points]));
    for (const f of after) {
      const w = want.get(key(f))!;
      f.points.forEach((p, k) => {
        expect(p.mean).toBeCloseTo(w[k]!.mean, 5);
        expect(p.p90).toBeCloseTo(w[k]!.p90, 5);
      });
    }
  });
});

describe('shipped default weights', () => {
  it('a new database starts from the shipped weights (saved as version 1) when they match step and horizon', async () => {
    const m = await import('../../src/model/index.js');
    await m.initBackend();
    const dir = tempDb();
    const base = dir.path.replace(/wx\.db$/, 'shipped');
    const model = m.Seq2Seq.create({ hidden: 8, seed: 7 });
    await m.writeModelFiles(model, base);
    const expected = m.saveModel(model).weights;
    model.dispose();
    const server = await startServer({ port: 0, db: db.path, snapshotSeconds: 0, forecaster: rnnFactory({ shippedWeights: base }) });
    try {
      expect(server.store.models.champion()).toMatchObject({ version: 1, metrics: { source: 'shipped default weights' } });
      expect(server.store.models.champion()!.weights).toEqual(expected);
    } finally {
      await server.close();
      dir.cleanup();
    }
  });
});

describe('declared station offset (stationUtcOffset)', () => {
  it('starts a new sensor on the clock its stations\' offset suggests, shown in GET /v1/sensors', async () => {
    const server = await startServer({ port: 0, db: db.path, snapshotSeconds: 0, stationUtcOffset: '+01:00' });
    try {
      const client = await Client.connect(server.url);
      client.send({ type: 'push', id: 'p', readings: hourly(['r1'], 0, 3) });
      await client.waitFor(isAck('p'));
      await client.close();
      const body = (await (await fetch(`${server.httpUrl}/v1/sensors`)).json()) as { sensors: Array<{ clockShiftHours: number | null }> };
      // Shipped weights learnt Beijing (UTC+8): a station at UTC+1 is read 7 hours earlier from its first step.
      expect(body.sensors[0].clockShiftHours).toBe(-7);
    } finally {
      await server.close();
    }
  });

  it('refuses a malformed offset naming the option', async () => {
    await expect(startServer({ port: 0, db: db.path, stationUtcOffset: '+1' })).rejects.toThrow(/"stationUtcOffset"/);
  });
});

describe('declared southern stations (stationHemisphere)', () => {
  it("forecast a southern station exactly as the weights forecast its readings half a year later (their seasons)", async () => {
    const readings = hourly(['r1', 'r2'], 0, 30);
    const DAY = 86_400_000;
    const later = readings.map((r) => ({ ...r, ts: new Date(Date.parse(r.ts) + 182 * DAY).toISOString() }));
    const lastOrigin = '2016-03-02T05:00:00.000Z';
    const other = tempDb();
    const south = await startServer({ port: 0, db: db.path, snapshotSeconds: 0, stationHemisphere: 'south' });
    const north = await startServer({ port: 0, db: other.path, snapshotSeconds: 0 });
    try {
      const a = (await pushAndCollect(south.url, readings, lastOrigin)).filter((f) => f.origin === lastOrigin);
      const b = (await pushAndCollect(north.url, later, new Date(Date.parse(lastOrigin) + 182 * DAY).toISOString())).filter(
        (f) => Date.parse(f.origin) === Date.parse(lastOrigin) + 182 * DAY,
      );
      expect(a).toHaveLength(2);
      expect(a.map((f) => f.points.map((p) => p.p50))).toEqual(b.map((f) => f.points.map((p) => p.p50)));
      // And not what the northern seasons give the same readings.
      const third = tempDb();
      const plain = await startServer({ port: 0, db: third.path, snapshotSeconds: 0 });
      try {
        const c = (await pushAndCollect(plain.url, readings, lastOrigin)).filter((f) => f.origin === lastOrigin);
        expect(c.map((f) => f.points.map((p) => p.p50))).not.toEqual(a.map((f) => f.points.map((p) => p.p50)));
      } finally {
        await plain.close();
        third.cleanup();
      }
    } finally {
      await south.close();
      await north.close();
      other.cleanup();
    }
  }, 60_000);

  it('refuses another hemisphere naming the option', async () => {
    await expect(startServer({ port: 0, db: db.path, stationHemisphere: 'east' as never })).rejects.toThrow(/"stationHemisphere" must be "north" or "south"/);
  });
});

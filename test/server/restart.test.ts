import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import type { RunningServer, StartServerOptions } from '../../src/server/index.js';
import { Client, H, isAck, isForecast, startFake, tempDb } from './helpers.js';

const BASE = Date.UTC(2016, 2, 1);
type Frame = { sensor: string; ts: number; temp: number }[];

/** Two sensors at :15 and :45 (and :00 every third hour), in frames of 10 readings, ending on the hour. */
function frames(hours: number): Frame[] {
  const readings: Frame = [];
  for (let h = 0; h < hours; h++) {
    for (const minute of h % 3 === 0 ? [0, 15, 45] : [15, 45]) {
      for (const [i, sensor] of ['p', 'q'].entries()) {
        const ts = BASE + h * H + minute * 60_000;
        readings.push({ sensor, ts, temp: Math.round(100 * (i + 8 * Math.sin(ts / (4 * H)))) / 100 });
      }
    }
  }
  readings.push({ sensor: 'p', ts: BASE + hours * H, temp: 1 }, { sensor: 'q', ts: BASE + hours * H, temp: 2 });
  const out: Frame[] = [];
  for (let i = 0; i < readings.length; i += 10) out.push(readings.slice(i, i + 10));
  return out;
}

type Forecasts = Map<string, unknown>;

async function feed(url: string, batch: Frame[], into: Forecasts, untilOrigin?: number): Promise<void> {
  const client = await Client.connect(url);
  client.send({ type: 'subscribe', id: 'all', sensors: '*' });
  await client.waitFor((m): m is ServerMessage => m.type === 'subscribed');
  for (const [i, readings] of batch.entries()) {
    client.send({ type: 'push', id: `f${i}`, readings });
    await client.waitFor(isAck(`f${i}`));
  }
  if (untilOrigin !== undefined) {
    for (const sensor of ['p', 'q']) {
      await client.waitFor(
        (m): m is ServerMessage => isForecast(m) && m.sensor === sensor && Date.parse(m.origin) === untilOrigin,
      );
    }
  }
  for (const m of client.messages.filter(isForecast)) into.set(`${m.sensor}@${m.origin}`, m.points);
  await client.close();
}

/**
 * The same forecasts, origin by origin. Exact, except that the forecast a subscriber gets at once after the restart
 * is the stored one (as served before the stop, kept in float32), not a fresh decode.
 */
function expectSameForecasts(got: Forecasts, expected: Forecasts): void {
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  let inexact = 0;
  for (const [key, want] of expected) {
    const points = got.get(key) as Array<Record<string, number | string>>;
    if (JSON.stringify(points) === JSON.stringify(want)) continue;
    inexact += 1;
    (want as Array<Record<string, number | string>>).forEach((w, k) => {
      for (const [field, v] of Object.entries(w)) {
        if (typeof v === 'number') expect(points[k]![field]).toBeCloseTo(v, 5);
        else expect(points[k]![field]).toBe(v);
      }
    });
  }
  expect(inexact).toBeLessThanOrEqual(2); // one per sensor: the latest at the restart
}

let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

async function uninterrupted(all: Frame[], last: number, options: StartServerOptions = {}): Promise<Forecasts> {
  const ref = tempDb();
  const server = await startFake(ref.path, options);
  const out: Forecasts = new Map();
  try {
    await feed(server.url, all, out, last);
  } finally {
    await server.close();
    ref.cleanup();
  }
  return out;
}

describe('restart continuity', () => {
  const all = frames(72);
  const last = BASE + 72 * H;
  // Cut where a bucket is half full (the frame ends on a :15 reading of "p"): the open bucket must survive.
  const cut = all.findIndex((f, i) => i > all.length / 2 && f.at(-1)!.ts % H === 15 * 60_000) + 1;

  it('a graceful stop mid-stream and a start on the same database continue exactly like an uninterrupted run', async () => {
    expect(cut).toBeGreaterThan(1);
    const expected = await uninterrupted(all, last);

    const got: Forecasts = new Map();
    const first = await startFake(db.path);
    await feed(first.url, all.slice(0, cut), got);
    await first.close();
    const states = new Database(db.path, { readonly: true });
    expect(states.prepare('SELECT count(*) FROM sensor_state').pluck().get()).toBe(2);
    states.close();

    const second = await startFake(db.path);
    await feed(second.url, all.slice(cut), got, last);
    await second.close();

    expectSameForecasts(got, expected);
  });

  it('every partition revoked and assigned again mid-bucket on a running server continues exactly', async () => {
    const expected = await uninterrupted(all, last);
    const got: Forecasts = new Map();
    const server = await startFake(db.path);
    try {
      await feed(server.url, all.slice(0, cut), got);
      const every = Array.from({ length: server.config.partitions }, (_, i) => i);
      expect(server.service.revoke(every)).toBe(2);
      expect(server.service.keeper.sensors()).toEqual([]);
      // Nobody owns the sensors now: their readings are another node's.
      const c = await Client.connect(server.url);
      c.send({ type: 'push', id: 'x', readings: [{ sensor: 'p', ts: '2016-03-10T00:00:00Z', temp: 1 }] });
      expect((await c.waitFor(isAck('x'))).rejected.map((r) => r.code)).toEqual(['not_owner']);
      await c.close();
      expect(server.service.assign(every)).toEqual({ snapshot: 2, rebuilt: 0, empty: 0 });
      await feed(server.url, all.slice(cut), got, last);
    } finally {
      await server.close();
    }
    expectSameForecasts(got, expected);
  });

  it('a restart keeps the forecasts waiting for verification: every one is scored once, as without a stop', async () => {
    const scored = (server: RunningServer) => server.service.skill.report('p').steps.map((s) => s.n);
    const ref = tempDb();
    const whole = await startFake(ref.path);
    await feed(whole.url, all, new Map(), last);
    const expected = scored(whole);
    await whole.close();
    ref.cleanup();

    const first = await startFake(db.path);
    await feed(first.url, all.slice(0, cut), new Map());
    const before = scored(first);
    await first.close();
    const second = await startFake(db.path);
    await feed(second.url, all.slice(cut), new Map(), last);
    const after = scored(second);
    await second.close();
    expect(expected.some((n) => n > 0)).toBe(true);
    expect(before.map((n, k) => n + after[k]!)).toEqual(expected);
  });

  it('after a crash (no snapshots) rebuilds state by re-encoding stored readings', async () => {
    const options = { warmupSteps: 1000 };
    const expected = await uninterrupted(all, last, options);

    const got: Forecasts = new Map();
    const first = await startFake(db.path, options);
    await feed(first.url, all.slice(0, cut), got);
    await first.close();
    // Simulate the crash: the snapshots never got written.
    const w = new Database(db.path);
    w.prepare('DELETE FROM sensor_state').run();
    w.close();

    const second = await startFake(db.path, options);
    await feed(second.url, all.slice(cut), got, last);
    await second.close();
    expectSameForecasts(got, expected);
  });
});

describe('plausibility across a restart', () => {
  it('a stuck run that began before a graceful stop is flagged when it reaches the limit after the start', async () => {
    const at = (h: number, temp: number) => ({ sensor: 'st', ts: new Date(BASE + h * H).toISOString(), temp });
    const first = await startFake(db.path);
    let c = await Client.connect(first.url);
    c.send({ type: 'push', id: 'a', readings: [...Array.from({ length: 20 }, (_, h) => at(h, 5 + Math.sin(h))), ...Array.from({ length: 8 }, (_, i) => at(20 + i, 3.3))] });
    await c.waitFor(isAck('a'));
    await c.close();
    await first.close();
    const second = await startFake(db.path);
    try {
      c = await Client.connect(second.url);
      // Four more of the same value: twelve in a row, the stuck limit, across the stop.
      c.send({ type: 'push', id: 'b', readings: Array.from({ length: 4 }, (_, i) => at(28 + i, 3.3)) });
      await c.waitFor(isAck('b'));
      await c.close();
      expect(second.store.faults.ranges('st', 0, Infinity)).toEqual([{ sensor: 'st', kind: 'stuck', from: BASE + 20 * H, to: BASE + 31 * H }]);
    } finally {
      await second.close();
    }
  });
});

describe('issued forecast retention', () => {
  it('prunes stored forecasts older than the retention, counted in event time', async () => {
    const server = await startFake(db.path, { forecastRetentionDays: 1 });
    const got: Forecasts = new Map();
    await feed(server.url, frames(72), got, BASE + 72 * H);
    await server.close();
    const rows = new Database(db.path, { readonly: true });
    const oldest = rows.prepare('SELECT min(origin) FROM issued_forecasts').pluck().get() as number;
    rows.close();
    expect(oldest).toBe(BASE + 48 * H);
  });
});

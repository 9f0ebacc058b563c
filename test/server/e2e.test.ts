import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';
import { Client, ManualClock, hourly, isAck, isForecast, startFake, serverPerTest } from './helpers.js';

const isSubscribed =
  (id: string) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: 'subscribed' | 'unsubscribed' }> =>
    (m.type === 'subscribed' || m.type === 'unsubscribed') && m.id === id;

const ctx = serverPerTest();

describe('end to end over a real socket', () => {
  it('acks after commit, then streams forecasts of horizon ordered points to a subscriber', async () => {
    ctx.server = await startFake(ctx.db.path);
    expect(ctx.server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/stream$/);
    const client = await Client.connect(ctx.server.url);
    const readings = hourly(['st-1', 'st-2'], 0, 72);
    const reader = new Database(ctx.db.path, { readonly: true });
    try {
      for (let i = 0; i < readings.length; i += 48) {
        const id = `c${i}`;
        client.send({ type: 'push', id, readings: readings.slice(i, i + 48) });
        const ack = await client.waitFor(isAck(id));
        expect(ack).toEqual({ type: 'ack', id, accepted: 48, duplicates: 0, rejected: [] });
        // The ack comes only after the commit: the rows are visible to another connection right away.
        const n = reader.prepare('SELECT count(*) FROM readings').pluck().get();
        expect(n).toBe(i + 48);
      }
    } finally {
      reader.close();
    }

    const mark = client.messages.length;
    client.send({ type: 'subscribe', id: 's1', sensors: ['st-1', 'st-2'] });
    // A new subscriber gets each sensor's latest forecast at once.
    const first = await client.waitCount((m) => isForecast(m), 2);
    expect(client.messages[mark]).toEqual({ type: 'subscribed', id: 's1', sensors: ['st-1', 'st-2'] });
    const origin = Date.UTC(2016, 2, 1) + 71 * 3_600_000;
    for (const f of first.filter(isForecast)) {
      expect(Date.parse(f.origin)).toBe(origin);
      expect(f.stepSeconds).toBe(3600);
      expect(f.modelVersion).toBe(1);
      expect(f.points).toHaveLength(24);
      f.points.forEach((p, k) => {
        expect(Date.parse(p.ts)).toBe(origin + (k + 1) * 3_600_000);
        expect(p.p10).toBeLessThanOrEqual(p.p50);
        expect(p.p50).toBeLessThanOrEqual(p.p90);
      });
    }

    // Then every new one: an on-the-hour reading closes its step at once.
    client.send({ type: 'push', id: 'next', readings: hourly(['st-1'], 72, 1) });
    await client.waitFor(isAck('next'));
    const fresh = await client.waitFor(
      (m): m is Extract<typeof m, { type: 'forecast' }> => isForecast(m) && Date.parse(m.origin) === origin + 3_600_000,
    );
    expect(fresh.sensor).toBe('st-1');
    await client.close();
  });

  it('keeps valid readings of a frame with rejected ones and reports duplicates', async () => {
    ctx.server = await startFake(ctx.db.path);
    const client = await Client.connect(ctx.server.url);
    const [a, b] = hourly(['x'], 0, 2);
    client.send({ type: 'push', id: 'p1', readings: [a, { sensor: 'x', ts: 'nope', temp: 1 }, b, a] });
    const ack = await client.waitFor(isAck('p1'));
    expect(ack.accepted).toBe(2);
    expect(ack.duplicates).toBe(1);
    expect(ack.rejected).toEqual([{ index: 1, code: 'bad_timestamp', message: expect.any(String) }]);
    client.send({ type: 'push', id: 'p2', readings: [a] });
    expect(await client.waitFor(isAck('p2'))).toMatchObject({ accepted: 0, duplicates: 1 });
    await client.close();
  });

  it('batches pushes from many frames into one transaction and acks each frame', async () => {
    // Ingest commits at the end of the tick: with the clock's due tasks held until all 50 frames were parsed, one
    // transaction takes them all (a commit per push would make 50).
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    clock.hold = true;
    ctx.server = await startFake(ctx.db.path, { scheduler: clock });
    const client = await Client.connect(ctx.server.url);
    const readings = hourly(['a', 'b', 'c', 'd'], 0, 50);
    for (let i = 0; i < 50; i++) client.send({ type: 'push', id: `f${i}`, readings: readings.slice(i * 4, i * 4 + 4) });
    const frames = ctx.server.service.metrics.frames;
    const pushes = async () => (await frames.get()).values.find((v) => v.labels.type === 'push')?.value ?? 0;
    while ((await pushes()) < 50) await new Promise((resolve) => setImmediate(resolve));
    expect(client.messages.filter((m) => m.type === 'ack')).toHaveLength(0); // nothing committed yet
    clock.runDue();
    await client.waitCount((m) => m.type === 'ack', 50);
    const metrics = await (await fetch(`${ctx.server.httpUrl}/metrics`)).text();
    const commits = Number(/wxstream_ingest_commit_seconds_count (\d+)/.exec(metrics)?.[1]);
    expect(metrics).toMatch(/wxstream_readings_accepted_total 200/);
    expect(commits).toBe(1);
    await client.close();
  });
});

describe('issue time', () => {
  it('stamps forecasts decoded for a new subscriber and those of the pipeline alike, on the server clock', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    // Heartbeats run on this clock too: none within the minutes it is moved by, which no pong could keep up with.
    ctx.server = await startFake(ctx.db.path, { scheduler: clock, heartbeatSeconds: 3600 });
    const client = await Client.connect(ctx.server.url);
    client.send({ type: 'push', id: 'a', readings: hourly(['st-1'], 0, 3) });
    await client.waitFor(isAck('a'));
    clock.advance(60_000);
    // Nobody was subscribed: the latest forecast is decoded on demand for the new subscriber.
    client.send({ type: 'subscribe', id: 's', sensors: ['st-1'] });
    const caughtUp = await client.waitFor(isForecast);
    expect(Date.parse(caughtUp.issuedAt)).toBe(clock.now());
    clock.advance(60_000);
    const mark = client.messages.length;
    client.send({ type: 'push', id: 'b', readings: hourly(['st-1'], 3, 1) });
    const live = await client.waitFor(isForecast, mark);
    expect(Date.parse(live.origin)).toBe(Date.parse(caughtUp.origin) + 3_600_000);
    expect(Date.parse(live.issuedAt)).toBe(clock.now());
    await client.close();
  });
});

describe('periodic snapshot', () => {
  it('saves every sensor state each snapshotSeconds of the server clock', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    ctx.server = await startFake(ctx.db.path, { scheduler: clock, snapshotSeconds: 60, heartbeatSeconds: 3600 });
    const client = await Client.connect(ctx.server.url);
    client.send({ type: 'push', id: 'a', readings: hourly(['snap'], 0, 3) });
    await client.waitFor(isAck('a'));
    const { states } = ctx.server.store;
    clock.advance(59_999);
    expect(states.load('snap')).toBeUndefined();
    clock.advance(1);
    expect(states.load('snap')).toMatchObject({ modelVersion: 1, lastClosed: Date.UTC(2016, 2, 1) + 2 * 3_600_000, savedAt: clock.now() });
    client.send({ type: 'push', id: 'b', readings: hourly(['snap'], 3, 1) });
    await client.waitFor(isAck('b'));
    clock.advance(60_000); // and again a period later
    expect(states.load('snap')).toMatchObject({ lastClosed: Date.UTC(2016, 2, 1) + 3 * 3_600_000 });
    await client.close();
  });
});

describe('faults and late data', () => {
  it('stores late readings without rewinding and counts them', async () => {
    ctx.server = await startFake(ctx.db.path);
    const client = await Client.connect(ctx.server.url);
    const [h0, h1, h2, h3] = hourly(['late'], 0, 4);
    client.send({ type: 'push', id: 'a', readings: [h0, h1, h3] });
    await client.waitFor(isAck('a'));
    client.send({ type: 'push', id: 'b', readings: [h2] });
    expect(await client.waitFor(isAck('b'))).toMatchObject({ accepted: 1, duplicates: 0 });
    const sensors = (await (await fetch(`${ctx.server.httpUrl}/v1/sensors`)).json()) as { sensors: Array<{ late: number; lastStep: string }> };
    expect(sensors.sensors[0]).toMatchObject({ late: 1, lastStep: h3!.ts });
    await client.close();
  });

  it('keeps forecasting after the model throws once: state is rebuilt from storage', async () => {
    const forecaster = new FakeForecaster();
    const observe = forecaster.observe.bind(forecaster);
    let failures = 1;
    forecaster.observe = (steps) => {
      if (failures-- > 0) throw new Error('boom');
      observe(steps);
    };
    ctx.server = await startFake(ctx.db.path, { forecaster: () => ({ version: 1, forecaster }) });
    const client = await Client.connect(ctx.server.url);
    client.send({ type: 'subscribe', sensors: '*' });
    const readings = hourly(['f'], 0, 6);
    client.send({ type: 'push', id: 'a', readings: readings.slice(0, 3) });
    await client.waitFor(isAck('a'));
    client.send({ type: 'push', id: 'b', readings: readings.slice(3) });
    const last = await client.waitFor(
      (m): m is Extract<typeof m, { type: 'forecast' }> => isForecast(m) && m.origin === readings[5]!.ts,
    );
    expect(forecaster.states.get('f')).toMatchObject({ n: 6 });
    expect(last.points).toHaveLength(24);
    await client.close();
  });
});

describe('model swap', () => {
  it('serves a swapped-in model from the next tick, re-warmed from stored history', async () => {
    ctx.server = await startFake(ctx.db.path);
    const client = await Client.connect(ctx.server.url);
    client.send({ type: 'subscribe', sensors: '*' });
    const readings = hourly(['m'], 0, 10);
    client.send({ type: 'push', id: 'a', readings: readings.slice(0, 8) });
    await client.waitFor(isAck('a'));
    const next = new FakeForecaster(3_600_000, 24, 'fake/v2');
    let released = 0;
    ctx.server.modelHost.swap(2, next, () => released++);
    client.send({ type: 'push', id: 'b', readings: readings.slice(8) });
    const f = await client.waitFor(
      (m): m is Extract<typeof m, { type: 'forecast' }> => isForecast(m) && m.origin === readings[9]!.ts,
    );
    expect(f.modelVersion).toBe(2);
    expect(next.states.get('m')).toMatchObject({ n: 10 });
    await client.close();
    await ctx.server.close();
    ctx.server = undefined;
    expect(released).toBe(1);
  });
});

describe('live grace timer', () => {
  it('closes a live bucket when the clock passes its end plus grace, without a later reading', async () => {
    // A 1-second grid and 1 s of grace on a virtual clock: the bucket of a reading stamped now closes exactly at its
    // end plus grace. (A bucket first seen after its deadline is treated as backfill and waits for a later reading.)
    const now = Date.UTC(2024, 0, 1, 12);
    const clock = new ManualClock(now);
    ctx.server = await startFake(ctx.db.path, {
      stepSeconds: 1,
      graceSeconds: 1,
      scheduler: clock,
      forecaster: () => ({ version: 1, forecaster: new FakeForecaster(1000, 24) }),
    });
    const client = await Client.connect(ctx.server.url);
    client.send({ type: 'subscribe', id: 's', sensors: ['live'] });
    await client.waitFor(isSubscribed('s'));
    const end = now + 1000;
    client.send({ type: 'push', id: 'now', readings: [{ sensor: 'live', ts: now + 400, temp: 3 }] });
    await client.waitFor(isAck('now'));
    clock.advance(end + 1000 - 1 - clock.now());
    // A round trip on the same socket: anything sent before its answer has arrived by then.
    client.send({ type: 'unsubscribe', id: 'probe', sensors: ['other'] });
    await client.waitFor(isSubscribed('probe'));
    expect(client.messages.filter(isForecast)).toHaveLength(0);
    clock.advance(1);
    const f = await client.waitFor(isForecast);
    expect(Date.parse(f.origin)).toBe(end);
    await client.close();
  });
});

describe('a model that always fails', () => {
  it('never stops ingestion: pushes are still stored and acked', async () => {
    const forecaster = new FakeForecaster();
    forecaster.observe = () => {
      throw new Error('broken model');
    };
    ctx.server = await startFake(ctx.db.path, { forecaster: () => ({ version: 1, forecaster }) });
    const client = await Client.connect(ctx.server.url);
    const readings = hourly(['x'], 0, 6);
    for (let i = 0; i < 3; i++) {
      client.send({ type: 'push', id: `p${i}`, readings: readings.slice(i * 2, i * 2 + 2) });
      expect(await client.waitFor(isAck(`p${i}`))).toMatchObject({ accepted: 2 });
    }
    await client.close();
  });
});

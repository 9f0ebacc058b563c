import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';
import { Client, hourly, isAck, isForecast, startFake, tempDb } from './helpers.js';

let db: ReturnType<typeof tempDb>;
let server: RunningServer;
beforeEach(async () => {
  db = tempDb();
  // Long forecasts (horizon 200, ~20 kB a frame) fill the loopback socket buffers with few forecasts.
  server = await startFake(db.path, {
    highWaterBytes: 64 * 1024,
    maxReadingsPerFrame: 1000,
    horizon: 200,
    forecaster: () => ({ version: 1, forecaster: new FakeForecaster(3_600_000, 200) }),
  });
});
afterEach(async () => {
  await server.close();
  db.cleanup();
});

describe('slow subscribers', () => {
  it('never stall ingestion or other clients, and get the newest forecast per sensor when they catch up', async () => {
    const sensors = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const hours = 80;
    const slow = await Client.connect(server.url);
    const fast = await Client.connect(server.url);
    for (const c of [slow, fast]) {
      c.send({ type: 'subscribe', id: 'sub', sensors: '*' });
      await c.waitFor((m): m is ServerMessage => m.type === 'subscribed');
    }
    // The slow client stops reading its socket: the server's writes pile up.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    const pusher = await Client.connect(server.url);
    const readings = hourly(sensors, 0, hours);
    const frames = Math.ceil(readings.length / 1000);
    for (let i = 0; i < frames; i++) pusher.send({ type: 'push', id: `p${i}`, readings: readings.slice(i * 1000, (i + 1) * 1000) });
    await pusher.waitFor(isAck(`p${frames - 1}`), 0, 30_000);
    const lastOrigin = new Date(Date.UTC(2016, 2, 1) + (hours - 1) * 3_600_000).toISOString();
    await fast.waitCount((m) => isForecast(m) && m.origin === lastOrigin, sensors.length, 30_000);

    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const coalesced = Number(/wxstream_forecasts_coalesced_total (\d+)/.exec(metrics)?.[1]);
    expect(coalesced).toBeGreaterThan(100);
    const acks = pusher.messages.filter((m) => m.type === "ack");
    expect(acks.every((a) => a.type === "ack" && a.rejected.length === 0)).toBe(true);

    // Catching up, the slow client ends with the newest forecast of every sensor.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await slow.waitCount((m) => isForecast(m) && m.origin === lastOrigin, sensors.length, 30_000);
    const issued = Number(/wxstream_forecasts_issued_total (\d+)/.exec(metrics)?.[1]);
    expect(issued).toBeGreaterThanOrEqual(sensors.length * hours);
    expect(slow.messages.filter(isForecast).length).toBeLessThan(issued / 2);
    for (const c of [slow, fast, pusher]) await c.close();
  });
});

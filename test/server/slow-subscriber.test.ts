import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { Client, hourly, isAck, isForecast, startFake, tempDb } from './helpers.js';

let db: ReturnType<typeof tempDb>;
let server: RunningServer;
beforeEach(async () => {
  db = tempDb();
  server = await startFake(db.path, { highWaterBytes: 64 * 1024, maxReadingsPerFrame: 1000 });
});
afterEach(async () => {
  await server.close();
  db.cleanup();
});

describe('slow subscribers', () => {
  it('never stall ingestion or other clients, and get the newest forecast per sensor when they catch up', async () => {
    const sensors = Array.from({ length: 60 }, (_, i) => `s${i}`);
    const hours = 150;
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
    expect(coalesced).toBeGreaterThan(1000);
    const acks = pusher.messages.filter((m) => m.type === "ack");
    expect(acks.every((a) => a.type === "ack" && a.rejected.length === 0)).toBe(true);

    // Catching up, the slow client ends with the newest forecast of every sensor.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await slow.waitCount((m) => isForecast(m) && m.origin === lastOrigin, sensors.length, 30_000);
    expect(slow.messages.filter(isForecast).length).toBeLessThan(fast.messages.filter(isForecast).length);
    for (const c of [slow, fast, pusher]) await c.close();
  });
});

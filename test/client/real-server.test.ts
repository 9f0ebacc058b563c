// The SDK against the real server (port 0, temp db): the server goes away mid-stream and comes back on the
// same port and database; no acked or buffered reading may be lost and forecasts must resume.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Ack, type Forecast, type ReadingInput, type WxClient } from '../../client/index.js';
import { createHttpApi } from '../../client/http.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';
import { startTcpProxy } from './tcp-proxy.js';

const H = 3_600_000;
const T0 = Date.UTC(2016, 2, 1);
const SENSORS = ['a', 'b'];

/** Readings at :10, :30 and :50 of each hour, both sensors, in hour-sized frames. */
function hours(from: number, to: number): ReadingInput[][] {
  const frames: ReadingInput[][] = [];
  for (let h = from; h < to; h++) {
    frames.push(
      [10, 30, 50].flatMap((m) =>
        SENSORS.map((sensor, i) => ({ sensor, ts: T0 + h * H + m * 60_000, temp: Math.round(10 * (i + 5 * Math.sin(h / 4))) / 10 })),
      ),
    );
  }
  return frames;
}

let dir: string;
let server: RunningServer;
let client: WxClient | undefined;

const start = (port = 0) =>
  startServer({ port, db: join(dir, 'wx.db'), snapshotSeconds: 0, forecaster: () => ({ version: 1, forecaster: new FakeForecaster() }) });

/** Rows stored for a sensor, read over HTTP straight from the server. */
async function storedCount(sensor: string): Promise<number> {
  const http = createHttpApi({ base: server.httpUrl });
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await http.readings(sensor, cursor === undefined ? {} : { cursor }).catch((e: { code?: string }) => {
      if (e.code === 'not_found') return { readings: [], next: undefined }; // nothing stored yet
      throw e;
    });
    n += page.readings.length;
    cursor = page.next;
  } while (cursor !== undefined);
  return n;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxsdk-'));
  server = await start();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SDK against the real server', () => {
  it('loses no acked or buffered reading across a server restart, and forecasts resume', async () => {
    client = await connect(server.httpUrl, { minDelayMs: 20, maxDelayMs: 200 });
    const forecasts: Forecast[] = [];
    client.forecasts('*').subscribe((f) => forecasts.push(f));

    // Phase 1 is pushed without waiting, then the server goes away under it: some frames are acked,
    // some in flight, some answered `unavailable` while it stops.
    const acks: Promise<Ack>[] = hours(0, 24).map((frame) => client!.push(frame));
    await acks[3];
    const port = server.port;
    await server.close();
    // Phase 2 is pushed while nothing listens: it can only wait in the buffer.
    acks.push(...hours(24, 48).map((frame) => client!.push(frame)));
    expect(client.buffered).toBeGreaterThanOrEqual(24 * 6);
    server = await start(port);

    const results = await Promise.all(acks);
    const total = 48 * 3 * SENSORS.length;
    expect(results.flatMap((a) => a.rejected)).toEqual([]);
    // Frames whose ack was lost are sent again and come back as duplicates: every reading is accounted for.
    expect(results.reduce((n, a) => n + a.accepted + a.duplicates, 0)).toBe(total);
    expect(client.buffered).toBe(0);
    for (const sensor of SENSORS) expect(await storedCount(sensor)).toBe(total / SENSORS.length);

    // Forecasts resume on the restored subscription: the reading at hour 48 closes step 47.
    const resumed = firstValueFrom(client.forecasts(['a']).pipe(filter((f) => f.origin === T0 + 48 * H)));
    await client.push([{ sensor: 'a', ts: T0 + 48 * H + 60_000, temp: 1 }]);
    await expect(resumed).resolves.toMatchObject({ sensor: 'a', origin: T0 + 48 * H });
    expect(forecasts.some((f) => f.origin === T0 + 48 * H)).toBe(true);
  });

  it('re-sends frames whose acks were lost when the link dropped; the server counts them as duplicates', async () => {
    const proxy = await startTcpProxy(server.port);
    try {
      client = await connect(proxy.url, { minDelayMs: 20, maxDelayMs: 200 });
      const total = 12 * 3 * SENSORS.length;
      // The server commits everything but no ack gets back before the link is cut.
      proxy.swallowReplies = true;
      const acks = hours(0, 12).map((frame) => client!.push(frame));
      for (let i = 0; (await storedCount('a')) + (await storedCount('b')) < total; i++) {
        if (i > 200) throw new Error('server never stored the pushed readings');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(client.buffered).toBe(total);
      proxy.cutAll();
      proxy.swallowReplies = false;
      const results = await Promise.all(acks);
      expect(results.reduce((n, a) => n + a.duplicates, 0)).toBe(total);
      expect(results.reduce((n, a) => n + a.accepted, 0)).toBe(0);
      for (const sensor of SENSORS) expect(await storedCount(sensor)).toBe(12 * 3);
    } finally {
      await client?.close();
      await proxy.close();
    }
  });

  it('re-sends what it wrote just before its own socket dropped', async () => {
    client = await connect(server.httpUrl, { minDelayMs: 20, maxDelayMs: 200 });
    const acks = hours(0, 12).map((frame) => client!.push(frame));
    client.dropConnection();
    const results = await Promise.all(acks);
    expect(results.reduce((n, a) => n + a.accepted + a.duplicates, 0)).toBe(12 * 3 * SENSORS.length);
    for (const sensor of SENSORS) expect(await storedCount(sensor)).toBe(12 * 3);
  });
});

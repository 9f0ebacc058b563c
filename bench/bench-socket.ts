// A lean load-generating WebSocket client for the socket benchmarks: raw `ws`, pre-serialized push frames, acks
// matched by id, forecasts recognised by their prefix (sensor and origin read without parsing 24 points), so the
// client's own CPU use stays small next to the server's in the same process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Reading } from '../src/protocol/index.js';
import { startServer, type RunningServer, type StartServerOptions } from '../src/server/index.js';

export type { Reading };

export interface ForecastSeen {
  sensor: string;
  origin: string;
  /** performance.now() when the frame arrived. */
  at: number;
}

const FORECAST = /^\{"type":"forecast","sensor":"([^"]+)","origin":"([^"]+)"/;

export class BenchSocket {
  private readonly waiting = new Map<string, (msg: { type: string }) => void>();
  onForecast: ((f: ForecastSeen) => void) | undefined;
  forecasts = 0;
  errors = 0;
  /** ms spent in this client's message handler (decoding frames, callbacks): the load generator's own cost. */
  busyMs = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      try {
        this.receive(data.toString(), at);
      } finally {
        this.busyMs += performance.now() - at;
      }
    });
  }

  private receive(text: string, at: number): void {
    const m = FORECAST.exec(text);
    if (m) {
      this.forecasts++;
      this.onForecast?.({ sensor: m[1]!, origin: m[2]!, at });
      return;
    }
    const msg = JSON.parse(text) as { type: string; id?: string };
    if (msg.type === 'error') this.errors++;
    const done = msg.id === undefined ? undefined : this.waiting.get(msg.id);
    if (done) {
      this.waiting.delete(msg.id!);
      done(msg);
    }
  }

  static open(url: string): Promise<BenchSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new BenchSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** Send a frame carrying `"id":id` and resolve with its answer (ack, subscribed or error). */
  request<T extends { type: string }>(id: string, frame: string): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (m: { type: string }) => void);
      this.ws.send(frame);
    });
  }

  subscribe(id: string, sensors: readonly string[] | '*'): Promise<{ type: string }> {
    return this.request(id, JSON.stringify({ type: 'subscribe', id, sensors }));
  }

  close(): void {
    this.ws.terminate();
  }
}

export function pushFrame(id: string, readings: readonly Reading[]): string {
  return JSON.stringify({ type: 'push', id, readings });
}

/** A plausible reading of sensor `i` at `ts`: a diurnal cycle per sensor plus noise. */
export function reading(sensor: string, i: number, ts: number): Reading {
  const hour = (ts / 3_600_000) % 24;
  const temp = 10 + (i % 17) + 6 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + Math.random() - 0.5;
  return { sensor, ts, temp: Math.round(temp * 10) / 10, pressure: 1013 + (i % 11), dewpoint: 5 + (i % 7), wind: 3 };
}

export const sensorName = (i: number): string => `st-${String(i).padStart(6, '0')}`;

/** 2016-03-01T00:00Z: event time of generated data (historical, so no future_timestamp and no grace timers). */
export const T0 = Date.UTC(2016, 2, 1);
export const HOUR = 3_600_000;

export interface BenchServer {
  server: RunningServer;
  dir: string;
  stop(): Promise<void>;
}

/** A server on port 0 with a fresh database in a temp folder (removed on stop unless `keep`). */
export async function benchServer(options: Partial<StartServerOptions> = {}, keep = false): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wxbench-'));
  const server = await startServer({ port: 0, db: join(dir, 'bench.db'), snapshotSeconds: 0, ...options });
  return {
    server,
    dir,
    async stop() {
      await server.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Push one on-the-hour reading (event time T0 + hour) for sensors [from, to): each becomes known with one closed
 * step. Frames of 500, `inFlight` unacked at a time.
 */
export async function populate(socket: BenchSocket, from: number, to: number, hour = 1, inFlight = 8): Promise<void> {
  let next = from;
  const lane = async (): Promise<void> => {
    while (next < to) {
      const start = next;
      const end = Math.min(to, start + 500);
      next = end;
      const id = `pop${hour}-${start}`;
      const rows = [];
      for (let i = start; i < end; i++) rows.push(reading(sensorName(i), i, T0 + hour * HOUR));
      const ack = await socket.request<{ type: string; accepted?: number }>(id, pushFrame(id, rows));
      if (ack.type !== 'ack') throw new Error(`populate: ${JSON.stringify(ack)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

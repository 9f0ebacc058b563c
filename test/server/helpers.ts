// Test helpers: an in-process server on port 0 with a temp database, and a WebSocket client that collects frames.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualTimeScheduler, type SchedulerAction, type Subscription } from 'rxjs';
import WebSocket from 'ws';
import { afterEach, beforeEach } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/index.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';

export const H = 3_600_000;

export function tempDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wxserve-'));
  return { path: join(dir, 'wx.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Per-test server lifecycle: a fresh temp database before each test; after it, the server (if one was started
 * into `ctx.server`) is closed and the database removed. Use the returned context's `db` and `server` fields. */
export function serverPerTest(): { db: ReturnType<typeof tempDb>; server: RunningServer | undefined } {
  const ctx = {} as { db: ReturnType<typeof tempDb>; server: RunningServer | undefined };
  beforeEach(() => {
    ctx.db = tempDb();
  });
  afterEach(async () => {
    await ctx.server?.close();
    ctx.server = undefined;
    ctx.db.cleanup();
  });
  return ctx;
}

export function startFake(db: string, options: StartServerOptions = {}): Promise<RunningServer> {
  return startServer({
    port: 0,
    db,
    snapshotSeconds: 0,
    forecaster: () => ({ version: 1, forecaster: new FakeForecaster() }),
    ...options,
  });
}

/**
 * A server clock in virtual time over real sockets: now() starts at `start` and moves only by advance(). Tasks due
 * now (zero delay: ingest batching, decode chunks) run at the next event-loop turn, or, while `hold` is set, only at
 * runDue() or advance(); timers (grace, idle, delayed writes, heartbeats) only when advance() reaches them. One
 * advance() over two heartbeats drops every peer, as no pong can arrive in between: set heartbeatSeconds above it.
 */
export class ManualClock extends VirtualTimeScheduler {
  hold = false;

  constructor(start: number) {
    super();
    this.frame = start;
    this.maxFrames = start;
  }

  override schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const handle = super.schedule(work, delay, state);
    if (delay <= 0 && !this.hold) setImmediate(() => this.runDue());
    return handle;
  }

  /** Run the tasks due at the current time. */
  runDue(): void {
    this.advance(0);
  }

  advance(ms: number): void {
    const target = this.frame + ms;
    this.maxFrames = target;
    this.flush();
    this.frame = target;
  }
}

export class Client {
  readonly messages: ServerMessage[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  static connect(url: string): Promise<Client> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolve with the first collected message (from `from` on) satisfying `pred`. */
  async waitFor<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, from = 0, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(pred);
      if (found) return found;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait until `n` messages matching `pred` were collected. */
  async waitCount(pred: (m: ServerMessage) => boolean, n: number, timeoutMs = 10_000): Promise<ServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(pred);
      if (found.length >= n) return found;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) with ${found.length}/${n}`);
      if (Date.now() > deadline) throw new Error(`timed out with ${found.length}/${n} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed();
  }
}

export const isAck =
  (id: string) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: 'ack' }> =>
    m.type === 'ack' && m.id === id;

export const isError =
  (id?: string) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: 'error' }> =>
    m.type === 'error' && (id === undefined || m.id === id);

export const isForecast = (m: ServerMessage): m is Extract<ServerMessage, { type: 'forecast' }> => m.type === 'forecast';

/** Hourly on-the-hour readings from `startHour` (epoch hours from 2016-03-01) for the given sensors. */
export function hourly(sensors: string[], startHour: number, hours: number): Array<{ sensor: string; ts: string; temp: number }> {
  const base = Date.UTC(2016, 2, 1);
  const out = [];
  for (let h = startHour; h < startHour + hours; h++) {
    for (const [i, sensor] of sensors.entries()) {
      const ts = base + h * H;
      out.push({ sensor, ts: new Date(ts).toISOString(), temp: Math.round(100 * (5 + (i % 10) + 6 * Math.sin((2 * Math.PI * h) / 24))) / 100 });
    }
  }
  return out;
}

/** The stream URL a `wxstream serve` child prints on its own stdout line; rejects with its stderr if it exits first. */
export function childUrl(proc: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /wxstream listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code, signal) => reject(new Error(`child exited ${code ?? signal}: ${err}`)));
  });
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

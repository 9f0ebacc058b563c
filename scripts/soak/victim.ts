// The soak's server under test: a real `wxstream serve` child on loopback, its log lines watched for the moments
// the soak kills it in, and its health and forecasts timed after each restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;

export interface VictimOptions {
  db: string;
  /** worker | inline | off */
  training: string;
  /** Extra environment (snapshot interval, training budget). */
  env: Record<string, string>;
}

/** Servers still running, killed when the soak itself ends however it ends (never left behind). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(130));

export class Victim {
  readonly spawnedAt = performance.now();
  url = '';
  httpUrl = '';
  private readonly proc: ChildProcess;
  private readonly waiters: Array<{ msgs: string[]; resolve: (line: Record<string, unknown>) => void }> = [];
  private buffered = '';
  /** The last warnings and errors the server logged, for a kill that went wrong. */
  readonly complaints: string[] = [];
  private readonly exited: Promise<void>;

  constructor(o: VictimOptions) {
    const args = [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', o.db, '--training', o.training];
    this.proc = spawn(process.execPath, args, {
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'debug', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.proc);
    this.exited = once(this.proc, 'exit').then(() => {
      running.delete(this.proc);
    });
    this.proc.stderr!.on('data', (d: Buffer) => this.onLog(d.toString()));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves when the URL line is out (listening); rejects when the process ends first or after `timeoutMs`. */
  listening(timeoutMs: number): Promise<void> {
    let out = '';
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        this.proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /wxstream listening on (ws:\/\/[^/\s]+)(\S*)/.exec(out);
          if (m) {
            this.url = m[1]! + m[2]!;
            this.httpUrl = m[1]!.replace('ws://', 'http://');
            resolve();
          }
        });
        void this.exited.then(() => reject(new Error(`server exited (${this.proc.exitCode ?? this.proc.signalCode}) before listening`)));
      }),
      timeoutMs,
      'listening',
    );
  }

  /** Milliseconds from spawn until /healthz answers ok (polled every 20 ms: another process, no event to await). */
  async healthy(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      try {
        const r = await fetch(`${this.httpUrl}/healthz`);
        if (r.ok && ((await r.json()) as { status: string }).status === 'ok') return performance.now() - this.spawnedAt;
      } catch {
        // not yet
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`not healthy within ${timeoutMs} ms`);
  }

  /** The next log line with one of these `msg`s (from now on). */
  next(msg: string | string[], timeoutMs: number): Promise<Record<string, unknown>> {
    const msgs = typeof msg === 'string' ? [msg] : msg;
    return withTimeout(new Promise((resolve) => this.waiters.push({ msgs, resolve })), timeoutMs, `log "${msgs.join('" or "')}"`);
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  private onLog(text: string): void {
    this.buffered += text;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop()!;
    for (const l of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(l) as Record<string, unknown>;
      } catch {
        continue; // not a log line (a native library's output)
      }
      if (typeof line.level === 'number' && line.level >= 40) this.complaints.splice(0, this.complaints.length - 9, l.slice(0, 300));
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.msgs.includes(line.msg as string)) {
          this.waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  }
}

/** Subscribes to every sensor and collects forecasts as `sensor@origin` -> p50 values. */
export class ForecastTap {
  readonly forecasts = new Map<string, number[]>();
  private readonly ws: WebSocket;
  private waiters: Array<() => void> = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; sensor?: string; origin?: string; points?: Array<{ p50: number }> };
      if (m.type !== 'forecast') return;
      this.forecasts.set(`${m.sensor}@${Date.parse(m.origin!)}`, m.points!.map((p) => p.p50));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<ForecastTap> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await once(ws, 'open');
    const tap = new ForecastTap(ws);
    ws.send(JSON.stringify({ type: 'subscribe', id: 'all', sensors: '*' }));
    return tap;
  }

  sensors(): Set<string> {
    return new Set([...this.forecasts.keys()].map((k) => k.slice(0, k.lastIndexOf('@'))));
  }

  /** Resolves once forecasts of `n` distinct sensors arrived. */
  async until(n: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.sensors().size < n) {
      if (performance.now() > deadline) throw new Error(`forecasts of ${this.sensors().size}/${n} sensors within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - performance.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what} (${ms} ms)`)), ms);
    }),
  ]);
}

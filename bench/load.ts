// Load test (issue 7): many producer connections and subscribers on loopback against a real `wxstream serve` child
// process, bounded in time and rounds. Reports readings/s acked, forecast delivery latency p50/p99 (from sending
// the frame whose reading closes a step to the forecast's arrival at a subscriber), memory per sensor (server heap
// and RSS growth over the sensors, divided by their number) and the server's event-loop lag (prom-client's
// monitorEventLoopDelay, reset by the scrape at the start of the measured phase).
//
//   node bin/run-script.js bench/load.ts [--sensors 1000,100000] [--seconds 20] [--producers 8] [--subscribers 4]
//                                        [--sample 1000] [--json]
//
// Each round sends one on-the-hour reading per sensor (event time advances one step per round), so every sensor
// closes a step and the batched encoder runs over all of them; subscribers hold `"*"` when the node has at most
// --sample sensors, else --sample named sensors each (a dashboard does not watch 100,000 sensors).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const FRAME = 500;
const IN_FLIGHT = 4;
const MAX_ROUNDS = 50;

interface Options {
  sensors: number[];
  seconds: number;
  producers: number;
  subscribers: number;
  sample: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sensors: [1000, 100_000], seconds: 20, producers: 8, subscribers: 4, sample: 1000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new RangeError(`${a} must be a positive integer; got "${v}"`);
      return Number(v);
    };
    if (a === '--sensors') o.sensors = value().split(',').map(int);
    else if (a === '--seconds') o.seconds = int(value());
    else if (a === '--producers') o.producers = int(value());
    else if (a === '--subscribers') o.subscribers = int(value());
    else if (a === '--sample') o.sample = int(value());
    else if (a === '--json') o.json = true;
    else throw new RangeError(`unknown argument ${a}`);
  }
  return o;
}

const sensorName = (i: number): string => `ld-${i}`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A WebSocket with request/ack matching by id and a raw-frame hook for forecasts. */
class Conn {
  private readonly pending = new Map<string, (msg: { type: string; accepted?: number; code?: string }) => void>();
  onForecast: ((raw: string, at: number) => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (text.startsWith('{"type":"forecast"')) {
        this.onForecast?.(text, at);
        return;
      }
      const msg = JSON.parse(text) as { type: string; id?: string; code?: string };
      const resolve = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (resolve) {
        this.pending.delete(msg.id!);
        resolve(msg);
      } else if (msg.type === 'error') {
        throw new Error(`server error: ${text}`);
      }
    });
  }

  static open(url: string): Promise<Conn> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 << 20 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Conn(ws)));
      ws.once('error', reject);
    });
  }

  request(id: string, frame: string): Promise<{ type: string; accepted?: number; code?: string }> {
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(frame);
    });
  }

  close(): void {
    this.ws.close();
  }
}

async function startChild(db: string, sensors: number): Promise<{ proc: ChildProcess; url: string; http: string }> {
  const bin = new URL('../bin/wxstream.js', import.meta.url).pathname;
  const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db, '--training', 'off'], {
    env: {
      ...process.env,
      WXSTREAM_LOG_LEVEL: 'warn',
      WXSTREAM_MAX_CONNECTIONS_PER_IP: '100000',
      WXSTREAM_MAX_FRAMES_PER_SECOND: '1000000',
      WXSTREAM_MAX_SENSORS: String(Math.max(sensors, 100_000)),
      WXSTREAM_MAX_SUBSCRIPTIONS: String(Math.max(sensors, 10_000)),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /wxstream listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { proc, url, http: url.replace(/^ws/, 'http').replace(/\/v1\/stream$/, '') };
}

async function scrape(http: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(nodejs_eventloop_lag_(?:p50|p99|max)_seconds|nodejs_heap_size_used_bytes|process_resident_memory_bytes) (\S+)/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

export interface LoadResult {
  sensors: number;
  producers: number;
  subscribers: number;
  subscribedPerSubscriber: number | '*';
  measuredRounds: number;
  readingsPerSecond: number;
  warmupSeconds: number;
  forecastsMeasured: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  heapBytesPerSensor: number;
  rssBytesPerSensor: number;
  eventLoopLagP50Ms: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

async function scenario(n: number, o: Options): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wxload-'));
  const { proc, url, http } = await startChild(join(dir, 'wx.db'), n);
  const producers = await Promise.all(Array.from({ length: o.producers }, () => Conn.open(url)));
  const subscribers = await Promise.all(Array.from({ length: o.subscribers }, () => Conn.open(url)));
  try {
    // Subscriptions: the whole node when small, else a strided sample per subscriber.
    const everything = n <= o.sample;
    const watched = new Uint8Array(n);
    await Promise.all(
      subscribers.map((s, k) => {
        let sensors: string[] | '*' = '*';
        if (!everything) {
          sensors = [];
          const stride = Math.floor(n / o.sample);
          for (let j = 0; j < o.sample; j++) {
            const i = (j * stride + k) % n;
            watched[i] = 1;
            sensors.push(sensorName(i));
          }
        } else watched.fill(1);
        return s.request(`sub${k}`, JSON.stringify({ type: 'subscribe', id: `sub${k}`, sensors }));
      }),
    );

    // Send time of the frame carrying each sensor's reading of the current round; forecasts from its step measure.
    const sentAt = new Float64Array(n);
    let roundOrigin = '';
    let measuring = false;
    const latencies: number[] = [];
    let expected = 0;
    let received = 0;
    let roundDone: (() => void) | undefined;
    const FORECAST = /^\{"type":"forecast","sensor":"ld-(\d+)","origin":"([^"]+)"/;
    for (const s of subscribers) {
      s.onForecast = (raw, at) => {
        const m = FORECAST.exec(raw);
        if (!m || m[2] !== roundOrigin) return; // an initial forecast of an earlier step
        received += 1;
        if (measuring) latencies.push(at - sentAt[Number(m[1])]!);
        if (received >= expected) roundDone?.();
      };
    }

    let seq = 0;
    const round = async (r: number): Promise<{ readings: number; ms: number }> => {
      const ts = T0 + r * H;
      roundOrigin = new Date(ts).toISOString();
      received = 0;
      let subscribed = 0;
      for (let i = 0; i < n; i++) subscribed += watched[i]!;
      expected = subscribed * (everything ? o.subscribers : 1);
      const delivered = new Promise<void>((resolve) => {
        roundDone = resolve;
        setTimeout(resolve, 60_000).unref(); // bounded: a lost forecast must not hang the run
      });
      const started = performance.now();
      let accepted = 0;
      await Promise.all(
        producers.map(async (p, k) => {
          const mine: number[] = [];
          for (let i = k; i < n; i += o.producers) mine.push(i);
          let next = 0;
          const lane = async (): Promise<void> => {
            while (next < mine.length) {
              const chunk = mine.slice(next, next + FRAME);
              next += FRAME;
              const id = `p${seq++}`;
              const readings = chunk.map((i) => ({
                sensor: sensorName(i),
                ts,
                temp: Math.round(10 * (5 + (i % 20) + 6 * Math.sin((2 * Math.PI * r) / 24))) / 10,
              }));
              const at = performance.now();
              for (const i of chunk) sentAt[i] = at;
              const ack = await p.request(id, JSON.stringify({ type: 'push', id, readings }));
              if (ack.type !== 'ack') throw new Error(`push answered ${JSON.stringify(ack)}`);
              accepted += ack.accepted ?? 0;
            }
          };
          await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
        }),
      );
      const ms = performance.now() - started;
      await delivered;
      if (accepted !== n) throw new Error(`round ${r}: ${accepted} of ${n} readings accepted`);
      return { readings: accepted, ms };
    };

    const base = await scrape(http);
    const warmStarted = performance.now();
    await round(0); // creates every sensor
    await round(1);
    const warmupSeconds = (performance.now() - warmStarted) / 1000;
    const afterWarmup = await scrape(http); // also resets the event-loop histogram
    measuring = true;
    let readings = 0;
    let ms = 0;
    let rounds = 0;
    const deadline = performance.now() + o.seconds * 1000;
    for (let r = 2; r < MAX_ROUNDS && (rounds === 0 || performance.now() < deadline); r++) {
      const x = await round(r);
      readings += x.readings;
      ms += x.ms;
      rounds += 1;
    }
    const end = await scrape(http);
    latencies.sort((a, b) => a - b);
    return {
      sensors: n,
      producers: o.producers,
      subscribers: o.subscribers,
      subscribedPerSubscriber: everything ? '*' : o.sample,
      measuredRounds: rounds,
      readingsPerSecond: Math.round(readings / (ms / 1000)),
      warmupSeconds: Math.round(warmupSeconds * 10) / 10,
      forecastsMeasured: latencies.length,
      latencyP50Ms: Math.round(percentile(latencies, 50)),
      latencyP99Ms: Math.round(percentile(latencies, 99)),
      heapBytesPerSensor: Math.round(((afterWarmup.nodejs_heap_size_used_bytes ?? 0) - (base.nodejs_heap_size_used_bytes ?? 0)) / n),
      rssBytesPerSensor: Math.round(((afterWarmup.process_resident_memory_bytes ?? 0) - (base.process_resident_memory_bytes ?? 0)) / n),
      eventLoopLagP50Ms: Math.round((end.nodejs_eventloop_lag_p50_seconds ?? NaN) * 1000),
      eventLoopLagP99Ms: Math.round((end.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000),
      eventLoopLagMaxMs: Math.round((end.nodejs_eventloop_lag_max_seconds ?? NaN) * 1000),
    };
  } finally {
    for (const c of [...producers, ...subscribers]) c.close();
    proc.kill('SIGTERM');
    await once(proc, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

const options = parseArgs(process.argv.slice(2));
const results: LoadResult[] = [];
for (const n of options.sensors) {
  const r = await scenario(n, options);
  results.push(r);
  process.stdout.write(options.json ? `${JSON.stringify(r)}\n` : `${Object.entries(r).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

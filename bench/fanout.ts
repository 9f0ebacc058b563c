// Benchmark 4, forecast fan-out: 10,000 sensors, all subscribed ("*") by a few connections, each closing one step
// per repetition (one on-the-hour reading per sensor, frames of 500). Measured from the first push to the moment
// every subscriber holds the new forecast of every sensor; a forecast missing at any subscriber is a failure.
import { initBackend } from '../src/model/index.js';
import { BenchSocket, benchServer, HOUR, pushFrame, reading, sensorName, T0 } from './bench-socket.js';
import { fmt, main, markdownTable, si, stats, type BenchOptions, type TargetRow } from './harness.js';

const FRAME = 500;
const SUBSCRIBERS = 2;

export interface Rep {
  rep: number;
  ms: number;
  /** CPU time of this process (server + clients, all threads) over the repetition. */
  cpuMs: number;
  /** Per subscriber: sensors whose forecast for this step arrived. */
  delivered: number[];
}

export interface FanoutOptions {
  sensors: number;
  /** Repetitions, the first of them the warm-up. */
  reps: number;
  repTimeoutMs: number;
  /** The server's maxQueuedForecasts; default: the server's. */
  queue?: number;
}

/** Start a server on the current backend, subscribe, and time `reps` steps of every sensor delivered to everyone. */
export async function measureFanout(o: FanoutOptions): Promise<Rep[]> {
  const { sensors, reps, repTimeoutMs, queue } = o;
  const names = Array.from({ length: sensors }, (_, i) => sensorName(i));
  const bench = await benchServer(queue === undefined ? {} : { maxQueuedForecasts: queue });
  const pusher = await BenchSocket.open(bench.server.url);
  const subs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => BenchSocket.open(bench.server.url)));
  let seq = 0;
  const pushStep = async (k: number): Promise<void> => {
    const ts = T0 + k * HOUR;
    const acks = [];
    for (let start = 0; start < sensors; start += FRAME) {
      const id = `p${seq++}`;
      acks.push(pusher.request(id, pushFrame(id, names.slice(start, start + FRAME).map((s, j) => reading(s, start + j, ts)))));
    }
    await Promise.all(acks);
  };
  const results: Rep[] = [];
  try {
    await pushStep(1); // every sensor known, with one closed step; nobody subscribed yet
    // Subscribing sends the latest forecast of every sensor (decoded on demand): wait for those to arrive.
    const initial = subs.map((s) => new Promise<void>((resolve) => (s.onForecast = () => s.forecasts >= sensors && resolve())));
    await Promise.all(subs.map((s, i) => s.subscribe(`sub${i}`, '*')));
    await Promise.race([Promise.all(initial), new Promise((r) => setTimeout(r, repTimeoutMs))]);
    for (let rep = 0; rep < reps; rep++) {
      const origin = new Date(T0 + (rep + 2) * HOUR).toISOString();
      const seen = subs.map(() => new Set<string>());
      let last = performance.now();
      const done = new Promise<void>((resolve) => {
        subs.forEach((s, i) => {
          s.onForecast = (f) => {
            if (f.origin !== origin) return;
            seen[i]!.add(f.sensor);
            last = f.at;
            if (seen.every((x) => x.size >= sensors)) resolve();
          };
        });
      });
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      await pushStep(rep + 2);
      await Promise.race([done, new Promise((r) => setTimeout(r, repTimeoutMs))]);
      const cpu = process.cpuUsage(cpu0);
      results.push({ rep, ms: last - started, cpuMs: (cpu.user + cpu.system) / 1000, delivered: seen.map((x) => x.size) });
    }
  } finally {
    pusher.close();
    subs.forEach((s) => s.close());
    await bench.stop();
  }
  return results;
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const sensors = o.quick ? 1_000 : 10_000;
  // The server's default queue holds one forecast per sensor for up to maxSensors sensors; WXBENCH_QUEUE sets a
  // smaller one to show what a bounded queue drops.
  const queue = process.env.WXBENCH_QUEUE === undefined ? undefined : Number(process.env.WXBENCH_QUEUE);
  const results = await measureFanout({ sensors, reps: o.quick ? 2 : 5, repTimeoutMs: o.quick ? 5_000 : 25_000, ...(queue === undefined ? {} : { queue }) });
  const timed = results.slice(1);
  const rate = stats(timed.map((r) => sensors / (r.ms / 1000)));
  const perCpu = stats(timed.map((r) => sensors / (r.cpuMs / 1000)));
  const complete = results.every((r) => r.delivered.every((d) => d === sensors));
  const targets: TargetRow[] = [
    {
      benchmark: 'fanout',
      metric: `forecasts/s, ${sensors} sensors each delivered to ${SUBSCRIBERS} subscribers`,
      target: '>= 5,000',
      measured: fmt(rate, 0),
      pass: rate.median >= 5000,
    },
    { benchmark: 'fanout', metric: 'forecasts per CPU-second of this process', target: '', measured: fmt(perCpu, 0), pass: null },
    {
      benchmark: 'fanout',
      metric: 'every forecast delivered to every subscriber',
      target: 'all',
      measured: complete ? 'all' : results.map((r) => r.delivered.join('/')).join(', '),
      pass: complete,
    },
  ];
  const details = [
    `${SUBSCRIBERS} connections subscribed to "*"; one pusher connection sends one on-the-hour reading per sensor in frames of ${FRAME};`,
    `time from the first push to the last forecast received. Server option maxQueuedForecasts: ${queue ?? 'default'}.`,
    '',
    markdownTable(
      ['rep', 'ms', 'forecasts/s', 'messages/s (x subscribers)', 'CPU share', 'forecasts per CPU-s', 'delivered per subscriber'],
      results.map((r) => [
        r.rep === 0 ? '0 (warm-up)' : r.rep,
        r.ms.toFixed(0),
        si(sensors / (r.ms / 1000)),
        si((SUBSCRIBERS * sensors) / (r.ms / 1000)),
        (r.cpuMs / r.ms).toFixed(2),
        si(sensors / (r.cpuMs / 1000)),
        r.delivered.join(' / '),
      ]),
    ),
  ].join('\n');
  return { name: 'fanout', title: '4. Forecast fan-out', backend, targets, details, data: { sensors, results } };
}

await main(import.meta.url, run);

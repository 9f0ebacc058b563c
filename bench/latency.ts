// Benchmark 5, latency: 1,000 sensors at one reading per second each, every sensor subscribed; reading pushed to
// forecast received, p50 and p99 over a bounded run (20 s full, 5 s quick), plus the server's event-loop delay.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { initBackend } from '../src/model/index.js';
import { benchServer } from './bench-socket.js';
import { fmt, main, markdownTable, stats, type BenchOptions, type TargetRow } from './harness.js';
import { prepareLatencyLoad, runLatencyLoad } from './latency-load.js';

export const LATENCY_SENSORS = 1000;

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const bench = await benchServer();
  const seconds = o.quick ? 5 : 25;
  const warmupSeconds = o.quick ? 1 : 5;
  let result;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  try {
    const sub = await prepareLatencyLoad(bench.server.url, LATENCY_SENSORS);
    lag.enable();
    result = await runLatencyLoad(sub, { url: bench.server.url, sensors: LATENCY_SENSORS, seconds, warmupSeconds, connections: 10 });
    lag.disable();
    sub.close();
  } finally {
    await bench.stop();
  }
  const all = stats(result.latencies);
  const q = (p: number): number => {
    const s = [...result.latencies].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  };
  const p50 = q(0.5);
  const p99 = q(0.99);
  // Per 5-second window: the spread of p50 and p99 across the run.
  const windows = new Map<number, number[]>();
  result.latencies.forEach((ms, i) => {
    const w = Math.floor(result.sentSecond[i]! / 5);
    let arr = windows.get(w);
    if (arr === undefined) windows.set(w, (arr = []));
    arr.push(ms);
  });
  const perWindow = [...windows].sort((a, b) => a[0] - b[0]).map(([w, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { from: w * 5, n: s.length, p50: s[Math.floor(0.5 * s.length)]!, p99: s[Math.min(s.length - 1, Math.floor(0.99 * s.length))]! };
  });
  const complete = result.missing === 0;
  const targets: TargetRow[] = [
    { benchmark: 'latency', metric: `reading -> forecast p50 (${LATENCY_SENSORS} sensors x 1/s)`, target: '<= 5 ms', measured: `${p50.toFixed(1)} ms`, pass: p50 <= 5 },
    { benchmark: 'latency', metric: 'reading -> forecast p99', target: '<= 25 ms', measured: `${p99.toFixed(1)} ms`, pass: p99 <= 25 },
    {
      benchmark: 'latency',
      metric: 'forecasts received / readings sent',
      target: 'all',
      measured: `${result.received} / ${result.sent}`,
      pass: complete,
    },
  ];
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  const details = [
    `${result.seconds} s measured after ${warmupSeconds} s warm-up; 10 pushing connections, one frame per connection every 10 ms with the readings due; one subscriber ("*").`,
    `All latencies: median ${all.median.toFixed(1)} ms, p90 ${all.p90.toFixed(1)}, p99 ${p99.toFixed(1)}, max ${all.max.toFixed(1)} (n = ${all.n}).`,
    `Server event-loop delay (same process as the load generator): p50 ${ms(lag.percentile(50))} ms, p99 ${ms(lag.percentile(99))} ms, max ${ms(lag.max)} ms.`,
    '',
    markdownTable(['window (s)', 'n', 'p50 ms', 'p99 ms'], perWindow.map((w) => [`${w.from}-${w.from + 5}`, w.n, w.p50.toFixed(1), w.p99.toFixed(1)])),
    '',
    `Window p50 spread: ${fmt(stats(perWindow.map((w) => w.p50)), 1)} ms; window p99 spread: ${fmt(stats(perWindow.map((w) => w.p99)), 1)} ms.`,
  ].join('\n');
  return {
    name: 'latency',
    title: '5. Latency, reading to forecast',
    backend,
    targets,
    details,
    data: { p50, p99, all, perWindow, sent: result.sent, received: result.received, lagP99Ms: lag.percentile(99) / 1e6 },
  };
}

await main(import.meta.url, run);

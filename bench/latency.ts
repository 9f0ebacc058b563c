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
  let coalesced = 0;
  let cpuMs = 0;
  let wallMs = 0;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const coalescedNow = async (): Promise<number> => (await bench.server.service.metrics.forecastsCoalesced.get()).values[0]?.value ?? 0;
  try {
    const sub = await prepareLatencyLoad(bench.server.url, LATENCY_SENSORS);
    const coalesced0 = await coalescedNow();
    lag.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // A drain long enough that a late forecast counts as slow, not as lost.
    result = await runLatencyLoad(sub, {
      url: bench.server.url,
      sensors: LATENCY_SENSORS,
      seconds,
      warmupSeconds,
      connections: 10,
      drainMs: o.quick ? 5_000 : 20_000,
    });
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
    wallMs = performance.now() - t0;
    lag.disable();
    coalesced = (await coalescedNow()) - coalesced0;
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
  const due = stats(result.fromDue);
  const dueQ = (p: number): number => {
    const s = [...result.fromDue].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  };
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
    `From the moment each reading was due (the generator shares the loop, so a stall delays sends too): p50 ${dueQ(0.5).toFixed(1)} ms, p99 ${dueQ(0.99).toFixed(1)}, max ${due.max.toFixed(1)}.`,
    `Forecasts that arrived after the load ended (drain): ${result.drained}; replaced by a newer one of the same sensor in the subscriber's queue (coalesced): ${coalesced}; missing after the drain: ${result.missing}.`,
    `CPU of this process over the load: ${(cpuMs / wallMs).toFixed(2)} core-s/s, ${(cpuMs / (LATENCY_SENSORS * seconds)).toFixed(3)} ms per reading -> forecast; of it the load generator's own code (frames, sends, reading forecasts) ran ${((100 * result.generatorMs) / cpuMs).toFixed(1)} %.`,
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
    data: {
      p50,
      p99,
      all,
      fromDue: { p50: dueQ(0.5), p99: dueQ(0.99), max: due.max },
      perWindow,
      sent: result.sent,
      received: result.received,
      drained: result.drained,
      coalesced,
      missing: result.missing,
      cpuShare: cpuMs / wallMs,
      cpuMsPerReading: cpuMs / (LATENCY_SENSORS * seconds),
      generatorShare: result.generatorMs / cpuMs,
      lagP99Ms: lag.percentile(99) / 1e6,
    },
  };
}

await main(import.meta.url, run);

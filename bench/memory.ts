// Benchmark 6, memory: resident memory per active sensor. A server (this process, --expose-gc) takes one
// on-the-hour reading from each of 100,000 sensors over a socket (each gets model state, running stats, an open
// bucket, ...); RSS is read after a full GC at every 20,000 sensors. Per sensor = the slope of RSS over sensors
// (fixed costs such as the wasm heap's high-water mark drop out) and the plain delta / sensors. A bare
// RnnForecaster holding the same number of states shows the model's share (V8 heap).
import type { StepObservation } from '../src/forecaster.js';
import { initBackend, RnnForecaster } from '../src/model/index.js';
import { BenchSocket, benchServer, HOUR, populate, sensorName, T0 } from './bench-socket.js';
import { gc, main, markdownTable, sleep, type BenchOptions, type TargetRow } from './harness.js';

const KiB = 1024;

function settle(): Promise<{ rss: number; heap: number; external: number }> {
  return (async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(50);
    }
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
  })();
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

async function forecasterHeap(sensors: number): Promise<number> {
  const f = new RnnForecaster();
  const before = await settle();
  for (let start = 0; start < sensors; start += 5000) {
    const steps: StepObservation[] = [];
    for (let i = start; i < Math.min(sensors, start + 5000); i++) steps.push({ sensor: sensorName(i), t: T0 + HOUR, temp: 10, pressure: 1013, dewpoint: 5, wind: 3 });
    f.observe(steps);
  }
  const after = await settle();
  f.dispose();
  return (after.heap + after.external - before.heap - before.external) / sensors;
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const total = o.quick ? 10_000 : 100_000;
  const stepSize = total / 5;
  const bench = await benchServer();
  const socket = await BenchSocket.open(bench.server.url);
  const points: { sensors: number; rss: number; heap: number; external: number }[] = [];
  try {
    // Warm the pipeline and the wasm heap with a first batch of sensors that stays; the baseline is taken after it.
    await populate(socket, 0, 1000);
    const base = await settle();
    points.push({ sensors: 1000, ...base });
    for (let n = stepSize; n <= total; n += stepSize) {
      await populate(socket, points[points.length - 1]!.sensors, n);
      points.push({ sensors: n, ...(await settle()) });
    }
  } finally {
    socket.close();
    await bench.stop();
  }
  const modelBytes = await forecasterHeap(total);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const perSensorSlope = slope(points.map((p) => p.sensors), points.map((p) => p.rss));
  const perSensorDelta = (last.rss - first.rss) / (last.sensors - first.sensors);
  const heapSlope = slope(points.map((p) => p.sensors), points.map((p) => p.heap + p.external));
  const targets: TargetRow[] = [
    {
      benchmark: 'memory',
      metric: `RSS per sensor at ${total.toLocaleString('en')} sensors (slope; delta)`,
      target: '<= 2 KiB',
      measured: `${(perSensorSlope / KiB).toFixed(2)} KiB; ${(perSensorDelta / KiB).toFixed(2)} KiB`,
      pass: Math.max(perSensorSlope, perSensorDelta) <= 2 * KiB,
    },
  ];
  const details = [
    `RSS after a forced GC, server and load generator in one process; baseline after the first 1,000 sensors.`,
    `JS heap + ArrayBuffers per sensor (slope): ${(heapSlope / KiB).toFixed(2)} KiB; of which a bare RnnForecaster's state: ${(modelBytes / KiB).toFixed(2)} KiB per sensor.`,
    '',
    markdownTable(
      ['sensors', 'RSS MiB', 'JS heap MiB', 'external + ArrayBuffers MiB'],
      points.map((p) => [p.sensors.toLocaleString('en'), (p.rss / 2 ** 20).toFixed(1), (p.heap / 2 ** 20).toFixed(1), (p.external / 2 ** 20).toFixed(1)]),
    ),
  ].join('\n');
  return {
    name: 'memory',
    title: '6. Memory per active sensor',
    backend,
    targets,
    details,
    data: { points, perSensorSlope, perSensorDelta, heapSlope, modelBytes },
  };
}

await main(import.meta.url, run);

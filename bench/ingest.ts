// Benchmark 3, ingest over a real socket: 10,000 sensors reporting every 10 minutes, pushed in frames of 500
// readings over a few connections with a window of frames in flight, no subscribers. Throughput counts readings
// acked (the ack leaves after the commit). Every sixth reading per sensor is on the hour and closes a step, so the
// batched encoder runs too (decoding is skipped: nobody subscribed).
import { initBackend } from '../src/model/index.js';
import { BenchSocket, benchServer, HOUR, pushFrame, reading, sensorName, T0 } from './bench-socket.js';
import { fmt, main, markdownTable, si, stats, type BenchOptions, type TargetRow } from './harness.js';

const SENSORS = 10_000;
const FRAME = 500;
const CONNECTIONS = 4;
const IN_FLIGHT = 4;
const CADENCE = HOUR / 6;

/** One segment = one hour of event time = 6 readings per sensor; its last round closes every sensor's step. */
function segmentFrames(segment: number, seq: { n: number }): string[] {
  const frames: string[] = [];
  for (let r = 0; r < 6; r++) {
    const ts = T0 + segment * HOUR + (r + 1) * CADENCE;
    for (let start = 0; start < SENSORS; start += FRAME) {
      const readings = [];
      for (let i = start; i < start + FRAME; i++) readings.push(reading(sensorName(i), i, ts));
      frames.push(pushFrame(`p${seq.n++}`, readings));
    }
  }
  return frames;
}

/** Send frames over the connections, IN_FLIGHT per connection, each next frame after an ack; resolves when all acked. */
async function drive(sockets: BenchSocket[], frames: string[]): Promise<{ ms: number; cpuMs: number; accepted: number }> {
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const lane = async (s: BenchSocket): Promise<void> => {
    while (next < frames.length) {
      const frame = frames[next++]!;
      const id = /"id":"([^"]+)"/.exec(frame)![1]!;
      const ack = await s.request<{ type: string; accepted?: number }>(id, frame);
      if (ack.type !== 'ack') throw new Error(`push ${id} answered ${JSON.stringify(ack)}`);
      accepted += ack.accepted ?? 0;
    }
  };
  await Promise.all(sockets.flatMap((s) => Array.from({ length: IN_FLIGHT }, () => lane(s))));
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, accepted };
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const segments = o.quick ? 2 : 6; // the first is the warm-up (creates the 10,000 sensors)
  const deadline = performance.now() + (o.quick ? 15_000 : 90_000);
  const bench = await benchServer();
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => BenchSocket.open(bench.server.url)));
  const seq = { n: 0 };
  const rates: number[] = [];
  const perSegment: { segment: number; readings: number; ms: number; rate: number; cpuMs: number; perCpuSecond: number }[] = [];
  const perCpu: number[] = [];
  try {
    for (let seg = 0; seg < segments && performance.now() < deadline; seg++) {
      const frames = segmentFrames(seg, seq);
      const { ms, cpuMs, accepted } = await drive(sockets, frames);
      const n = frames.length * FRAME;
      if (accepted !== n) throw new Error(`segment ${seg}: ${accepted} of ${n} readings accepted`);
      const rate = n / (ms / 1000);
      perSegment.push({ segment: seg, readings: n, ms, rate, cpuMs, perCpuSecond: n / (cpuMs / 1000) });
      if (seg > 0) {
        rates.push(rate);
        perCpu.push(n / (cpuMs / 1000));
      }
    }
  } finally {
    sockets.forEach((s) => s.close());
    await bench.stop();
  }
  const r = stats(rates);
  const c = stats(perCpu);
  const targets: TargetRow[] = [
    {
      benchmark: 'ingest',
      metric: `readings/s acked (${SENSORS} sensors, frames of ${FRAME})`,
      target: '>= 50,000',
      measured: fmt(r, 0),
      pass: r.median >= 50_000,
    },
    {
      benchmark: 'ingest',
      metric: 'readings per CPU-second of this process (server + load generator)',
      target: '',
      measured: fmt(c, 0),
      pass: null,
    },
  ];
  const details = [
    `${CONNECTIONS} connections x ${IN_FLIGHT} frames in flight; a reading every 10 min per sensor (temp, pressure, dewpoint, wind);`,
    `one segment = one hour of event time = ${6 * SENSORS} readings, ending with one encoder round of ${SENSORS} sensors. Segment 0 is the warm-up.`,
    '',
    markdownTable(
      ['segment', 'readings', 'ms', 'readings/s', 'CPU ms (all threads)', 'CPU share', 'readings per CPU-s'],
      perSegment.map((s) => [
        s.segment === 0 ? '0 (warm-up)' : s.segment,
        s.readings,
        s.ms.toFixed(0),
        si(s.rate),
        s.cpuMs.toFixed(0),
        (s.cpuMs / s.ms).toFixed(2),
        si(s.perCpuSecond),
      ]),
    ),
  ].join('\n');
  return { name: 'ingest', title: '3. Ingest over a real socket', backend, targets, details, data: { perSegment, rates: r, perCpu: c } };
}

await main(import.meta.url, run);

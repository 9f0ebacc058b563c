// Benchmark 3, ingest over a real socket: 10,000 sensors reporting every 10 minutes, pushed in frames of 500
// readings over a few connections with a window of frames in flight, no subscribers. Throughput counts readings
// acked (the ack leaves after the commit). Every sixth reading per sensor is on the hour and closes a step, so the
// batched encoder runs too (decoding is skipped: nobody subscribed).
import { initBackend } from '../src/model/index.js';
import { BenchSocket, benchServer, HOUR, pushFrame, reading, sensorName, T0 } from './bench-socket.js';
import { floorServer } from './ingest-floor.js';
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

interface Segment {
  segment: number;
  readings: number;
  ms: number;
  rate: number;
  cpuMs: number;
  perCpuSecond: number;
}

/** One stack under the shared load generator: its sockets, and the segments measured on it. */
interface Stack {
  name: 'wxstream' | 'floor';
  sockets: BenchSocket[];
  segments: Segment[];
}

async function measure(stack: Stack, seg: number, seq: { n: number }): Promise<Segment> {
  const frames = segmentFrames(seg, seq);
  const { ms, cpuMs, accepted } = await drive(stack.sockets, frames);
  const n = frames.length * FRAME;
  if (accepted !== n) throw new Error(`${stack.name} segment ${seg}: ${accepted} of ${n} readings accepted`);
  const s = { segment: seg, readings: n, ms, rate: n / (ms / 1000), cpuMs, perCpuSecond: n / (cpuMs / 1000) };
  stack.segments.push(s);
  return s;
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const segments = o.quick ? 3 : 7; // the first is the warm-up (creates the 10,000 sensors)
  const deadline = performance.now() + (o.quick ? 20_000 : 150_000);
  const bench = await benchServer();
  const floor = await floorServer();
  const product: Stack = {
    name: 'wxstream',
    sockets: await Promise.all(Array.from({ length: CONNECTIONS }, () => BenchSocket.open(bench.server.url))),
    segments: [],
  };
  const bare: Stack = {
    name: 'floor',
    sockets: await Promise.all(Array.from({ length: CONNECTIONS }, () => BenchSocket.open(floor.url))),
    segments: [],
  };
  // Each stack gets its own frame ids; both see the same event times, so each store holds the same rows.
  const seqs = { wxstream: { n: 0 }, floor: { n: 0 } };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  try {
    for (let seg = 0; seg < segments && performance.now() < deadline; seg++) {
      // Alternate which stack goes first, so a neighbour's burst does not always land on the same one.
      const order = seg % 2 === 0 ? [product, bare] : [bare, product];
      const measured = new Map<string, Segment>();
      for (const stack of order) measured.set(stack.name, await measure(stack, seg, seqs[stack.name]));
      if (seg > 0) {
        ratios.push(measured.get('wxstream')!.rate / measured.get('floor')!.rate);
        cpuRatios.push(measured.get('wxstream')!.perCpuSecond / measured.get('floor')!.perCpuSecond);
      }
    }
  } finally {
    [...product.sockets, ...bare.sockets].forEach((s) => s.close());
    await bench.stop();
    await floor.stop();
  }
  const timed = (stack: Stack) => stack.segments.filter((s) => s.segment > 0);
  const r = stats(timed(product).map((s) => s.rate));
  const c = stats(timed(product).map((s) => s.perCpuSecond));
  const f = stats(timed(bare).map((s) => s.rate));
  const q = stats(ratios);
  const qc = stats(cpuRatios);
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
    {
      benchmark: 'ingest',
      metric: 'bare-stack floor, readings/s acked (ws + JSON.parse + SQLite batch + ack), same run',
      target: '',
      measured: fmt(f, 0),
      pass: null,
    },
    {
      benchmark: 'ingest',
      metric: 'acked ingest / bare-stack floor (per alternating pair)',
      target: '>= 0.5',
      measured: fmt(q, 2),
      pass: q.median >= 0.5,
    },
    {
      benchmark: 'ingest',
      metric: 'the same ratio in readings per CPU-second (what neighbours on a shared machine move least)',
      target: '',
      measured: fmt(qc, 2),
      pass: null,
    },
  ];
  const rows = [...product.segments, ...bare.segments]
    .map((s, i) => ({ ...s, stack: i < product.segments.length ? 'wxstream' : 'floor' }))
    .sort((a, b) => a.segment - b.segment || a.stack.localeCompare(b.stack));
  const details = [
    `${CONNECTIONS} connections x ${IN_FLIGHT} frames in flight; a reading every 10 min per sensor (temp, pressure, dewpoint, wind);`,
    `one segment = one hour of event time = ${6 * SENSORS} readings, ending with one encoder round of ${SENSORS} sensors. Segment 0 is the warm-up.`,
    'The floor (bench/ingest-floor.ts) is ws + JSON.parse + one better-sqlite3 transaction per tick + the ack, same table and',
    'pragmas, nothing else; each segment runs on both stacks back to back, the first one alternating.',
    '',
    markdownTable(
      ['segment', 'stack', 'readings', 'ms', 'readings/s', 'CPU ms (all threads)', 'CPU share', 'readings per CPU-s'],
      rows.map((s) => [
        s.segment === 0 ? '0 (warm-up)' : s.segment,
        s.stack,
        s.readings,
        s.ms.toFixed(0),
        si(s.rate),
        s.cpuMs.toFixed(0),
        (s.cpuMs / s.ms).toFixed(2),
        si(s.perCpuSecond),
      ]),
    ),
  ].join('\n');
  return {
    name: 'ingest',
    title: '3. Ingest over a real socket',
    backend,
    targets,
    details,
    data: { segments: rows, rates: r, perCpu: c, floor: f, ratio: q, ratios, cpuRatio: qc, cpuRatios },
  };
}

await main(import.meta.url, run);

// What event probabilities cost delivery: one batch of 10,000 forecasts (24 points) through the real Delivery, to
// in-process peers that only keep the frame, with and without subscribers that asked thresholds. Sockets and clients
// are left out (bench/fanout.ts measures those): this isolates what the thresholds add on the server's event loop.
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULTS } from '../src/config.js';
import type { SensorForecast } from '../src/forecaster.js';
import { log } from '../src/log.js';
import { serializeBatch, type SerializedBatch } from '../src/pipeline/serialize-batch.js';
import type { SensorKeeper } from '../src/pipeline/sensor-keeper.js';
import type { LiveSkill } from '../src/pipeline/live-skill.js';
import { Delivery } from '../src/server/delivery.js';
import { InProcessForecastBus } from '../src/server/forecast-bus.js';
import type { ServiceMetrics } from '../src/server/metrics.js';
import type { Peer } from '../src/server/peer.js';
import type { ForecastStore } from '../src/store/index.js';
import { fmt, main, markdownTable, repeat, type BenchOptions, type TargetRow } from './harness.js';

const H = 3_600_000;

function batch(sensors: number, origin: number): SerializedBatch {
  const forecasts: SensorForecast[] = Array.from({ length: sensors }, (_, i) => ({
    sensor: `s-${i}`,
    origin,
    points: Array.from({ length: 24 }, (_, k) => {
      const mean = 2 + Math.sin(i + k / 4) * 5;
      return { ts: origin + (k + 1) * H, mean, p10: mean - 1.5 - k / 10, p50: mean, p90: mean + 1.2 + k / 10 };
    }),
  }));
  return serializeBatch({ forecasts, modelVersion: 1, issuedAt: origin }, 3600);
}

interface Setup {
  name: string;
  plain: number;
  /** Threshold sets of the other peers, one peer each. */
  withThresholds: number[][];
}

export async function run(o: BenchOptions) {
  const sensors = o.quick ? 1_000 : 10_000;
  const reps = o.quick ? 5 : 15;
  const setups: Setup[] = [
    { name: '2 plain', plain: 2, withThresholds: [] },
    { name: '2 plain + 1 with [0, 30]', plain: 2, withThresholds: [[0, 30]] },
    { name: '2 plain + 4 with [0, 30]', plain: 2, withThresholds: [[0, 30], [30, 0], [0, 30], [0, 30]] },
    { name: '2 plain + 2 with [0, 30] and [-2]', plain: 2, withThresholds: [[0, 30], [-2]] },
    { name: '100 plain', plain: 100, withThresholds: [] },
    { name: '100 plain + 1 with [0, 30]', plain: 100, withThresholds: [[0, 30]] },
  ];
  const rows: Array<{ name: string; ms: ReturnType<typeof repeat>; bytes: number }> = [];
  for (const s of setups) {
    const bus = new InProcessForecastBus();
    const scheduler = new VirtualTimeScheduler();
    const noop = { inc: () => {} };
    const delivery = new Delivery({
      config: DEFAULTS,
      forecasts: { insertMany: () => {}, pruneBefore: () => 0 } as unknown as ForecastStore,
      keeper: { sensors: () => [], forecaster: { has: () => false } } as unknown as SensorKeeper,
      skill: {} as LiveSkill,
      scheduler,
      log,
      metrics: { scored: noop, forecastsIssued: noop } as unknown as ServiceMetrics,
      bus,
      degraded: () => false,
      reject: () => {},
    });
    let bytes = 0;
    let nextId = 1;
    const peer = (): Peer => ({ id: nextId++, sendControl: () => {}, sendForecast: (_s, json) => void (bytes += json.length), close: () => {} });
    for (let i = 0; i < s.plain; i++) delivery.onSubscription(peer(), { type: 'subscribe', sensors: '*' });
    for (const t of s.withThresholds) delivery.onSubscription(peer(), { type: 'subscribe', sensors: '*', thresholds: [...t].sort((a, b) => a - b) });
    let k = 0;
    const batches = [batch(sensors, 0), batch(sensors, H)];
    const ms = repeat(() => bus.publish(batches[k++ % 2]!), { warmup: 2, reps });
    rows.push({ name: s.name, ms, bytes: bytes / (reps + 2) });
    delivery.stop();
  }
  const base = rows[0]!.ms.median;
  const targets: TargetRow[] = [
    { benchmark: 'fanout-thresholds', metric: `ms per batch of ${sensors}, 2 plain subscribers`, target: '', measured: fmt(rows[0]!.ms, 1), pass: null },
    { benchmark: 'fanout-thresholds', metric: 'added by 1 subscriber with thresholds', target: '', measured: `${(rows[1]!.ms.median / base).toFixed(2)}x`, pass: null },
  ];
  const details = [
    `Delivery of one bus batch of ${sensors} forecasts (24 points) to "*" peers that only count bytes; median of ${reps}.`,
    '',
    markdownTable(
      ['peers', 'ms per batch (median [p10..p90])', 'vs 2 plain', 'us per forecast', 'bytes per batch'],
      rows.map((r) => [r.name, fmt(r.ms, 1), `${(r.ms.median / base).toFixed(2)}x`, ((r.ms.median * 1000) / sensors).toFixed(2), r.bytes.toFixed(0)]),
    ),
  ].join('\n');
  return { name: 'fanout-thresholds', title: 'Fan-out with event thresholds', targets, details, data: { sensors, rows } };
}

await main(import.meta.url, run);

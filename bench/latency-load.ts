// The paced load of benchmark 5, shared with benchmark 8: `sensors` sensors each sending one reading per second
// (phases spread evenly over the second, sent from a few connections every TICK_MS), every reading on the hour of
// its own event-time clock so it closes a step at once, and one connection subscribed to "*". Latency = the
// subscriber receiving the forecast of that step minus the push of the reading, both in this process.
import { BenchSocket, HOUR, pushFrame, reading, sensorName, T0 } from './bench-socket.js';

export interface LatencyLoadOptions {
  url: string;
  sensors: number;
  seconds: number;
  /** Latencies of readings sent in the first seconds are not kept (JIT, first batches). */
  warmupSeconds: number;
  connections: number;
  /** Called once per second of load (the training benchmark starts its round from here). */
  onSecond?: (second: number) => void;
  /** After the load, wait at most this long for the forecasts still due (default 2 s). */
  drainMs?: number;
}

export interface LatencyLoadResult {
  /** ms, readings sent after the warm-up whose forecast arrived: from the push of the frame. */
  latencies: number[];
  /**
   * ms, the same from the moment the reading was due (its sensor's phase in the second). Server and load generator
   * share one process, so a blocked loop also delays sends; this counts that wait too (no coordinated omission).
   */
  fromDue: number[];
  /** Second of the load (from its start) each latency's reading was sent in. */
  sentSecond: number[];
  sent: number;
  /** Forecasts received for readings sent after the warm-up. */
  received: number;
  /** Readings sent after the warm-up without a forecast when the load ended (+ the drain). */
  missing: number;
  /** Of `received`, forecasts that arrived after the load ended (during the drain). */
  drained: number;
  /** ms the load generator itself ran (building and sending frames, reading forecasts): its share of the CPU. */
  generatorMs: number;
  seconds: number;
}

const TICK_MS = 10;

/** Make the sensors known (one closed step each) and subscribe one connection to all; returns it. */
export async function prepareLatencyLoad(url: string, sensors: number): Promise<BenchSocket> {
  const s = await BenchSocket.open(url);
  const names = Array.from({ length: sensors }, (_, i) => sensorName(i));
  const acks = [];
  for (let start = 0; start < sensors; start += 500) {
    const id = `init${start}`;
    acks.push(s.request(id, pushFrame(id, names.slice(start, start + 500).map((n, j) => reading(n, start + j, T0 + HOUR)))));
  }
  await Promise.all(acks);
  const initial = new Promise<void>((resolve) => (s.onForecast = () => s.forecasts >= sensors && resolve()));
  await s.subscribe('sub', '*');
  await Promise.race([initial, new Promise((r) => setTimeout(r, 20_000))]);
  s.onForecast = undefined;
  return s;
}

export async function runLatencyLoad(sub: BenchSocket, o: LatencyLoadOptions): Promise<LatencyLoadResult> {
  const pushers = await Promise.all(Array.from({ length: o.connections }, () => BenchSocket.open(o.url)));
  const pending = new Map<string, { sentAt: number; dueAt: number; keep: boolean }>();
  const latencies: number[] = [];
  const fromDue: number[] = [];
  const sentSecond: number[] = [];
  let received = 0;
  let drained = 0;
  let loadOver = false;
  let generatorMs = 0;
  let started = performance.now();
  const busy0 = sub.busyMs;
  sub.onForecast = (f) => {
    const key = `${f.sensor}@${f.origin}`;
    const p = pending.get(key);
    if (p !== undefined) {
      pending.delete(key);
      if (p.keep) {
        latencies.push(f.at - p.sentAt);
        fromDue.push(f.at - p.dueAt);
        sentSecond.push(Math.floor((p.sentAt - started) / 1000));
        received++;
        if (loadOver) drained++;
      }
    }
  };
  // Sensor i sends at offset (i / sensors) s within each second; its k-th reading is on hour k + 2 of event time.
  const count = new Array<number>(o.sensors).fill(0);
  let seq = 0;
  let sent = 0;
  started = performance.now();
  const endAt = started + o.seconds * 1000;
  let cursor = 0; // readings scheduled so far, over all sensors (sensor = cursor % sensors)
  let lastSecond = -1;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const elapsed = now - started;
      const second = Math.floor(elapsed / 1000);
      if (second !== lastSecond && now < endAt) {
        lastSecond = second;
        o.onSecond?.(second);
      }
      const due = Math.min(Math.floor((elapsed / 1000) * o.sensors), Math.floor(o.seconds * o.sensors));
      const byConn: { sensor: string; i: number; ts: number; dueAt: number }[][] = pushers.map(() => []);
      for (; cursor < due; cursor++) {
        const i = cursor % o.sensors;
        const k = count[i]++;
        const dueAt = started + (cursor / o.sensors) * 1000;
        byConn[i % o.connections]!.push({ sensor: sensorName(i), i, ts: T0 + (k + 2) * HOUR, dueAt });
      }
      const keep = elapsed >= o.warmupSeconds * 1000;
      byConn.forEach((rows, c) => {
        if (rows.length === 0) return;
        const id = `l${seq++}`;
        const sentAt = performance.now();
        for (const r of rows) pending.set(`${r.sensor}@${new Date(r.ts).toISOString()}`, { sentAt, dueAt: r.dueAt, keep });
        if (keep) sent += rows.length;
        void pushers[c]!.request(id, pushFrame(id, rows.map((r) => reading(r.sensor, r.i, r.ts))));
      });
      generatorMs += performance.now() - now;
      if (now >= endAt) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  // Let the last forecasts arrive: a forecast that comes late is slow, not lost.
  loadOver = true;
  const drainEnd = performance.now() + (o.drainMs ?? 2000);
  while (performance.now() < drainEnd && [...pending.values()].some((p) => p.keep)) await new Promise((r) => setTimeout(r, 20));
  const missing = [...pending.values()].filter((p) => p.keep).length;
  sub.onForecast = undefined;
  pushers.forEach((p) => p.close());
  generatorMs += sub.busyMs - busy0 + pushers.reduce((t, p) => t + p.busyMs, 0);
  return { latencies, fromDue, sentSecond, sent, received, missing, drained, generatorMs, seconds: o.seconds - o.warmupSeconds };
}

// Streams recorded readings into a server through the real WebSocket protocol, as sensors would push them, and
// records every forecast the server issues. One frame in flight at a time: the server then sees the same batches
// in every run, which is what makes a replay with inline training reproducible.
import { connect, type ReadingInput } from '../../client/index.js';
import { bucketEnd } from '../pipeline/sensor-bucket.js';
import { ForecastLog } from './forecast-log.js';
import type { ReplayReading } from './reading.js';

export interface WsReplayOptions {
  /** Server address (ws:// or http://). */
  url: string;
  token: string | undefined;
  /** Readings per push frame (the server accepts up to its maxReadingsPerFrame, 1000 by default). */
  frameReadings: number;
  /** 'max': next frame as soon as the previous is acked; N: N x real time, paced by event time. */
  speed: number | 'max';
  stepMs: number;
  horizon: number;
  /** Which forecast origins to keep in memory (all are counted); default all. */
  keepOrigin: ((origin: number) => boolean) | undefined;
  /** After the last ack, wait this long without a new forecast before giving up on the last origins. */
  settleMs: number;
  connectTimeoutMs: number;
  /** Generous: an inline training round blocks the server (and, in process, this client) for a while. */
  ackTimeoutMs: number;
  onProgress: ((p: WsReplayProgress) => void) | undefined;
}

export const WS_REPLAY_DEFAULTS = Object.freeze({
  token: undefined,
  frameReadings: 500,
  speed: 'max' as number | 'max',
  stepMs: 3_600_000,
  horizon: 24,
  keepOrigin: undefined,
  settleMs: 2_000,
  connectTimeoutMs: 10_000,
  ackTimeoutMs: 600_000,
  onProgress: undefined,
});

export type WsReplayInput = Partial<WsReplayOptions> & Pick<WsReplayOptions, 'url'>;

export interface WsReplayProgress {
  sent: number;
  total: number;
  forecasts: number;
  /** Event time of the last reading sent. */
  eventTime: number;
}

export interface WsReplayResult {
  log: ForecastLog;
  /** What was sent, in send order: readings with a temperature, sorted by (ts, sensor). */
  sent: ReplayReading[];
  /** Readings the server stored (accepted + duplicates), i.e. `sent` minus `rejected`: the truth to score on. */
  delivered: ReplayReading[];
  accepted: number;
  duplicates: number;
  rejected: Array<{ reading: ReplayReading; code: string; message: string }>;
  /** Rows left out because they carry no temperature (the protocol requires one). */
  skippedNoTemp: number;
  frames: number;
  /** From the first frame sent to the last forecast received. */
  wallMs: number;
  readingsPerSecond: number;
  /** Sensors whose last expected forecast did not arrive within settleMs. */
  incomplete: string[];
}

function validate(o: WsReplayOptions): void {
  if (!Number.isInteger(o.frameReadings) || o.frameReadings < 1) throw new RangeError(`frameReadings must be a positive integer; got ${o.frameReadings}`);
  if (o.speed !== 'max' && !(typeof o.speed === 'number' && o.speed > 0 && Number.isFinite(o.speed))) {
    throw new RangeError(`speed must be "max" or a positive number; got ${String(o.speed)}`);
  }
  for (const k of ['stepMs', 'horizon'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`${k} must be a positive integer; got ${o[k]}`);
  }
  if (!(o.settleMs >= 0)) throw new RangeError(`settleMs must be >= 0; got ${o.settleMs}`);
}

/** Readings the protocol can carry, in send order: non-null temperature, sorted by (ts, sensor), stable. */
export function sendOrder(readings: readonly ReplayReading[]): ReplayReading[] {
  return readings
    .filter((r) => r.temp !== null)
    .sort((a, b) => a.ts - b.ts || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
}

function toInput(r: ReplayReading): ReadingInput {
  const out: ReadingInput = { sensor: r.sensor, ts: r.ts, temp: r.temp as number };
  // null covariates are simply absent on the wire.
  if (r.pressure != null) out.pressure = r.pressure;
  if (r.dewpoint != null) out.dewpoint = r.dewpoint;
  if (r.wind != null) out.wind = r.wind;
  return out;
}

/**
 * The last origin the server will forecast per sensor: the end of its last bucket when the last reading sits on
 * the grid (that closes the bucket), else the bucket before (the last one stays open: no later reading closes it).
 */
export function expectedLastOrigins(sent: readonly ReplayReading[], stepMs: number): Map<string, number> {
  const ends = new Map<string, [last: number, previous: number | undefined, onGrid: boolean]>();
  for (const r of sent) {
    const end = bucketEnd(r.ts, stepMs);
    const e = ends.get(r.sensor);
    if (!e) ends.set(r.sensor, [end, undefined, r.ts === end]);
    else {
      if (end !== e[0]) {
        e[1] = e[0];
        e[0] = end;
      }
      e[2] = r.ts === end;
    }
  }
  const out = new Map<string, number>();
  for (const [sensor, [last, previous, onGrid]] of ends) {
    const origin = onGrid ? last : previous;
    if (origin !== undefined) out.set(sensor, origin);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Replay readings into a running server and record its forecasts.
 *
 * @example
 *   const r = await replayOverSocket(readings, { url: server.url });
 *   console.log(r.readingsPerSecond, r.log.size);
 * @param readings any order; rows without a temperature are left out (counted in skippedNoTemp)
 * @param options see WsReplayOptions; defaults in WS_REPLAY_DEFAULTS
 */
export async function replayOverSocket(readings: readonly ReplayReading[], options: WsReplayInput): Promise<WsReplayResult> {
  const o: WsReplayOptions = { ...WS_REPLAY_DEFAULTS, ...options };
  validate(o);
  const sent = sendOrder(readings);
  const log = new ForecastLog(o.horizon, o.stepMs, o.keepOrigin);
  const client = await connect(o.url, {
    token: o.token,
    connectTimeoutMs: o.connectTimeoutMs,
    ackTimeoutMs: o.ackTimeoutMs,
    maxFrameReadings: o.frameReadings,
    maxBuffered: Math.max(10_000, o.frameReadings),
  });
  let lastForecastAt = performance.now();
  let failure: unknown;
  // Subscribed before the first push, on the same socket: the server sees the subscription first.
  const sub = client.forecasts('*').subscribe({
    next: (f) => {
      lastForecastAt = performance.now();
      try {
        log.add(f);
      } catch (err) {
        failure ??= err;
      }
    },
    error: (err: unknown) => (failure ??= err),
  });
  const result = { accepted: 0, duplicates: 0, rejected: [] as WsReplayResult['rejected'], frames: 0 };
  const started = performance.now();
  const progress = (i: number): void =>
    o.onProgress?.({ sent: i, total: sent.length, forecasts: log.size, eventTime: sent[Math.max(0, i - 1)]?.ts ?? NaN });
  try {
    let i = 0;
    while (i < sent.length) {
      if (failure) throw failure;
      let end = Math.min(sent.length, i + o.frameReadings);
      if (o.speed !== 'max') {
        // Paced: send what is due by event time, or sleep until the next reading is.
        const dueTs = sent[0].ts + (performance.now() - started) * o.speed;
        if (sent[i].ts > dueTs) {
          await sleep(Math.min(1_000, (sent[i].ts - dueTs) / o.speed));
          continue;
        }
        let j = i;
        while (j < end && sent[j].ts <= dueTs) j++;
        end = j;
      }
      const frame = sent.slice(i, end);
      const ack = await client.push(frame.map(toInput));
      result.frames += 1;
      result.accepted += ack.accepted;
      result.duplicates += ack.duplicates;
      for (const r of ack.rejected) result.rejected.push({ reading: frame[r.index], code: r.code, message: r.message });
      i = end;
      progress(i);
    }
    const expected = expectedLastOrigins(sent, o.stepMs);
    const rejectedSensors = new Set(result.rejected.map((r) => r.reading.sensor));
    const waiting = (): string[] =>
      [...expected].filter(([s, origin]) => !rejectedSensors.has(s) && (log.newestOrigin(s) ?? -Infinity) < origin).map(([s]) => s);
    // Forecasts of the last frame may still be on their way after its ack: wait for them, or for quiet.
    while (waiting().length > 0 && performance.now() - lastForecastAt < o.settleMs) {
      if (failure) throw failure;
      await sleep(Math.min(50, o.settleMs));
    }
    if (failure) throw failure;
    const incomplete = waiting();
    const wallMs = Math.max(1, Math.min(performance.now(), incomplete.length > 0 ? lastForecastAt : Infinity) - started);
    progress(sent.length);
    const rejectedSet = new Set(result.rejected.map((r) => r.reading));
    return {
      log,
      sent,
      delivered: rejectedSet.size === 0 ? sent : sent.filter((r) => !rejectedSet.has(r)),
      ...result,
      skippedNoTemp: readings.length - sent.length,
      wallMs,
      readingsPerSecond: sent.length / (wallMs / 1000),
      incomplete,
    };
  } finally {
    sub.unsubscribe();
    await client.close();
  }
}

// Per-sensor state of a naive baseline and its compact binary snapshot. Everything is held in Float32/Int16
// arrays so that export -> import reproduces forecasts bit for bit.
import { BaselineError } from './errors.js';
import type { BaselineOptions } from './options.js';
import { stepsPerDay } from './options.js';
import { ResidualWindow } from './residual-window.js';

export interface SensorState {
  /** Grid index (t / stepMs) of the last observed step. */
  last: number;
  /** Last non-null temperature (float32), NaN before the first one. */
  lastValue: number;
  /** Grid index of `lastValue`, NaN before the first one. */
  lastValueStep: number;
  /** Temperatures of the last historyDays days, slot = index mod length, NaN = missing. */
  history: Float32Array;
  /** Point-forecast path issued at each of the last `horizon` origins, row = origin mod horizon. */
  paths: Float32Array;
  /** Origin (grid index) of each `paths` row, NaN when the row holds no path. */
  pathOrigin: Float64Array;
  residuals: ResidualWindow;
}

const FORMAT_VERSION = 1;
const HEADER = 8;

export const mod = (a: number, n: number): number => ((a % n) + n) % n;

export function createSensorState(o: BaselineOptions, first: number): SensorState {
  return {
    last: first - 1,
    lastValue: NaN,
    lastValueStep: NaN,
    history: new Float32Array(o.historyDays * stepsPerDay(o.stepMs)).fill(NaN),
    paths: new Float32Array(o.horizon * o.horizon).fill(NaN),
    pathOrigin: new Float64Array(o.horizon).fill(NaN),
    residuals: new ResidualWindow(o.horizon, o.residualWindow),
  };
}

/** Temperature at grid index `step` if it is inside the history window, else NaN. */
export function valueAt(s: SensorState, step: number): number {
  const n = s.history.length;
  return step > s.last || step <= s.last - n ? NaN : s.history[mod(step, n)];
}

// Layout: typed arrays in platform byte order (little-endian on every platform Node runs on), widest first so
// that every section stays aligned:
// f64 header [version, stepMs, horizon, historyLen, window, last, lastValue, lastValueStep], f64 pathOrigin[H],
// f32 history, f32 paths[H*H], i32 counts[H], i32 heads[H], i16 ring[H*window].
function sizes(o: BaselineOptions) {
  const h = o.horizon;
  return [HEADER * 8, h * 8, o.historyDays * stepsPerDay(o.stepMs) * 4, h * h * 4, h * 4, h * 4, h * o.residualWindow * 2];
}

export function encodeState(s: SensorState, o: BaselineOptions): Uint8Array {
  const parts = sizes(o);
  const buf = new ArrayBuffer(parts.reduce((a, b) => a + b, 0));
  let at = 0;
  const put = (src: Float64Array | Float32Array | Int32Array | Int16Array): void => {
    new Uint8Array(buf, at, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    at += src.byteLength;
  };
  put(Float64Array.of(FORMAT_VERSION, o.stepMs, o.horizon, s.history.length, o.residualWindow, s.last, s.lastValue, s.lastValueStep));
  put(s.pathOrigin);
  put(s.history);
  put(s.paths);
  put(s.residuals.counts);
  put(s.residuals.heads);
  put(s.residuals.ring);
  return new Uint8Array(buf);
}

export function decodeState(data: Uint8Array, o: BaselineOptions): SensorState {
  const parts = sizes(o);
  if (data.byteLength < HEADER * 8) throw new BaselineError('WX_BASELINE_CORRUPT', `snapshot of ${data.byteLength} bytes is shorter than its header`);
  // Copy: the bytes may sit at any offset of a larger buffer (a SQLite blob), typed views need alignment.
  const buf = data.slice().buffer;
  const header = new Float64Array(buf, 0, HEADER);
  const [version, stepMs, horizon, historyLen, window] = header;
  if (version !== FORMAT_VERSION) throw new BaselineError('WX_BASELINE_CORRUPT', `snapshot format version ${version} is not ${FORMAT_VERSION}`);
  const expected = [o.stepMs, o.horizon, o.historyDays * stepsPerDay(o.stepMs), o.residualWindow];
  if ([stepMs, horizon, historyLen, window].some((v, i) => v !== expected[i])) {
    throw new BaselineError(
      'WX_BASELINE_SNAPSHOT_MISMATCH',
      `snapshot has stepMs ${stepMs}, horizon ${horizon}, history ${historyLen}, window ${window}; ` +
        `this forecaster has ${expected.join(', ')}`,
    );
  }
  const total = parts.reduce((a, b) => a + b, 0);
  if (data.byteLength !== total) throw new BaselineError('WX_BASELINE_CORRUPT', `snapshot has ${data.byteLength} bytes, expected ${total}`);
  let at = parts[0];
  type View<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };
  const next = <T>(Ctor: View<T>, bytes: number): T => {
    const v = new Ctor(buf, at, bytes / Ctor.BYTES_PER_ELEMENT);
    at += bytes;
    return v;
  };
  const pathOrigin = next(Float64Array, parts[1]);
  const history = next(Float32Array, parts[2]);
  const paths = next(Float32Array, parts[3]);
  const counts = next(Int32Array, parts[4]);
  const heads = next(Int32Array, parts[5]);
  const ring = next(Int16Array, parts[6]);
  if (!counts.every((c, i) => c >= 0 && c <= o.residualWindow && heads[i] >= 0 && heads[i] < o.residualWindow)) {
    throw new BaselineError('WX_BASELINE_CORRUPT', 'snapshot residual counters are out of range');
  }
  return {
    last: header[5],
    lastValue: header[6],
    lastValueStep: header[7],
    history,
    paths,
    pathOrigin,
    residuals: ResidualWindow.restore(o.horizon, o.residualWindow, ring, counts, heads),
  };
}

// Binary codec of one sensor's live state (hidden state + running stats + origin step), little-endian with
// a CRC32 trailer; numbers that feed the normalizer stay float64 so an imported sensor continues bit-exactly.
import type { StepObservation } from '../forecaster.js';
import { crc32 } from './checksum.js';
import type { Covariate } from './config.js';
import { ModelError } from './errors.js';
import { CLOCK_FIELDS, clockFrom, freshClock, type ClockState } from './clock.js';
import type { SensorTrack } from './track.js';

const MAGIC = 0x53525857; // "WXRS" read as little-endian u32
/**
 * 2 added the clock estimate (clock.ts) after the running stats; 3 the mean daily profile (track.ts, models with
 * dailyProfile: a slot count in the header, the values after the hidden state); 4 the number of stacked layers the
 * hidden state holds (u16 at 114; the state is each layer's in turn, bottom first). Older formats still load: format 1
 * with a fresh clock, 1 and 2 without a profile, 1-3 as one layer.
 */
const FORMAT = 4;
const HEADERS: Record<number, number> = { 1: 72, 2: 112, 3: 114, 4: 116 };
const HEADER = HEADERS[FORMAT];

export interface SensorState {
  hidden: Float32Array;
  track: SensorTrack;
}

/** @param layers the stacked layers `state.hidden` holds (config `layers`) */
export function encodeSnapshot(state: SensorState, covariates: readonly Covariate[], layers = 1): Uint8Array {
  const last = state.track.last;
  if (last === null) throw new Error('encodeSnapshot: sensor has no step yet');
  const n = state.hidden.length;
  const profile = state.track.profile;
  const p = profile?.length ?? 0;
  const bytes = new Uint8Array(HEADER + 8 * covariates.length + 4 * n + 4 * p + 4);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint16(4, FORMAT, true);
  v.setUint16(6, covariates.length, true);
  v.setUint32(8, n, true);
  v.setFloat64(16, last.t, true);
  v.setFloat64(24, last.temp ?? NaN, true);
  v.setFloat64(32, state.track.lastTemp ?? NaN, true);
  v.setFloat64(40, state.track.norm.weight, true);
  v.setFloat64(48, state.track.norm.mean, true);
  v.setFloat64(56, state.track.norm.variance, true);
  v.setFloat64(64, state.track.norm.level, true);
  CLOCK_FIELDS.forEach((k, i) => v.setFloat64(72 + 8 * i, state.track.clock[k], true));
  v.setUint16(112, p, true);
  v.setUint16(114, layers, true);
  let at = HEADER;
  for (const c of covariates) {
    v.setFloat64(at, last[c] ?? NaN, true);
    at += 8;
  }
  for (let i = 0; i < n; i++, at += 4) v.setFloat32(at, state.hidden[i], true);
  for (let i = 0; i < p; i++, at += 4) v.setFloat32(at, profile![i]!, true);
  v.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

// Module-level, not a closure per call: decoding runs 100,000 times in a restart (bench/restart.ts).
const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function decodeSnapshot(
  sensor: string,
  bytes: Uint8Array,
  covariates: readonly Covariate[],
  stateSize: number,
  layers = 1,
): SensorState {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('snapshot data must be a Uint8Array');
  if (bytes.length < HEADERS[1]) throw new ModelError('WX_MODEL_TRUNCATED', `snapshot has ${bytes.length} bytes, header needs ${HEADERS[1]}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw new ModelError('WX_MODEL_CORRUPT', 'snapshot magic is not WXRS');
  const format = v.getUint16(4, true);
  const header = HEADERS[format];
  if (header === undefined) {
    throw new ModelError('WX_MODEL_FORMAT_VERSION', `snapshot format ${format} is not one of ${Object.keys(HEADERS).join(', ')}`);
  }
  const nCov = v.getUint16(6, true);
  const n = v.getUint32(8, true);
  if (bytes.length < header) throw new ModelError('WX_MODEL_TRUNCATED', `snapshot has ${bytes.length} bytes, its format-${format} header needs ${header}`);
  const p = format >= 3 ? v.getUint16(112, true) : 0;
  const end = header + 8 * nCov + 4 * n + 4 * p;
  if (bytes.length < end + 4) throw new ModelError('WX_MODEL_TRUNCATED', `snapshot has ${bytes.length} bytes, needs ${end + 4}`);
  if (bytes.length > end + 4 || v.getUint32(end, true) !== crc32(bytes.subarray(0, end))) {
    throw new ModelError('WX_MODEL_CORRUPT', 'snapshot checksum mismatch');
  }
  if (nCov !== covariates.length || n !== stateSize) {
    throw new ModelError('WX_MODEL_SNAPSHOT_MISMATCH', `snapshot has ${nCov} covariates and state ${n}; model needs ${covariates.length} and ${stateSize}`);
  }
  const stacked = format >= 4 ? v.getUint16(114, true) : 1;
  if (stacked !== layers) {
    throw new ModelError('WX_MODEL_SNAPSHOT_MISMATCH', `snapshot holds ${stacked} recurrent layer(s); model has ${layers}`);
  }
  const last: StepObservation = { sensor, t: v.getFloat64(16, true), temp: nullable(v.getFloat64(24, true)) };
  const clock: ClockState = format === 1 ? freshClock() : clockFrom((i) => v.getFloat64(72 + 8 * i, true));
  let at = header;
  for (const c of covariates) {
    last[c] = nullable(v.getFloat64(at, true));
    at += 8;
  }
  const hidden = new Float32Array(n);
  for (let i = 0; i < n; i++, at += 4) hidden[i] = v.getFloat32(at, true);
  let profile: Float32Array | undefined;
  if (p > 0) {
    profile = new Float32Array(p);
    for (let i = 0; i < p; i++, at += 4) profile[i] = v.getFloat32(at, true);
  }
  return {
    hidden,
    track: {
      last,
      lastTemp: nullable(v.getFloat64(32, true)),
      norm: {
        weight: v.getFloat64(40, true),
        mean: v.getFloat64(48, true),
        variance: v.getFloat64(56, true),
        level: v.getFloat64(64, true),
      },
      clock,
      ...(profile === undefined ? {} : { profile }),
    },
  };
}

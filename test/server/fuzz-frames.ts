// Seeded generator of client frames for the fuzz test: each case is a frame (text or bytes) together with the exact
// answer the protocol promises for it, so the test checks precision, not only survival.
import { createRng, type Rng } from '../../src/random.js';
import { ErrorCode } from '../../src/protocol/index.js';

const H = 3_600_000;
const BASE = Date.UTC(2016, 2, 1);

export type Expect =
  | { kind: 'ack'; accepted: number; rejected: Array<[index: number, code: string]> }
  | { kind: 'error'; code: string; withId: boolean }
  | { kind: 'close'; code: number };

export interface FuzzCase {
  /** Text frame, or bytes sent as a text frame that is not UTF-8 (`utf8: false`) or as a binary frame. */
  data: string | Buffer;
  binary?: boolean;
  id?: string;
  expect: Expect;
  /** Valid readings this frame stores: [sensor, ts, temp]. */
  valid: Array<[string, number, number]>;
}

export interface FuzzOptions {
  seed: number;
  maxReadings: number;
  maxPayloadBytes: number;
  sensors?: number;
}

type Mutation = [code: string, apply: (r: Record<string, unknown>, rng: Rng) => void];

const UNICODE_IDS = ['stätion', '传感器-1', 'st\u00001', 'st 1', '😀', 'a'.repeat(65), '', 'st/1', 'st-1\n'];
// Numbers JSON cannot carry as values are spliced into the text after stringify.
const RAW = (literal: string): string => `__RAW_${literal}__`;

const MUTATIONS: Mutation[] = [
  [ErrorCode.MissingField, (r) => delete r.sensor],
  [ErrorCode.BadSensor, (r, g) => (r.sensor = UNICODE_IDS[g.int(UNICODE_IDS.length)])],
  [ErrorCode.BadSensor, (r) => (r.sensor = 42)],
  [ErrorCode.MissingField, (r) => delete r.ts],
  [ErrorCode.BadTimestamp, (r) => (r.ts = 1.5)],
  [ErrorCode.BadTimestamp, (r) => (r.ts = '2016-03-01T00:00:00')],
  [ErrorCode.BadTimestamp, (r) => (r.ts = -86_400_000)],
  [ErrorCode.BadTimestamp, (r) => (r.ts = '1066-10-14T09:00:00Z')],
  [ErrorCode.BadTimestamp, (r) => (r.ts = Date.UTC(2300, 0, 1))],
  [ErrorCode.BadTimestamp, (r) => (r.ts = 'yesterday')],
  [ErrorCode.BadTimestamp, (r) => (r.ts = RAW('1e400'))],
  [ErrorCode.FutureTimestamp, (r) => (r.ts = Date.now() + 30 * 86_400_000)],
  [ErrorCode.MissingField, (r) => delete r.temp],
  [ErrorCode.NonFinite, (r, g) => (r.temp = ['NaN', 'Infinity', '-Infinity', 'nan', ' inf '][g.int(5)])],
  [ErrorCode.NonFinite, (r) => (r.temp = RAW('1e999'))],
  [ErrorCode.NonFinite, (r) => (r.pressure = RAW('-1e999'))],
  [ErrorCode.OutOfRange, (r) => (r.temp = 1e308)],
  [ErrorCode.OutOfRange, (r) => (r.temp = -273.15)],
  [ErrorCode.OutOfRange, (r) => (r.pressure = 5000)],
  [ErrorCode.OutOfRange, (r) => (r.wind = -1)],
  [ErrorCode.InvalidField, (r) => (r.temp = '12.5')],
  [ErrorCode.InvalidField, (r) => (r.temp = true)],
  [ErrorCode.InvalidField, (r) => (r.dewpoint = { v: 1 })],
  [ErrorCode.InvalidField, (r) => (r.wind = [1])],
];

const NOT_OBJECTS: unknown[] = [5, 'reading', [], [1, 2], true];

function nest(depth: number, leaf: string): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

function stringify(frame: unknown): string {
  return JSON.stringify(frame).replace(/"__RAW_([^"]*)__"/g, '$1');
}

/**
 * @example
 *   for (const c of fuzzCases({ seed: 7, maxReadings: 50, maxPayloadBytes: 65536 }, 3000)) send(c)
 */
export function* fuzzCases(o: FuzzOptions, count: number): Generator<FuzzCase> {
  const rng = createRng(o.seed);
  const sensors = o.sensors ?? 20;
  const nextHour = new Array<number>(sensors).fill(0);
  let seq = 0;

  const validReading = (): { r: Record<string, unknown>; row: [string, number, number] } => {
    const k = rng.int(sensors);
    const ts = BASE + nextHour[k]!++ * H;
    const temp = Math.round((rng.normal() * 8 + 10) * 100) / 100 + 0; // never -0: JSON has none
    const r: Record<string, unknown> = { sensor: `fz-${k}`, ts: rng.next() < 0.5 ? ts : new Date(ts).toISOString(), temp };
    if (rng.next() < 0.3) r.pressure = 1000 + rng.int(30);
    return { r, row: [`fz-${k}`, ts, temp] };
  };

  const push = (mixed: boolean): FuzzCase => {
    const id = `f${seq++}`;
    const n = 1 + rng.int(Math.min(8, o.maxReadings));
    const readings: unknown[] = [];
    const valid: FuzzCase['valid'] = [];
    const rejected: Array<[number, string]> = [];
    for (let i = 0; i < n; i++) {
      if (mixed && rng.next() < 0.5) {
        if (rng.next() < 0.15) {
          readings.push(NOT_OBJECTS[rng.int(NOT_OBJECTS.length)]);
          rejected.push([i, ErrorCode.InvalidField]);
        } else if (rng.next() < 0.05) {
          readings.push(JSON.parse(nest(2000, '1')) as unknown);
          rejected.push([i, ErrorCode.InvalidField]);
        } else {
          // A mutated reading consumes no timestamp: the valid ones stay unique per sensor.
          const k = rng.int(sensors);
          const r: Record<string, unknown> = { sensor: `fz-${k}`, ts: BASE + nextHour[k]! * H, temp: 5 };
          const [code, apply] = MUTATIONS[rng.int(MUTATIONS.length)]!;
          apply(r, rng);
          readings.push(r);
          rejected.push([i, code]);
        }
      } else {
        const v = validReading();
        readings.push(v.r);
        valid.push(v.row);
      }
    }
    return { data: stringify({ type: 'push', id, readings }), id, expect: { kind: 'ack', accepted: valid.length, rejected }, valid };
  };

  const frameError = (): FuzzCase => {
    const id = `e${seq++}`;
    const err = (data: string, code: string, withId = true): FuzzCase => ({
      data,
      ...(withId ? { id } : {}),
      expect: { kind: 'error', code, withId },
      valid: [],
    });
    const valid = stringify({ type: 'push', id, readings: [{ sensor: 'x', ts: BASE, temp: 1 }] });
    switch (rng.int(14)) {
      case 0:
        return err(valid.slice(0, 1 + rng.int(valid.length - 1)), ErrorCode.BadJson, false);
      case 1: {
        const bytes = Array.from({ length: 1 + rng.int(64) }, () => 33 + rng.int(94));
        return err(`~${String.fromCharCode(...bytes)}`, ErrorCode.BadJson, false);
      }
      case 2:
        return err(['[]', '42', '"push"', 'null', '[{"type":"push"}]'][rng.int(5)]!, ErrorCode.BadFrame, false);
      case 3:
        return err(nest(5000 + rng.int(20000), '0'), ErrorCode.BadFrame, false);
      case 4:
        return err(stringify({ id, readings: [] }), ErrorCode.UnknownType);
      case 5:
        return err(stringify({ type: ['pushh', 'PUSH', 'ack', 7, null][rng.int(5)], id }), ErrorCode.UnknownType);
      case 6:
        return err(`{"type":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)},"id":"${id}"}`, ErrorCode.UnknownType);
      case 7:
        return err(stringify({ type: 'push', id }), ErrorCode.MissingField);
      case 8:
        return err(stringify({ type: 'push', id, readings: { 0: {} } }), ErrorCode.InvalidField);
      case 9:
        return err(stringify({ type: 'push', id, readings: new Array(o.maxReadings + 1).fill(0) }), ErrorCode.TooManyReadings);
      case 10:
        return err(stringify({ type: 'subscribe', id, sensors: [UNICODE_IDS[rng.int(UNICODE_IDS.length - 1)]] }), ErrorCode.BadSensor);
      case 11:
        return err(stringify({ type: 'subscribe', id, sensors: [] }), ErrorCode.InvalidField);
      case 12:
        return err(stringify({ type: 'push', id: 'x'.repeat(129), readings: [] }), ErrorCode.InvalidField, false);
      default:
        return { data: Buffer.from([0x7b, 0x00, 0xff, rng.int(256)]), binary: true, expect: { kind: 'error', code: ErrorCode.BadFrame, withId: false }, valid: [] };
    }
  };

  const closer = (): FuzzCase => {
    if (rng.next() < 0.5) {
      // Not UTF-8 in a text frame: ws closes with 1007 (invalid frame payload data).
      return { data: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]), expect: { kind: 'close', code: 1007 }, valid: [] };
    }
    // A huge string value (10 MB now and then): 1009 at the frame header, nothing buffered.
    const size = rng.next() < 0.3 ? 10_000_000 : o.maxPayloadBytes + 1 + rng.int(100_000);
    return { data: `{"type":"push","id":"big","readings":[{"sensor":"${'s'.repeat(size)}"}]}`, expect: { kind: 'close', code: 1009 }, valid: [] };
  };

  for (let i = 0; i < count; i++) {
    const p = rng.next();
    if (p < 0.005) yield closer();
    else if (p < 0.3) yield push(false);
    else if (p < 0.65) yield push(true);
    else yield frameError();
  }
}

// RxJS operator at the edge: raw text frames become typed commands; push readings are validated one by one so that
// valid readings survive invalid neighbours, each rejection carrying its index and a stable code.
import { map, type OperatorFunction } from 'rxjs';
import {
  ErrorCode,
  parseClientFrame,
  unitSuspect,
  validateReading,
  type ErrorCode as Code,
  type Reading,
  type Rejection,
  type SubscribeFrame,
} from '../protocol/index.js';
import type { PushJob } from './types.js';

export interface IncomingFrame<O> {
  origin: O;
  text: string;
}

export type ParsedFrame<O> =
  | { kind: 'push'; job: PushJob<O> }
  | { kind: 'subscription'; origin: O; frame: SubscribeFrame }
  | { kind: 'error'; origin: O; id?: string; code: Code; message: string };

export interface ParseOptions<O = unknown> {
  maxReadings: number;
  /** Readings stamped after now() + maxFutureMs are rejected with future_timestamp. */
  maxFutureMs: number;
  now: () => number;
  /** Whether this node owns a sensor (partitioned deployments); others are rejected with not_owner. */
  owns?: (sensor: string) => boolean;
  /** Whether a sensor may be tracked (false once the sensor limit is reached for a new one). */
  admit?: (sensor: string) => boolean;
  /** Whether the sender holds the right to push or to read (subscribe); others get a `forbidden` error. */
  authorize?: (origin: O, right: 'push' | 'read') => boolean;
  /** Whether the sender may push readings of this sensor (token scope); others are rejected with `forbidden`. */
  permits?: (origin: O, sensor: string) => boolean;
  /** A reading rejected as out of range whose temperature looks like Kelvin or Fahrenheit (plausibility flags). */
  onUnitSuspect?: (origin: O, suspect: { sensor: string; ts: number; unit: 'kelvin' | 'fahrenheit' }) => void;
}

/** Validate the readings of one push; pure, so tools and tests can call it without the operator. */
export function validatePush<O>(
  origin: O,
  id: string | undefined,
  raw: readonly unknown[],
  o: ParseOptions<O>,
): PushJob<O> {
  const readings: Reading[] = [];
  const rejected: Rejection[] = [];
  const latest = o.now() + o.maxFutureMs;
  raw.forEach((item, index) => {
    const v = validateReading(item);
    if (!v.ok) {
      rejected.push({ index, code: v.code, message: v.message });
      if (v.code === ErrorCode.OutOfRange && o.onUnitSuspect) {
        const suspect = unitSuspect(item);
        if (suspect) o.onUnitSuspect(origin, suspect);
      }
    } else if (v.reading.ts > latest) {
      rejected.push({
        index,
        code: ErrorCode.FutureTimestamp,
        message: `"ts" is more than ${o.maxFutureMs / 1000} s in the future`,
      });
    } else if (o.owns && !o.owns(v.reading.sensor)) {
      rejected.push({ index, code: ErrorCode.NotOwner, message: `this node does not own sensor "${v.reading.sensor}"` });
    } else if (o.permits && !o.permits(origin, v.reading.sensor)) {
      rejected.push({ index, code: ErrorCode.Forbidden, message: `this token may not push to sensor "${v.reading.sensor}"` });
    } else if (o.admit && !o.admit(v.reading.sensor)) {
      rejected.push({ index, code: ErrorCode.TooManySensors, message: 'this node tracks the maximum number of sensors' });
    } else {
      readings.push(v.reading);
    }
  });
  return id === undefined ? { origin, readings, rejected } : { origin, id, readings, rejected };
}

/**
 * @example
 *   frames$.pipe(parseFrames({ maxReadings: 1000, maxFutureMs: 600_000, now: Date.now }))
 */
export function parseFrames<O>(options: ParseOptions<O>): OperatorFunction<IncomingFrame<O>, ParsedFrame<O>> {
  const error = (origin: O, id: string | undefined, code: Code, message: string): ParsedFrame<O> =>
    id === undefined ? { kind: 'error', origin, code, message } : { kind: 'error', origin, id, code, message };
  const parse = ({ origin, text }: IncomingFrame<O>): ParsedFrame<O> => {
    const r = parseClientFrame(text, { maxReadings: options.maxReadings });
    if (!r.ok) return error(origin, r.id, r.code, r.message);
    const right = r.frame.type === 'push' ? 'push' : 'read';
    if (options.authorize && !options.authorize(origin, right)) {
      return error(origin, r.frame.id, ErrorCode.Forbidden, `this token has no ${right} right; ${r.frame.type} refused`);
    }
    if (r.frame.type === 'push') {
      return { kind: 'push', job: validatePush(origin, r.frame.id, r.frame.readings, options) };
    }
    return { kind: 'subscription', origin, frame: r.frame };
  };
  // An input nobody foresaw must cost one frame, never the stream every connection shares.
  return map((frame): ParsedFrame<O> => {
    try {
      return parse(frame);
    } catch {
      return error(frame.origin, undefined, ErrorCode.Internal, 'the server could not process this frame');
    }
  });
}

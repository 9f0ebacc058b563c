// RxJS operator at the edge: raw text frames become typed commands; push readings are validated one by one so that
// valid readings survive invalid neighbours, each rejection carrying its index and a stable code.
import { map, type OperatorFunction } from 'rxjs';
import {
  ErrorCode,
  parseClientFrame,
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

export interface ParseOptions {
  maxReadings: number;
  /** Readings stamped after now() + maxFutureMs are rejected with future_timestamp. */
  maxFutureMs: number;
  now: () => number;
  /** Whether this node owns a sensor (partitioned deployments); others are rejected with not_owner. */
  owns?: (sensor: string) => boolean;
  /** Whether a sensor may be tracked (false once the sensor limit is reached for a new one). */
  admit?: (sensor: string) => boolean;
}

/** Validate the readings of one push; pure, so tools and tests can call it without the operator. */
export function validatePush<O>(
  origin: O,
  id: string | undefined,
  raw: readonly unknown[],
  o: ParseOptions,
): PushJob<O> {
  const readings: Reading[] = [];
  const rejected: Rejection[] = [];
  const latest = o.now() + o.maxFutureMs;
  raw.forEach((item, index) => {
    const v = validateReading(item);
    if (!v.ok) {
      rejected.push({ index, code: v.code, message: v.message });
    } else if (v.reading.ts > latest) {
      rejected.push({
        index,
        code: ErrorCode.FutureTimestamp,
        message: `"ts" is more than ${o.maxFutureMs / 1000} s in the future`,
      });
    } else if (o.owns && !o.owns(v.reading.sensor)) {
      rejected.push({ index, code: ErrorCode.NotOwner, message: `this node does not own sensor "${v.reading.sensor}"` });
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
export function parseFrames<O>(options: ParseOptions): OperatorFunction<IncomingFrame<O>, ParsedFrame<O>> {
  return map(({ origin, text }): ParsedFrame<O> => {
    const r = parseClientFrame(text, { maxReadings: options.maxReadings });
    if (!r.ok) {
      return r.id === undefined
        ? { kind: 'error', origin, code: r.code, message: r.message }
        : { kind: 'error', origin, id: r.id, code: r.code, message: r.message };
    }
    if (r.frame.type === 'push') {
      return { kind: 'push', job: validatePush(origin, r.frame.id, r.frame.readings, options) };
    }
    return { kind: 'subscription', origin, frame: r.frame };
  });
}

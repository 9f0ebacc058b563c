// Options of `connect()`: one defaults object spread under the caller's options, checked once at start.
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { SocketFactory } from './socket.js';

export interface ConnectOptions {
  /** Bearer token; sent as `?token=` on the WebSocket (browsers cannot set headers) and as a header over HTTP. */
  token?: string;
  /** Floor of every reconnect delay, and the base its ceiling doubles from. Default 250. */
  minDelayMs?: number;
  /** Cap of the reconnect delay ceiling. Default 30 000. */
  maxDelayMs?: number;
  /** Most readings kept unacknowledged (in flight or waiting for a connection). Default 10 000. */
  maxBuffered?: number;
  /** A push is split into frames of at most this many readings. Default 500. */
  maxFrameReadings?: number;
  /** A push rejects with `timeout` when not acked this long after `push()`. Infinity disables. Default 30 000. */
  ackTimeoutMs?: number;
  /** `connect()` rejects with `connect_failed` when no socket opened within this. Default 10 000. */
  connectTimeoutMs?: number;
  /** Uniform [0, 1) source for the reconnect jitter. Default Math.random. */
  random?: () => number;
  /** Scheduler of every timer (reconnect, ack and connect timeouts); a virtual one makes tests sleep-free. */
  scheduler?: SchedulerLike;
  /** Makes a socket; default is the global WebSocket, else the `ws` package. */
  webSocket?: SocketFactory;
  /** HTTP fetch; default the global one. */
  fetch?: typeof fetch;
}

export type ResolvedOptions = Required<Omit<ConnectOptions, 'token' | 'webSocket' | 'fetch'>> &
  Pick<ConnectOptions, 'token' | 'webSocket' | 'fetch'>;

export const DEFAULTS = {
  minDelayMs: 250,
  maxDelayMs: 30_000,
  maxBuffered: 10_000,
  maxFrameReadings: 500,
  ackTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

function positive(name: string, value: number, { integer = false, infinite = false } = {}): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`options.${name} must be a number`);
  if (value <= 0 || (!infinite && !Number.isFinite(value)) || (integer && Number.isFinite(value) && !Number.isInteger(value))) {
    throw new RangeError(`options.${name} must be a positive ${integer ? 'integer' : 'finite number'}, got ${value}`);
  }
}

export function resolveOptions(options: ConnectOptions = {}): ResolvedOptions {
  const o = {
    ...DEFAULTS,
    random: Math.random,
    scheduler: asyncScheduler,
    ...stripUndefined(options),
  };
  positive('minDelayMs', o.minDelayMs);
  positive('maxDelayMs', o.maxDelayMs);
  if (o.maxDelayMs < o.minDelayMs) throw new RangeError('options.maxDelayMs must be >= options.minDelayMs');
  positive('maxBuffered', o.maxBuffered, { integer: true });
  positive('maxFrameReadings', o.maxFrameReadings, { integer: true });
  positive('ackTimeoutMs', o.ackTimeoutMs, { infinite: true });
  positive('connectTimeoutMs', o.connectTimeoutMs, { infinite: true });
  if (typeof o.random !== 'function') throw new TypeError('options.random must be a function');
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) {
    throw new TypeError('options.token must be a non-empty string');
  }
  return o;
}

// `{ minDelayMs: undefined }` means "use the default", as if the key were absent.
function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Configuration of `wxstream serve`: one defaults object, environment variables, and validation that makes bad
// settings fail at start with a sentence naming the option (never coerced silently).

import { BACKEND_CHOICES, isBackendChoice, type BackendChoice } from './model/backend-name.js';
import { DEFAULT_PARTITIONS } from './pipeline/partitions.js';
import { SOUTHERN_SEASON_DAYS } from './model/config.js';
import { parseUtcOffset } from './utc-offset.js';

export interface ServeConfig {
  /** TCP port; 0 picks a free one. */
  port: number;
  host: string;
  /** SQLite file; its folder is created. ':memory:' keeps everything in RAM (tests). */
  db: string;
  /** Grid step in seconds; fixed for the life of a database. */
  stepSeconds: number;
  /** Forecast points per forecast. */
  horizon: number;
  /** Most readings one push frame may carry. */
  maxReadingsPerFrame: number;
  /** Largest WebSocket frame in bytes; larger frames close the connection with 1009. */
  maxPayloadBytes: number;
  /** Wall-clock seconds after a bucket's end before a live bucket closes without a later reading. */
  graceSeconds: number;
  /** Missing steps beyond which a sensor is reset and re-warmed from stored history instead of stepped through. */
  maxGapSteps: number;
  /** Steps of stored history used to warm a sensor after a reset or when no snapshot exists. */
  warmupSteps: number;
  /**
   * Partitions that sensors map to by a stable hash (src/pipeline/partitions.ts); a node owns whole partitions.
   * Fixed for a database: state snapshots are handed over per partition.
   */
  partitions: number;
  /** Readings written in one SQLite transaction at most (frames queued in the same tick share it). */
  batchMaxReadings: number;
  /** Seconds between periodic state snapshots (crash recovery re-encodes only what came after). 0 disables. */
  snapshotSeconds: number;
  /** Readings stamped further than this many seconds in the future are rejected. */
  maxFutureSeconds: number;
  /**
   * Forecasts queued per slow connection at most. The queue keeps one (the newest) per sensor, and its frames are the
   * ones the latest-forecast cache holds anyway, so an entry costs a map slot: the default covers a "*" subscriber
   * at the default maxSensors, which then never loses a sensor's forecast (1,000 lost most of a 10,000-sensor round).
   */
  maxQueuedForecasts: number;
  /** Bytes a connection may have unsent before forecasts are held back in its queue. */
  highWaterBytes: number;
  /** Control messages (acks, errors) queued for one connection before it is closed as abusive. */
  maxQueuedControl: number;
  /** Protocol errors in a row after which a connection is closed as abusive (1008). */
  maxConsecutiveErrors: number;
  /** Scored forecasts per sensor and step kept in the rolling skill window. */
  skillWindow: number;
  /**
   * Also export rolling skill per sensor and step ahead in /metrics (48 series a verified sensor; a scrape then
   * blocks the event loop ~0.4 s at 1,000 verified sensors). Off: the node's skill per step ahead only.
   */
  sensorSkillMetrics: boolean;
  /**
   * How fast the served p10-p90 bands adapt to their verified coverage (change of log-width per grid step per unit
   * of excess miss rate; src/pipeline/interval-tuner.ts); 0 serves the model's own bands.
   */
  bandTuningRate: number;
  /** Distinct sensors this node accepts. */
  maxSensors: number;
  /** Days of issued forecasts kept (counted back from the newest origin, event time); 0 keeps all. */
  forecastRetentionDays: number;
  /** Allow listening on a non-loopback address while the database holds no token (anyone may push and read). */
  insecure: boolean;
  /** Frames per second one connection may send (token bucket, bursts up to one second's worth). */
  maxFramesPerSecond: number;
  /** Sensors one connection may subscribe to by name (`"*"` counts as one). */
  maxSubscriptionsPerConnection: number;
  /** WebSocket connections one remote address may hold at once. */
  maxConnectionsPerIp: number;
  /** Seconds between pings; a peer that has not answered the previous ping is dropped. */
  heartbeatSeconds: number;
  /** How long a write waits for a lock held by another process before it fails (storage_error). */
  busyTimeoutMs: number;
  /** SQLite `synchronous`: 'normal' survives process crashes, 'full' also power loss (slower commits). */
  synchronous: 'normal' | 'full';
  /**
   * Where this node's stations are, as a UTC offset ("+01:00"), or "" when unknown: a new sensor's clock alignment
   * starts from it instead of the UTC clock, so its forecasts follow the right hours from the first reading; its
   * own estimate takes over after a week (docs/model.md, "Clock alignment").
   */
  stationUtcOffset: string;
  /**
   * The hemisphere of this node's stations. 'south' shifts every sensor's time features by half a year (182 whole
   * days), live and in training windows, so southern stations meet the seasons of the northern stations the shipped
   * weights learnt from (without it they score worse than persistence, docs/model.md).
   */
  stationHemisphere: Hemisphere;
  /**
   * Seconds a graceful stop (acks, snapshot, close) may take before `wxstream serve` exits without finishing it;
   * the next start then rebuilds the sensor states from stored readings, as after a crash.
   */
  shutdownTimeoutSeconds: number;
  /**
   * The tfjs backend of the model: 'auto' takes tensorflow (tfjs-node, built by npm ci from pip's tensorflow-cpu
   * wheel) when it loads, else wasm with one log line saying why; an explicit one that cannot start stops the server.
   */
  backend: BackendChoice;
}

/** Where a node's stations are, north or south of the equator (option stationHemisphere). */
export const HEMISPHERES = ['north', 'south'] as const;
export type Hemisphere = (typeof HEMISPHERES)[number];

export function isHemisphere(v: unknown): v is Hemisphere {
  return (HEMISPHERES as readonly unknown[]).includes(v);
}

export const DEFAULTS: Readonly<ServeConfig> = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  db: './data/wxstream.db',
  stepSeconds: 3600,
  horizon: 24,
  maxReadingsPerFrame: 1000,
  maxPayloadBytes: 1 << 20,
  graceSeconds: 120,
  maxGapSteps: 48,
  warmupSteps: 72,
  partitions: DEFAULT_PARTITIONS,
  batchMaxReadings: 5000,
  snapshotSeconds: 300,
  maxFutureSeconds: 600,
  maxQueuedForecasts: 100_000,
  highWaterBytes: 1 << 20,
  maxQueuedControl: 1000,
  maxConsecutiveErrors: 50,
  skillWindow: 168,
  sensorSkillMetrics: false,
  bandTuningRate: 0.02,
  maxSensors: 100_000,
  forecastRetentionDays: 90,
  insecure: false,
  maxFramesPerSecond: 200,
  maxSubscriptionsPerConnection: 10_000,
  maxConnectionsPerIp: 256,
  heartbeatSeconds: 30,
  busyTimeoutMs: 5000,
  synchronous: 'normal',
  stationUtcOffset: '',
  stationHemisphere: 'north',
  shutdownTimeoutSeconds: 10,
  backend: 'auto',
});

/** Environment variable of each option (all documented in docs/configuration.md). */
export const ENV_VARS: Readonly<Record<keyof ServeConfig, string>> = Object.freeze({
  port: 'WXSTREAM_PORT',
  host: 'WXSTREAM_HOST',
  db: 'WXSTREAM_DB',
  stepSeconds: 'WXSTREAM_STEP',
  horizon: 'WXSTREAM_HORIZON',
  maxReadingsPerFrame: 'WXSTREAM_MAX_READINGS',
  maxPayloadBytes: 'WXSTREAM_MAX_PAYLOAD',
  graceSeconds: 'WXSTREAM_GRACE',
  maxGapSteps: 'WXSTREAM_MAX_GAP_STEPS',
  warmupSteps: 'WXSTREAM_WARMUP_STEPS',
  partitions: 'WXSTREAM_PARTITIONS',
  batchMaxReadings: 'WXSTREAM_BATCH_READINGS',
  snapshotSeconds: 'WXSTREAM_SNAPSHOT_INTERVAL',
  maxFutureSeconds: 'WXSTREAM_MAX_FUTURE',
  maxQueuedForecasts: 'WXSTREAM_MAX_QUEUED_FORECASTS',
  highWaterBytes: 'WXSTREAM_HIGH_WATER',
  maxQueuedControl: 'WXSTREAM_MAX_QUEUED_CONTROL',
  maxConsecutiveErrors: 'WXSTREAM_MAX_ERRORS',
  skillWindow: 'WXSTREAM_SKILL_WINDOW',
  sensorSkillMetrics: 'WXSTREAM_SENSOR_SKILL_METRICS',
  bandTuningRate: 'WXSTREAM_BAND_TUNING_RATE',
  maxSensors: 'WXSTREAM_MAX_SENSORS',
  forecastRetentionDays: 'WXSTREAM_FORECAST_RETENTION_DAYS',
  insecure: 'WXSTREAM_INSECURE',
  maxFramesPerSecond: 'WXSTREAM_MAX_FRAMES_PER_SECOND',
  maxSubscriptionsPerConnection: 'WXSTREAM_MAX_SUBSCRIPTIONS',
  maxConnectionsPerIp: 'WXSTREAM_MAX_CONNECTIONS_PER_IP',
  heartbeatSeconds: 'WXSTREAM_HEARTBEAT',
  busyTimeoutMs: 'WXSTREAM_BUSY_TIMEOUT_MS',
  synchronous: 'WXSTREAM_SYNCHRONOUS',
  stationUtcOffset: 'WXSTREAM_STATION_UTC_OFFSET',
  stationHemisphere: 'WXSTREAM_STATION_HEMISPHERE',
  shutdownTimeoutSeconds: 'WXSTREAM_SHUTDOWN_TIMEOUT',
  backend: 'WXSTREAM_BACKEND',
});

type IntRule = [min: number, max: number];
const INT_RULES: Partial<Record<keyof ServeConfig, IntRule>> = {
  port: [0, 65535],
  stepSeconds: [1, 7 * 86400],
  horizon: [1, 1000],
  maxReadingsPerFrame: [1, 100_000],
  maxPayloadBytes: [1024, 64 << 20],
  graceSeconds: [0, 86400],
  maxGapSteps: [0, 1_000_000],
  warmupSteps: [0, 100_000],
  partitions: [1, 4096],
  batchMaxReadings: [1, 1_000_000],
  snapshotSeconds: [0, 86400],
  maxFutureSeconds: [0, 10 * 365 * 86400],
  maxQueuedForecasts: [1, 1_000_000],
  highWaterBytes: [1024, 1 << 30],
  maxQueuedControl: [1, 1_000_000],
  maxConsecutiveErrors: [1, 1_000_000],
  skillWindow: [1, 1_000_000],
  maxSensors: [1, 100_000_000],
  forecastRetentionDays: [0, 100_000],
  maxFramesPerSecond: [1, 1_000_000],
  maxSubscriptionsPerConnection: [1, 100_000_000],
  maxConnectionsPerIp: [1, 1_000_000],
  heartbeatSeconds: [1, 3600],
  busyTimeoutMs: [0, 600_000],
  shutdownTimeoutSeconds: [1, 3600],
};

const FLOAT_RULES: Partial<Record<keyof ServeConfig, IntRule>> = {
  bandTuningRate: [0, 1],
};

/**
 * Merge user options over DEFAULTS and validate every field.
 *
 * @example
 *   resolveConfig({ port: 0, db: ':memory:' }).horizon // 24
 * @throws RangeError naming the option when a value is out of range or of the wrong type
 */
export function resolveConfig(options: Partial<ServeConfig> = {}): ServeConfig {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new RangeError(`unknown option "${key}"`);
  }
  const config: ServeConfig = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options) as Array<[keyof ServeConfig, unknown]>) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const [key, [min, max]] of Object.entries(INT_RULES) as Array<[keyof ServeConfig, IntRule]>) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`option "${key}" must be an integer in ${min}..${max}; got ${JSON.stringify(v)}`);
    }
  }
  for (const [key, [min, max]] of Object.entries(FLOAT_RULES) as Array<[keyof ServeConfig, IntRule]>) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new RangeError(`option "${key}" must be a number in ${min}..${max}; got ${JSON.stringify(v)}`);
    }
  }
  if (typeof config.host !== 'string' || config.host === '') {
    throw new RangeError(`option "host" must be a non-empty string; got ${JSON.stringify(config.host)}`);
  }
  if (typeof config.db !== 'string' || config.db === '') {
    throw new RangeError(`option "db" must be a file path or ":memory:"; got ${JSON.stringify(config.db)}`);
  }
  for (const key of ['insecure', 'sensorSkillMetrics'] as const) {
    if (typeof config[key] !== 'boolean') throw new RangeError(`option "${key}" must be true or false; got ${JSON.stringify(config[key])}`);
  }
  if (config.synchronous !== 'normal' && config.synchronous !== 'full') {
    throw new RangeError(`option "synchronous" must be "normal" or "full"; got ${JSON.stringify(config.synchronous)}`);
  }
  if (typeof config.stationUtcOffset !== 'string' || (config.stationUtcOffset !== '' && offsetHours(config.stationUtcOffset) === undefined)) {
    throw new RangeError(`option "stationUtcOffset" must be "" or an offset like +01:00 or -05:30; got ${JSON.stringify(config.stationUtcOffset)}`);
  }
  if (!isHemisphere(config.stationHemisphere)) {
    throw new RangeError(`option "stationHemisphere" must be "north" or "south"; got ${JSON.stringify(config.stationHemisphere)}`);
  }
  if (!isBackendChoice(config.backend)) {
    throw new RangeError(`option "backend" must be one of ${BACKEND_CHOICES.join(', ')}; got ${JSON.stringify(config.backend)}`);
  }
  if (config.maxReadingsPerFrame > config.batchMaxReadings) {
    throw new RangeError(
      `option "batchMaxReadings" (${config.batchMaxReadings}) must be at least "maxReadingsPerFrame" (${config.maxReadingsPerFrame})`,
    );
  }
  return config;
}

/** A UTC offset "+hh:mm" in hours (-14..14); undefined when malformed. */
function offsetHours(text: string): number | undefined {
  try {
    return parseUtcOffset(text) / 60;
  } catch {
    return undefined;
  }
}

/** The declared station offset of a resolved config in hours, undefined when none was given. */
export function stationUtcOffsetHours(config: Pick<ServeConfig, 'stationUtcOffset'>): number | undefined {
  return config.stationUtcOffset === '' ? undefined : offsetHours(config.stationUtcOffset);
}

/** Whole days a resolved config shifts its sensors' time features by: half a year for southern stations. */
export function stationSeasonDays(config: Pick<ServeConfig, 'stationHemisphere'>): number {
  return config.stationHemisphere === 'south' ? SOUTHERN_SEASON_DAYS : 0;
}

/**
 * Read the options present in an environment (strings parsed strictly: "80x" is an error, not 80).
 *
 * @example
 *   configFromEnv({ WXSTREAM_PORT: '0' }) // { port: 0 }
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ServeConfig> {
  const out: Partial<ServeConfig> = {};
  for (const [key, name] of Object.entries(ENV_VARS) as Array<[keyof ServeConfig, string]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const d = DEFAULTS[key];
    (out as Record<string, unknown>)[key] =
      key in FLOAT_RULES
        ? parseNumberStrict(raw, name)
        : typeof d === 'number'
          ? parseIntStrict(raw, name)
          : typeof d === 'boolean'
            ? parseBoolStrict(raw, name)
            : raw;
  }
  return out;
}

export function parseIntStrict(raw: string, name: string): number {
  if (!/^\s*-?\d+\s*$/.test(raw)) throw new RangeError(`${name} must be an integer; got "${raw}"`);
  return Number(raw);
}

export function parseNumberStrict(raw: string, name: string): number {
  if (!/^\s*-?(\d+\.?\d*|\.\d+)(e-?\d+)?\s*$/i.test(raw)) throw new RangeError(`${name} must be a number; got "${raw}"`);
  return Number(raw);
}

export function parseBoolStrict(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '0' || v === 'false' || v === 'no') return false;
  throw new RangeError(`${name} must be true or false (1/0); got "${raw}"`);
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

// Parses one client text frame into a typed command, or one protocol error with a stable code. Pure: the server
// calls it at the edge, and the client SDK can use it to check frames before sending.
import { ErrorCode } from './codes.js';
import { PushFrame, SubscribeFrame, SENSOR_ID, type ClientFrame } from './messages.js';
import { validateThresholds } from './thresholds.js';

export interface FrameLimits {
  /** Most readings one push may carry. */
  maxReadings: number;
}

export type FrameResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id?: string; code: ErrorCode; message: string };

const KNOWN_TYPES = new Set(['push', 'subscribe', 'unsubscribe']);

/**
 * Parse and check the envelope of a client frame. Readings inside a push are not validated here: each one is
 * checked by `validateReading` so that valid readings survive invalid neighbours.
 *
 * @example
 *   parseClientFrame('{"type":"subscribe","sensors":"*"}', { maxReadings: 1000 })
 *   // { ok: true, frame: { type: 'subscribe', sensors: '*' } }
 */
export function parseClientFrame(text: string, limits: FrameLimits): FrameResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: ErrorCode.BadJson, message: `frame is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: ErrorCode.BadFrame, message: 'frame must be a JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === 'string' && obj.id.length <= 128 ? obj.id : undefined;
  const fail = (code: ErrorCode, message: string): FrameResult =>
    id === undefined ? { ok: false, code, message } : { ok: false, id, code, message };

  if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) {
    return fail(
      ErrorCode.UnknownType,
      obj.type === undefined
        ? 'frame has no "type"; expected push, subscribe or unsubscribe'
        : `unknown frame type ${describe(obj.type)}; expected push, subscribe or unsubscribe`,
    );
  }
  if (obj.id !== undefined && id === undefined) {
    return fail(ErrorCode.InvalidField, '"id" must be a string of at most 128 characters');
  }
  if (obj.type === 'push') {
    if (obj.readings === undefined) return fail(ErrorCode.MissingField, 'push has no "readings"');
    if (!Array.isArray(obj.readings)) return fail(ErrorCode.InvalidField, '"readings" must be an array');
    if (obj.readings.length > limits.maxReadings) {
      return fail(
        ErrorCode.TooManyReadings,
        `push carries ${obj.readings.length} readings; at most ${limits.maxReadings} are allowed per frame`,
      );
    }
    const parsed = PushFrame.safeParse(obj);
    if (!parsed.success) return fail(ErrorCode.InvalidField, parsed.error.issues[0]?.message ?? 'invalid push');
    return { ok: true, frame: parsed.data };
  }
  if (obj.sensors === undefined) return fail(ErrorCode.MissingField, `${obj.type} has no "sensors"`);
  // Thresholds are checked by validateThresholds below, each failure with its own code (zod would say only "invalid").
  const parsed = SubscribeFrame.safeParse(obj.thresholds === undefined ? obj : { ...obj, thresholds: undefined });
  if (!parsed.success) {
    return fail(ErrorCode.InvalidField, '"sensors" must be "*" or a non-empty array of sensor ids');
  }
  if (parsed.data.sensors !== '*') {
    const bad = parsed.data.sensors.find((s) => !SENSOR_ID.test(s));
    if (bad !== undefined) {
      return fail(ErrorCode.BadSensor, `sensor id ${describe(bad)} must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
    }
  }
  if (obj.thresholds !== undefined) {
    const t = validateThresholds(obj.thresholds);
    if (!t.ok) return fail(t.code, t.message);
    return { ok: true, frame: { ...parsed.data, thresholds: t.thresholds } };
  }
  return { ok: true, frame: parsed.data };
}

/** A short, safe rendering of a client value for an error message (never the whole of a huge or deep value). */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

const PEEK_ID = /"id"\s*:\s*"([^"\\]{1,128})"/;

/**
 * The `id` of a frame found without parsing it, when it sits in the first 256 characters (clients put it first):
 * lets a frame refused before parsing (rate limit) still be answered with its id, so the sender can retry it.
 */
export function peekFrameId(text: string): string | undefined {
  return PEEK_ID.exec(text.slice(0, 256))?.[1];
}

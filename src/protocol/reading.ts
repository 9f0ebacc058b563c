// Validates one pushed reading into a typed `Reading`, or says precisely why not (stable code + sentence).
// Hand-written rather than a zod schema: it runs once per reading on the ingest hot path and must map every
// failure to one specific protocol code.
import { ErrorCode } from './codes.js';
import { RANGES, SENSOR_ID, type Reading } from './messages.js';

export type ReadingResult =
  | { ok: true; reading: Reading }
  | { ok: false; code: ErrorCode; message: string };

const MIN_TS = 0; // 1970-01-01
const MAX_TS = Date.UTC(2100, 0, 1);
// ISO-8601 with an explicit zone: 2016-03-01T00:00:00Z, 2016-03-01T08:00:00.000+08:00
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

const fail = (code: ErrorCode, message: string): ReadingResult => ({ ok: false, code, message });

export function parseTimestamp(ts: unknown): number | undefined {
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isInteger(ts)) return undefined;
    ms = ts;
  } else if (typeof ts === 'string') {
    const m = ts.length > 40 ? null : ISO_WITH_ZONE.exec(ts);
    // Date.parse rolls impossible fields over (2024-02-30 -> 2024-03-01, 24:00 -> next day): a reading stamped so
    // is a wrong timestamp, and stored it would move its sensor's clock ahead of its real readings.
    if (m === null || !validFields(m)) return undefined;
    ms = Date.parse(ts);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && ms >= MIN_TS && ms < MAX_TS ? ms : undefined;
}

function validFields(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const zone = m[7] === undefined ? [0, 0] : [Number(m[7]), Number(m[8])];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth &&
    hour! <= 23 && minute! <= 59 && second <= 59 && zone[0]! <= 14 && zone[1]! <= 59
  );
}

function measurement(
  raw: Record<string, unknown>,
  field: keyof typeof RANGES,
  required: boolean,
): { value?: number; error?: ReadingResult } {
  const v = raw[field];
  if (v === undefined || v === null) {
    return required ? { error: fail(ErrorCode.MissingField, `reading has no "${field}"`) } : {};
  }
  if (typeof v !== 'number') {
    const looksNonFinite = typeof v === 'string' && /^[+-]?(nan|inf(inity)?)$/i.test(v.trim());
    return {
      error: looksNonFinite
        ? fail(ErrorCode.NonFinite, `"${field}" must be a finite number`)
        : fail(ErrorCode.InvalidField, `"${field}" must be a number, got ${typeof v}`),
    };
  }
  if (!Number.isFinite(v)) return { error: fail(ErrorCode.NonFinite, `"${field}" must be a finite number`) };
  const [lo, hi] = RANGES[field];
  if (v < lo || v > hi) {
    const unit = field === 'temp' || field === 'dewpoint' ? temperatureUnit(v) : undefined;
    const hint = unit === undefined ? '' : ` (looks like ${unit === 'kelvin' ? 'Kelvin' : 'Fahrenheit'}; send deg C)`;
    return { error: fail(ErrorCode.OutOfRange, `"${field}" ${v} is outside ${lo}..${hi}${hint}`) };
  }
  return { value: v };
}

/** Which unit an out-of-range temperature was probably sent in: Kelvin or Fahrenheit of a plausible deg C. */
export function temperatureUnit(v: number): 'kelvin' | 'fahrenheit' | undefined {
  const [lo, hi] = RANGES.temp;
  if (v > hi && v - 273.15 >= lo && v - 273.15 <= hi) return 'kelvin';
  if (v > hi && (v - 32) / 1.8 >= lo && (v - 32) / 1.8 <= hi) return 'fahrenheit';
  return undefined;
}

/**
 * A reading rejected only because its temperature looks like Kelvin or Fahrenheit: its sensor, time and the unit,
 * so the service can flag the sensor (the reading itself is not stored).
 */
export function unitSuspect(raw: unknown): { sensor: string; ts: number; unit: 'kelvin' | 'fahrenheit' } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.temp !== 'number' || typeof r.sensor !== 'string' || !SENSOR_ID.test(r.sensor)) return undefined;
  const unit = temperatureUnit(r.temp);
  const ts = parseTimestamp(r.ts);
  return unit === undefined || ts === undefined ? undefined : { sensor: r.sensor, ts, unit };
}

/**
 * Validate one element of a push frame's `readings` array.
 *
 * @example
 *   validateReading({ sensor: 'st-1', ts: '2016-03-01T00:00:00Z', temp: -1.2 })
 *   // { ok: true, reading: { sensor: 'st-1', ts: 1456790400000, temp: -1.2 } }
 */
export function validateReading(raw: unknown): ReadingResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(ErrorCode.InvalidField, 'reading must be an object');
  }
  const r = raw as Record<string, unknown>;
  if (r.sensor === undefined) return fail(ErrorCode.MissingField, 'reading has no "sensor"');
  if (typeof r.sensor !== 'string' || !SENSOR_ID.test(r.sensor)) {
    return fail(ErrorCode.BadSensor, '"sensor" must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  }
  if (r.ts === undefined) return fail(ErrorCode.MissingField, 'reading has no "ts"');
  const ts = parseTimestamp(r.ts);
  if (ts === undefined) {
    return fail(
      ErrorCode.BadTimestamp,
      '"ts" must be ISO-8601 with a zone or integer epoch milliseconds, between 1970 and 2100',
    );
  }
  const reading: Reading = { sensor: r.sensor, ts, temp: 0 };
  for (const field of ['temp', 'pressure', 'dewpoint', 'wind'] as const) {
    const m = measurement(r, field, field === 'temp');
    if (m.error) return m.error;
    if (m.value !== undefined) reading[field] = m.value;
  }
  return { ok: true, reading };
}

// Validates the event thresholds a subscriber asks probabilities for (subscribe frames, HTTP `?thresholds=`, the
// CLI): at most MAX_THRESHOLDS finite temperatures within RANGES.temp, each failure with its own stable code.
import { ErrorCode } from './codes.js';
import { RANGES } from './messages.js';

export const MAX_THRESHOLDS = 8;

export type ThresholdsResult =
  | { ok: true; thresholds: number[] }
  | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): ThresholdsResult => ({ ok: false, code, message });

/**
 * Check a `thresholds` value as decoded from JSON. The result is sorted and without repeats (one key per threshold
 * in `below`; equal sets then share one frame); an empty array means none.
 *
 * @example
 *   validateThresholds([30, 0]) // { ok: true, thresholds: [0, 30] }
 *   validateThresholds([0, 99]) // { ok: false, code: 'out_of_range', message: 'threshold 99 is outside -90..60' }
 */
export function validateThresholds(raw: unknown): ThresholdsResult {
  if (!Array.isArray(raw)) return fail(ErrorCode.InvalidField, '"thresholds" must be an array of temperatures (deg C)');
  if (raw.length > MAX_THRESHOLDS) {
    return fail(ErrorCode.TooManyThresholds, `"thresholds" has ${raw.length} values; at most ${MAX_THRESHOLDS} are allowed`);
  }
  const [lo, hi] = RANGES.temp;
  for (const t of raw) {
    if (typeof t !== 'number') {
      const looksNonFinite = typeof t === 'string' && /^[+-]?(nan|inf(inity)?)$/i.test(t.trim());
      return looksNonFinite
        ? fail(ErrorCode.NonFinite, 'every threshold must be a finite number')
        : fail(ErrorCode.InvalidField, `every threshold must be a number (deg C); got ${shown(t)}`);
    }
    // JSON has no NaN, but 1e999 parses to Infinity.
    if (!Number.isFinite(t)) return fail(ErrorCode.NonFinite, 'every threshold must be a finite number');
    if (t < lo || t > hi) return fail(ErrorCode.OutOfRange, `threshold ${t} is outside ${lo}..${hi} (deg C)`);
  }
  // -0 and 0 are one threshold: both render as "0".
  const unique = [...new Set((raw as number[]).map((t) => (t === 0 ? 0 : t)))].sort((a, b) => a - b);
  return { ok: true, thresholds: unique };
}

/** A client value in an error message, never the whole of a long one. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 32 ? `${v.slice(0, 32)}...` : v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/**
 * Parse a comma-separated list (`?thresholds=0,30`, `--thresholds 0,30`); empty means none.
 *
 * @example
 *   parseThresholdList('0,-2.5') // { ok: true, thresholds: [-2.5, 0] }
 */
export function parseThresholdList(text: string): ThresholdsResult {
  if (text.trim() === '') return { ok: true, thresholds: [] };
  const parts = text.split(',').map((s) => s.trim());
  const values: unknown[] = parts.map((s) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : s));
  return validateThresholds(values);
}

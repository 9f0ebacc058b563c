// The probability that the temperature at a forecast point is <= a threshold, from the point's quantiles alone
// (p10, p50, p90): a CDF interpolated through them with logistic tails (docs/protocol.md, "Event probabilities").
import type { ForecastMessage, ForecastPointMessage } from './messages.js';

// A logistic through (median, 0.5) reaches 0.9 at median + s * ln 9: fitting each tail to its outer quantile.
const LN9 = Math.log(9);

/**
 * P(T <= t) for a point with quantiles p10, p50, p90: piecewise linear through (p10, 0.1), (p50, 0.5), (p90, 0.9),
 * and beyond p10 (p90) the logistic centred on p50 that passes through (p10, 0.1) ((p90, 0.9)). Crossed quantiles
 * are sorted first. A band of zero width is a step: right-continuous, so P(T <= p50) = 1 when p50 == p90.
 *
 * @example
 *   probabilityBelow(0, -2, 1, 3) // 0.1 + 0.4 * (0 - -2) / (1 - -2) = 0.3667
 */
export function probabilityBelow(t: number, p10: number, p50: number, p90: number): number {
  let lo = p10;
  let mid = p50;
  let hi = p90;
  if (lo > mid) [lo, mid] = [mid, lo];
  if (mid > hi) [mid, hi] = [hi, mid];
  if (lo > mid) [lo, mid] = [mid, lo];
  if (t < lo) return mid > lo ? 1 / (1 + Math.exp(((mid - t) * LN9) / (mid - lo))) : 0;
  if (t < mid) return 0.1 + (0.4 * (t - lo)) / (mid - lo);
  if (hi === mid) return 1;
  if (t <= hi) return 0.5 + (0.4 * (t - mid)) / (hi - mid);
  return 1 / (1 + Math.exp(((mid - t) * LN9) / (hi - mid)));
}

/**
 * Probabilities on the wire: 4 decimals (1e-4 is far below what a 3-quantile forecast can resolve, and it keeps a
 * frame short). Rounding is monotone, so the rounded values keep the order of the thresholds.
 */
const round4 = (p: number): number => Math.round(p * 1e4) / 1e4;

/** `below` of one point: threshold (as String(t)) -> P(T <= t). */
export function belowOf(point: Pick<ForecastPointMessage, 'p10' | 'p50' | 'p90'>, thresholds: readonly number[]): Record<string, number> {
  const below: Record<string, number> = {};
  for (const t of thresholds) below[String(t)] = round4(probabilityBelow(t, point.p10, point.p50, point.p90));
  return below;
}

/** A copy of `msg` whose every point carries `below` for `thresholds`. */
export function withBelow(msg: ForecastMessage, thresholds: readonly number[]): ForecastMessage {
  return { ...msg, points: msg.points.map((p) => ({ ...p, below: belowOf(p, thresholds) })) };
}

/**
 * The frame `json` (a ForecastMessage, as forecastJson writes it) with `below` on every point, the rest unchanged.
 * Spliced into the frame rather than parsed and written again (about 60 us a frame): points are its only objects
 * after `"points":[` and hold no braces, so each `}` there ends one. `points` are the numbers the frame was written
 * from (JSON numbers round-trip exactly). A frame of another shape takes the slow path, never a wrong one.
 *
 * @example
 *   forecastJsonWithBelow(s.json, s.forecast.points, [0, 30])
 */
export function forecastJsonWithBelow(
  json: string,
  points: readonly Pick<ForecastPointMessage, 'p10' | 'p50' | 'p90'>[],
  thresholds: readonly number[],
): string {
  const start = json.indexOf(POINTS);
  if (start < 0 || points.length === 0) return reserialized(json, thresholds);
  // Keys are numbers rendered by String(): digits, "-", ".", "e", "+", nothing JSON must escape.
  const keys = thresholds.map((t, i) => `${i === 0 ? '' : ','}"${String(t)}":`);
  let out = '';
  let from = 0;
  let at = start + POINTS.length;
  for (const p of points) {
    const end = json.indexOf('}', at);
    if (end < 0) return reserialized(json, thresholds);
    out += json.slice(from, end) + ',"below":{';
    for (let i = 0; i < keys.length; i++) out += keys[i]! + String(round4(probabilityBelow(thresholds[i]!, p.p10, p.p50, p.p90)));
    out += '}';
    from = end;
    at = end + 1;
  }
  // The last point must close the array: otherwise `points` does not describe this frame.
  if (json[from + 1] !== ']') return reserialized(json, thresholds);
  return out + json.slice(from);
}

const POINTS = '"points":[';

function reserialized(json: string, thresholds: readonly number[]): string {
  return JSON.stringify(withBelow(JSON.parse(json) as ForecastMessage, thresholds));
}

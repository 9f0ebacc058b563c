// Event thresholds as the SDK takes them (`forecasts(sensors, { thresholds })`, `latest(sensor, { thresholds })`):
// checked before anything is sent, by the protocol's own rules, so a bad value fails at the call.
import { validateThresholds } from '../src/protocol/index.js';

export interface ThresholdOptions {
  /**
   * Temperatures (deg C): every forecast point then carries `below[String(t)]` = P(temperature <= t). At most 8,
   * finite, within -90..60; default none.
   */
  thresholds?: readonly number[];
}

/** The thresholds sorted and without repeats; throws RangeError (with the protocol code) for invalid ones. */
export function checkThresholds(thresholds: readonly number[] | undefined): number[] {
  if (thresholds === undefined) return [];
  const r = validateThresholds(thresholds);
  if (!r.ok) throw new RangeError(`option "thresholds": ${r.message} (${r.code})`);
  return r.thresholds;
}

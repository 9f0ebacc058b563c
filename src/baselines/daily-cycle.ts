// Persistence plus the mean daily cycle of the last historyDays (7) days: last value + (mean at the target's
// hour of day - mean at the last value's hour of day). Hour of day = grid index mod steps per day (UTC).
import { BaselineForecaster, type PointRule } from './baseline.js';
import type { BaselineOptions } from './options.js';
import { mod } from './sensor-state.js';

/** Mean per slot of the day over the history ring (NaN where a slot has no value). */
function slotMeans(history: Float32Array, day: number): Float64Array {
  const means = new Float64Array(day);
  for (let slot = 0; slot < day; slot++) {
    let sum = 0;
    let n = 0;
    // The ring length is a whole number of days, so ring index mod day is the slot of the day.
    for (let i = slot; i < history.length; i += day) {
      const v = history[i];
      if (Number.isNaN(v)) continue;
      sum += v;
      n += 1;
    }
    means[slot] = n === 0 ? NaN : sum / n;
  }
  return means;
}

export const dailyCycleRule: PointRule = (s, day, out) => {
  const means = slotMeans(s.history, day);
  const from = means[mod(s.lastValueStep, day)];
  for (let k = 1; k <= out.length; k++) {
    const delta = means[mod(s.last + k, day)] - from;
    // Without a mean at either hour the cycle is unknown: fall back to persistence for that step.
    out[k - 1] = s.lastValue + (Number.isNaN(delta) ? 0 : delta);
  }
};

export function createDailyCycle(options: Partial<BaselineOptions> = {}): BaselineForecaster {
  return new BaselineForecaster('daily-cycle', dailyCycleRule, options);
}

// Seasonal naive: step k ahead is the value one day earlier (t + k - 1 day), falling back to persistence
// where that value is missing. Beyond one day ahead it repeats the last observed day.
import { BaselineForecaster, type PointRule } from './baseline.js';
import type { BaselineOptions } from './options.js';
import { valueAt } from './sensor-state.js';

export const seasonalNaiveRule: PointRule = (s, day, out) => {
  for (let k = 1; k <= out.length; k++) {
    const v = valueAt(s, s.last + k - day * Math.ceil(k / day));
    out[k - 1] = Number.isNaN(v) ? s.lastValue : v;
  }
};

export function createSeasonalNaive(options: Partial<BaselineOptions> = {}): BaselineForecaster {
  return new BaselineForecaster('seasonal-naive', seasonalNaiveRule, options);
}

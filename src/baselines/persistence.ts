// Persistence: every step ahead is the last observed temperature. The floor any forecaster must clear.
import { BaselineForecaster, type PointRule } from './baseline.js';
import type { BaselineOptions } from './options.js';

export const persistenceRule: PointRule = (s, _day, out) => {
  out.fill(s.lastValue);
};

export function createPersistence(options: Partial<BaselineOptions> = {}): BaselineForecaster {
  return new BaselineForecaster('persistence', persistenceRule, options);
}

// The naive baselines by name, for the CLI and the evaluation: persistence, seasonal naive, daily cycle.
import type { BaselineForecaster } from './baseline.js';
import { createDailyCycle } from './daily-cycle.js';
import type { BaselineOptions } from './options.js';
import { createPersistence } from './persistence.js';
import { createSeasonalNaive } from './seasonal-naive.js';

export const BASELINES = {
  persistence: createPersistence,
  'seasonal-naive': createSeasonalNaive,
  'daily-cycle': createDailyCycle,
} as const satisfies Record<string, (options?: Partial<BaselineOptions>) => BaselineForecaster>;

export type BaselineName = keyof typeof BASELINES;

export function createBaseline(name: BaselineName, options: Partial<BaselineOptions> = {}): BaselineForecaster {
  if (!Object.hasOwn(BASELINES, name)) throw new RangeError(`unknown baseline "${name}"; expected one of ${Object.keys(BASELINES).join(', ')}`);
  return BASELINES[name](options);
}

export { BaselineForecaster, type PointRule } from './baseline.js';
export { BaselineError, type BaselineErrorCode } from './errors.js';
export { BASELINE_DEFAULTS, type BaselineOptions } from './options.js';
export { createDailyCycle, createPersistence, createSeasonalNaive };

// Options shared by the naive baselines: one defaults object, validation that names the bad option.

export interface BaselineOptions {
  /** Steps ahead to forecast. */
  horizon: number;
  /** Grid step, ms; must divide a day so that hour-of-day slots line up. */
  stepMs: number;
  /** Days of history kept per sensor (ring buffer): the daily-cycle means are taken over this window. */
  historyDays: number;
  /** Residuals kept per step ahead and sensor for the empirical p10/p90. */
  residualWindow: number;
  /** Residuals a step ahead needs before its empirical quantiles replace the default band. */
  minResiduals: number;
  /** Half-width (deg C) of the default p10..p90 band one step ahead; it grows with sqrt(steps ahead). */
  defaultSpread: number;
}

export const BASELINE_DEFAULTS: Readonly<BaselineOptions> = Object.freeze({
  horizon: 24,
  stepMs: 3_600_000,
  historyDays: 7,
  residualWindow: 500,
  minResiduals: 50,
  defaultSpread: 1,
});

const DAY_MS = 86_400_000;

export function resolveBaselineOptions(options: Partial<BaselineOptions> = {}): BaselineOptions {
  const o = { ...BASELINE_DEFAULTS, ...options };
  const positiveInt = (name: keyof BaselineOptions, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(`${name} must be an integer in 1..${max}; got ${v}`);
    }
  };
  positiveInt('horizon', 10_000);
  positiveInt('stepMs');
  positiveInt('historyDays', 366);
  // Counts and slots are kept in Int32Array/Int16Array-sized structures.
  positiveInt('residualWindow', 100_000);
  positiveInt('minResiduals');
  if (DAY_MS % o.stepMs !== 0) throw new RangeError(`stepMs must divide a day (86400000 ms); got ${o.stepMs}`);
  if (o.minResiduals > o.residualWindow) {
    throw new RangeError(`minResiduals (${o.minResiduals}) must not exceed residualWindow (${o.residualWindow})`);
  }
  if (!(o.defaultSpread > 0) || !Number.isFinite(o.defaultSpread)) {
    throw new RangeError(`defaultSpread must be a positive number of deg C; got ${o.defaultSpread}`);
  }
  return o;
}

export function stepsPerDay(stepMs: number): number {
  return DAY_MS / stepMs;
}

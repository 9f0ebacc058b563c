// What the shipped default weights are worth: per sensor, the model's horizon-mean MAE and coverage when the
// server starts from them versus from a freshly seeded model (cold start), online training on in both runs.
import type { EvaluationReport } from './evaluate.js';
import { alignedTable } from './report-sensors.js';

export interface GapRow {
  sensor: string;
  defaultMae: number;
  coldMae: number;
  /** coldMae - defaultMae, deg C: positive = the default weights help. */
  gap: number;
  /** gap / coldMae: the share of the cold start's error the default weights remove. */
  relative: number;
  defaultCoverage: number;
  coldCoverage: number;
}

/**
 * @example
 *   console.log(formatColdStartGap(coldStartGap(warm.report, cold.report, 'wxstream')));
 */
export function coldStartGap(warm: EvaluationReport, cold: EvaluationReport, model: string): GapRow[] {
  for (const r of [warm, cold]) if (!(model in r.models)) throw new RangeError(`a report has no model "${model}"`);
  const w = warm.models[model].perSensor;
  const c = cold.models[model].perSensor;
  const rows = Object.keys(w)
    .filter((s) => s in c)
    .sort()
    .map((sensor) => ({ sensor, warm: w[sensor], cold: c[sensor] }));
  rows.push({ sensor: 'all', warm: warm.models[model].mean, cold: cold.models[model].mean });
  return rows.map(({ sensor, warm: a, cold: b }) => ({
    sensor,
    defaultMae: a.mae,
    coldMae: b.mae,
    gap: b.mae - a.mae,
    relative: (b.mae - a.mae) / b.mae,
    defaultCoverage: a.coverage,
    coldCoverage: b.coverage,
  }));
}

const f = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '-');

export function formatColdStartGap(rows: readonly GapRow[]): string {
  return [
    'Cold start vs default weights (MAE deg C, mean over steps ahead; gap = cold - default, positive = default weights help):',
    alignedTable([
      ['station', 'default MAE', 'cold-start MAE', 'gap', 'gap %', 'default coverage', 'cold coverage'],
      ...rows.map((r) => [r.sensor, f(r.defaultMae), f(r.coldMae), f(r.gap), Number.isFinite(r.relative) ? `${(100 * r.relative).toFixed(1)}%` : '-', f(r.defaultCoverage, 2), f(r.coldCoverage, 2)]),
    ]),
  ].join('\n');
}

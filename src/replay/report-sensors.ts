// Per-sensor view of an EvaluationReport for the terminal: each sensor's horizon-mean MAE for every model, the
// focus model's p10-p90 coverage, and its skill against chosen references.
import type { EvaluationReport } from './evaluate.js';

export interface SensorTableOptions {
  /** Model whose coverage and skill are shown; default the first model of the report. */
  model: string | undefined;
  /** Skill columns: 1 - MAE(model) / MAE(reference), per sensor. */
  references: readonly string[];
}

export const SENSOR_TABLE_DEFAULTS: Readonly<SensorTableOptions> = Object.freeze({ model: undefined, references: ['daily-cycle', 'seasonal-naive'] });

const num = (v: number | undefined, digits = 3): string => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '-');

export function alignedTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/**
 * @example
 *   console.log(formatSensorTable(report, { model: 'wxstream' }));
 */
export function formatSensorTable(report: EvaluationReport, options: Partial<SensorTableOptions> = {}): string {
  const o = { ...SENSOR_TABLE_DEFAULTS, ...options };
  const names = Object.keys(report.models);
  const model = o.model ?? names[0];
  if (!(model in report.models)) throw new RangeError(`model "${model}" is not in the report (${names.join(', ')})`);
  const refs = o.references.filter((r) => r !== model && r in report.models);
  const sensors = [...new Set(names.flatMap((n) => Object.keys(report.models[n].perSensor)))].sort();
  const header = ['sensor', ...names.map((n) => `${n} MAE`), `${model} coverage`, ...refs.map((r) => `skill vs ${r}`)];
  const rows = sensors.map((s) => {
    const mae = (n: string) => report.models[n].perSensor[s]?.mae;
    const m = mae(model);
    return [
      s,
      ...names.map((n) => num(mae(n))),
      num(report.models[model].perSensor[s]?.coverage, 2),
      ...refs.map((r) => {
        const ref = mae(r);
        return m === undefined || ref === undefined ? '-' : num(1 - m / ref);
      }),
    ];
  });
  return [
    `Per sensor: MAE (deg C) averaged over steps ahead 1..${report.horizon}; skill = 1 - MAE / MAE(reference)`,
    alignedTable([header, ...rows]),
  ].join('\n');
}

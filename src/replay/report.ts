// Presents an EvaluationReport: a terminal table, JSON, and (report-chart.ts) an SVG chart.
import type { EvaluationReport } from './evaluate.js';

export { renderReportSvg, type ChartOptions } from './report-chart.js';

export interface TableOptions {
  /** Steps ahead to show as columns (those beyond the horizon are left out). */
  steps: readonly number[];
}

export const TABLE_DEFAULTS: Readonly<TableOptions> = Object.freeze({ steps: [1, 3, 6, 12, 24] });

const HOUR = 3_600_000;

const num = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const iso = (t: number): string => new Date(t).toISOString().replace(':00.000Z', 'Z');

function stepLabel(k: number, stepMs: number): string {
  return stepMs % HOUR === 0 ? `+${(k * stepMs) / HOUR}h` : `+${k}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/**
 * Plain-text summary for a terminal: MAE at a few steps ahead plus the horizon means, then skill.
 *
 * @example
 *   console.log(formatReportTable(await evaluate({ ... })));
 */
export function formatReportTable(report: EvaluationReport, options: Partial<TableOptions> = {}): string {
  const steps = (options.steps ?? TABLE_DEFAULTS.steps).filter((k) => k >= 1 && k <= report.horizon);
  const names = Object.keys(report.models);
  const points = Math.max(0, ...names.map((n) => report.models[n].counts.scored));
  const out = [
    `Targets ${iso(report.evalFrom)} .. ${iso(report.evalTo)}; ${report.counts.origins} sensor-origins, up to ${points} scored points per model`,
    '',
    'MAE (deg C) by step ahead; mean = over all steps 1..horizon; coverage of [p10, p90] (target 0.80)',
    table([
      ['model', ...steps.map((k) => stepLabel(k, report.stepMs)), 'mean', 'rmse', 'coverage', 'pinball'],
      ...names.map((n) => {
        const m = report.models[n];
        return [n, ...steps.map((k) => num(m.perHorizon[k - 1].mae)), num(m.mean.mae), num(m.mean.rmse), num(m.mean.coverage), num(m.mean.pinball, 3)];
      }),
    ]),
  ];
  const refs = names.filter((r) => names.some((n) => report.skill[n]?.[r] !== undefined));
  if (refs.length > 0) {
    out.push('', 'Skill 1 - MAE / MAE(reference), horizon means (positive = better than the reference)');
    out.push(table([['model', ...refs.map((r) => `vs ${r}`)], ...names.map((n) => [n, ...refs.map((r) => num(report.skill[n]?.[r]?.mean ?? NaN, 3))])]));
  }
  return out.join('\n');
}

/** The report as JSON; NaN (nothing scored) becomes null, which JSON can carry. */
export function reportToJson(report: EvaluationReport): string {
  return JSON.stringify(report, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

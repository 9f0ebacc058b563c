// The accuracy targets of issue 5, checked per sensor on an EvaluationReport: the model's horizon-mean MAE at
// least 10% below "persistence + daily cycle" and 15% below seasonal naive, p10-p90 coverage within 75-85%.
import type { EvaluationReport } from './evaluate.js';
import { alignedTable } from './report-sensors.js';

export interface Targets {
  /** Required 1 - MAE / MAE(daily-cycle). */
  belowDailyCycle: number;
  /** Required 1 - MAE / MAE(seasonal-naive). */
  belowSeasonalNaive: number;
  coverage: readonly [min: number, max: number];
}

export const ISSUE_TARGETS: Readonly<Targets> = Object.freeze({ belowDailyCycle: 0.1, belowSeasonalNaive: 0.15, coverage: [0.75, 0.85] as const });

export interface TargetRow {
  sensor: string;
  /** Horizon-mean MAE of every model in the report. */
  mae: Record<string, number>;
  coverage: number;
  belowDailyCycle: number;
  belowSeasonalNaive: number;
  pass: { dailyCycle: boolean; seasonalNaive: boolean; coverage: boolean };
}

export interface TargetCheck {
  model: string;
  targets: Targets;
  rows: TargetRow[];
  /** Every target met on every sensor. */
  pass: boolean;
}

/**
 * @example
 *   const check = checkTargets(report, 'wxstream');
 *   console.log(formatTargets(check)); process.exitCode = check.pass ? 0 : 1;
 */
export function checkTargets(report: EvaluationReport, model: string, targets: Targets = ISSUE_TARGETS): TargetCheck {
  for (const name of [model, 'daily-cycle', 'seasonal-naive']) {
    if (!(name in report.models)) throw new RangeError(`the report has no model "${name}" (it has ${Object.keys(report.models).join(', ')})`);
  }
  const sensors = Object.keys(report.models[model].perSensor).sort();
  const rows = sensors.map((sensor): TargetRow => {
    const mae = Object.fromEntries(Object.entries(report.models).map(([n, m]) => [n, m.perSensor[sensor]?.mae ?? NaN]));
    const coverage = report.models[model].perSensor[sensor].coverage;
    const belowDailyCycle = 1 - mae[model] / mae['daily-cycle'];
    const belowSeasonalNaive = 1 - mae[model] / mae['seasonal-naive'];
    return {
      sensor,
      mae,
      coverage,
      belowDailyCycle,
      belowSeasonalNaive,
      // NaN (nothing scored) fails every comparison: a sensor without scores never passes.
      pass: {
        dailyCycle: belowDailyCycle >= targets.belowDailyCycle,
        seasonalNaive: belowSeasonalNaive >= targets.belowSeasonalNaive,
        coverage: coverage >= targets.coverage[0] && coverage <= targets.coverage[1],
      },
    };
  });
  const pass = rows.length > 0 && rows.every((r) => r.pass.dailyCycle && r.pass.seasonalNaive && r.pass.coverage);
  return { model, targets, rows, pass };
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');
const mark = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

/** The targets table: per sensor, every model's MAE, the model's margins and coverage, PASS/MISS per target. */
export function formatTargets(check: TargetCheck): string {
  const { model, targets } = check;
  const models = check.rows[0] ? Object.keys(check.rows[0].mae) : [model];
  const header = [
    'station',
    ...models.map((m) => `${m} MAE`),
    'below daily-cycle',
    `>=${pct(targets.belowDailyCycle)}`,
    'below seasonal-naive',
    `>=${pct(targets.belowSeasonalNaive)}`,
    'coverage',
    `${pct(targets.coverage[0])}-${pct(targets.coverage[1])}`,
  ];
  const rows = check.rows.map((r) => [
    r.sensor,
    ...models.map((m) => (Number.isFinite(r.mae[m]) ? r.mae[m].toFixed(3) : '-')),
    pct(r.belowDailyCycle),
    mark(r.pass.dailyCycle),
    pct(r.belowSeasonalNaive),
    mark(r.pass.seasonalNaive),
    pct(r.coverage),
    mark(r.pass.coverage),
  ]);
  return [
    `Targets for ${model} (MAE in deg C, mean over steps ahead; "below" = 1 - MAE / MAE(baseline)):`,
    alignedTable([header, ...rows]),
    check.pass ? 'All targets met on every station.' : 'Some targets are missed (MISS above).',
  ].join('\n');
}

/** The issue's replay-speed target: readings per second end to end, forecast at every step, training rounds included. */
export const SPEED_TARGET = 5000;

export interface SpeedCheck {
  target: number;
  readingsPerSecond: number;
  /** The run trained during the replay (the target counts training rounds in). */
  training: boolean;
  /** Met, missed, or not judged (a run without training does not measure what the target asks). */
  result: 'pass' | 'miss' | 'not judged';
}

/** The speed target against a run; informational, never part of --check: it measures the machine, not the model. */
export function checkSpeed(readingsPerSecond: number, training: boolean, target = SPEED_TARGET): SpeedCheck {
  const result = !training ? 'not judged' : readingsPerSecond >= target ? 'pass' : 'miss';
  return { target, readingsPerSecond, training, result };
}

export function formatSpeed(c: SpeedCheck, cores: number): string {
  const rate = `${Math.round(c.readingsPerSecond).toLocaleString('en-US')} readings/s`;
  const head = `Speed target (>= ${c.target.toLocaleString('en-US')} readings/s end to end, training rounds included):`;
  if (c.result === 'not judged') return `${head} not judged, this run did not train (${rate}).`;
  return `${head} ${c.result === 'pass' ? 'PASS' : 'MISS'} at ${rate} on ${cores} cores. Not part of --check (it measures the machine); docs/evaluation.md "Replay speed" has the trade-off.`;
}

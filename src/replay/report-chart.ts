// SVG chart of an evaluation, rendered headless (vega-lite -> vega View.toSVG, no browser): MAE by step ahead
// for every model, and one sensor's forecast fan (p10-p90 band, p50) against the truth.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { EvaluationReport } from './evaluate.js';

export interface ChartOptions {
  /** Width of each panel, px. */
  width: number;
  height: number;
  /** Whose fan to draw; default: the model with the lowest mean MAE. */
  fanModel: string | undefined;
}

export const CHART_DEFAULTS: Readonly<ChartOptions> = Object.freeze({ width: 560, height: 220, fanModel: undefined });

function bestModel(report: EvaluationReport): string | undefined {
  const names = Object.keys(report.models).filter((n) => Number.isFinite(report.models[n].mean.mae));
  return names.sort((a, b) => report.models[a].mean.mae - report.models[b].mean.mae)[0];
}

function maePanel(report: EvaluationReport, o: ChartOptions): object {
  const values = Object.entries(report.models).flatMap(([model, m]) =>
    m.perHorizon.flatMap((h, i) => (Number.isFinite(h.mae) ? [{ model, step: i + 1, mae: h.mae }] : [])),
  );
  return {
    title: 'MAE by step ahead',
    width: o.width,
    height: o.height,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: `steps ahead (x ${report.stepMs / 60_000} min)` },
      y: { field: 'mae', type: 'quantitative', title: 'MAE (deg C)', scale: { zero: true } },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
  };
}

function fanPanel(report: EvaluationReport, o: ChartOptions): object | undefined {
  const sample = report.sample;
  const model = o.fanModel ?? bestModel(report);
  const points = model === undefined ? undefined : sample?.forecasts[model];
  if (!sample || !points || model === undefined) return undefined;
  const band = `${model} p10-p90`;
  const lines = [
    ...sample.truth.flatMap((s) => (s.temp === null ? [] : [{ ts: s.t, value: s.temp, series: 'truth' }])),
    ...points.map((p) => ({ ts: p.ts, value: p.p50, series: `${model} p50` })),
  ];
  const x = { field: 'ts', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' } };
  return {
    title: `Forecast fan: ${sample.sensor} from ${new Date(sample.origin).toISOString()}`,
    width: o.width,
    height: o.height,
    layer: [
      {
        data: { values: points.map((p) => ({ ts: p.ts, lo: p.p10, hi: p.p90, series: band })) },
        mark: { type: 'area', opacity: 0.3 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'deg C', scale: { zero: false } }, y2: { field: 'hi' }, color: { field: 'series', type: 'nominal', title: 'series' } },
      },
      {
        data: { values: lines },
        mark: { type: 'line' },
        encoding: { x, y: { field: 'value', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } },
      },
    ],
  };
}

/**
 * Render the chart as a standalone SVG document.
 *
 * @example
 *   await writeFile('report.svg', await renderReportSvg(report));
 */
export async function renderReportSvg(report: EvaluationReport, options: Partial<ChartOptions> = {}): Promise<string> {
  const o = { ...CHART_DEFAULTS, ...options };
  if (o.fanModel !== undefined && !(o.fanModel in report.models)) throw new RangeError(`fanModel "${o.fanModel}" is not a model of the report`);
  const fan = fanPanel(report, o);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    vconcat: fan ? [maePanel(report, o), fan] : [maePanel(report, o)],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

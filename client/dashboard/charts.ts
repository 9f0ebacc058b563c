// The two uPlot charts of the dashboard: readings with the forecast band and past forecasts on a time
// axis, and rolling skill (MAE, p10-p90 coverage) per lead time. Sizes follow their container.
import uPlot from 'uplot';
import type { ChartData, SkillSeries } from './state.js';

const COLORS = {
  actual: '#1f2937',
  past: '#d97706',
  p50: '#2563eb',
  band: 'rgba(37, 99, 235, 0.18)',
  bandEdge: 'rgba(37, 99, 235, 0.45)',
  mae: '#dc2626',
  coverage: '#059669',
};

function size(el: HTMLElement, height: number): { width: number; height: number } {
  return { width: Math.max(280, Math.floor(el.clientWidth)), height };
}

// Every time on the page is UTC (sensors span time zones; the server speaks UTC).
const utc = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

const fmt = (v: number | null, unit: string) => (v === null || v === undefined ? '–' : `${v.toFixed(1)}${unit}`);

export function createForecastChart(el: HTMLElement): uPlot {
  const opts: uPlot.Options = {
    ...size(el, el.clientWidth < 600 ? 260 : 360),
    tzDate: utc,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    series: [
      {},
      { label: 'reading', stroke: COLORS.actual, width: 1.5, spanGaps: true, value: (_, v) => fmt(v, '°C'), points: { show: false } },
      { label: 'past forecast p50', stroke: COLORS.past, width: 1.5, dash: [6, 4], spanGaps: true, value: (_, v) => fmt(v, '°C') },
      { label: 'p10', stroke: COLORS.bandEdge, width: 1, spanGaps: true, value: (_, v) => fmt(v, '°C'), points: { show: false } },
      { label: 'p50', stroke: COLORS.p50, width: 2, spanGaps: true, value: (_, v) => fmt(v, '°C'), points: { show: false } },
      { label: 'p90', stroke: COLORS.bandEdge, width: 1, spanGaps: true, value: (_, v) => fmt(v, '°C'), points: { show: false } },
    ],
    // Fill between p90 (series 5) and p10 (series 3).
    bands: [{ series: [5, 3], fill: COLORS.band }],
    axes: [{ label: 'UTC' }, { label: '°C', size: 50 }],
    legend: { live: true },
  };
  return new uPlot(opts, [[], [], [], [], [], []], el);
}

export function setForecastData(chart: uPlot, data: ChartData): void {
  chart.setData([data.x, data.actual, data.past, data.p10, data.p50, data.p90]);
}

export function createSkillChart(el: HTMLElement): uPlot {
  const opts: uPlot.Options = {
    ...size(el, 200),
    scales: { x: { time: false }, mae: { auto: true, range: (_, min, max) => [0, Math.max(0.5, max ?? 1) * 1.1] }, cov: { auto: false, range: [0, 1] } },
    series: [
      { label: 'lead (h)', value: (_, v) => (v === null ? '–' : `+${v}h`) },
      { label: 'MAE', scale: 'mae', stroke: COLORS.mae, width: 2, value: (_, v) => fmt(v, '°C') },
      { label: 'p10–p90 coverage', scale: 'cov', stroke: COLORS.coverage, width: 2, value: (_, v) => (v === null ? '–' : `${Math.round(v * 100)}%`) },
    ],
    axes: [
      { label: 'lead time (h)', values: (_, splits) => splits.map((v) => `+${v}`) },
      { scale: 'mae', label: 'MAE °C', size: 50 },
      { scale: 'cov', side: 1, label: 'coverage', size: 50, grid: { show: false }, values: (_, splits) => splits.map((v) => `${Math.round(v * 100)}%`) },
    ],
  };
  return new uPlot(opts, [[], [], []], el);
}

export function setSkillData(chart: uPlot, data: SkillSeries): void {
  chart.setData([data.leadHours, data.mae, data.coverage]);
}

/** Keeps a chart as wide as its container (phones rotate, side panels collapse). */
export function followWidth(chart: uPlot, el: HTMLElement): void {
  new ResizeObserver(() => {
    const width = Math.max(280, Math.floor(el.clientWidth));
    if (width !== chart.width) chart.setSize({ width, height: chart.height });
  }).observe(el);
}

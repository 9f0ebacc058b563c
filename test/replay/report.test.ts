import { describe, expect, it } from 'vitest';
import { createDailyCycle, createPersistence } from '../../src/baselines/index.js';
import type { StepObservation } from '../../src/forecaster.js';
import { evaluate, type EvaluationReport } from '../../src/replay/evaluate.js';
import { formatReportTable, renderReportSvg, reportToJson } from '../../src/replay/report.js';

const H = 3_600_000;

async function smallReport(): Promise<EvaluationReport> {
  // Four days of a clean daily cycle for one sensor: enough for both baselines to forecast.
  const steps: StepObservation[] = Array.from({ length: 96 }, (_, i) => ({ sensor: 'st-1', t: i * H, temp: 10 + 5 * Math.sin((2 * Math.PI * i) / 24) }));
  return evaluate({ forecasters: [createPersistence(), createDailyCycle()], steps, evalFrom: 48 * H, evalTo: 95 * H });
}

describe('report output', () => {
  it('formats a terminal table with MAE per step, means, coverage and skill', async () => {
    const text = formatReportTable(await smallReport(), { steps: [1, 12, 24, 48] });
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('model') && l.includes('+1h'))!;
    expect(header.split(/\s+/)).toEqual(['model', '+1h', '+12h', '+24h', 'mean', 'rmse', 'coverage', 'pinball']); // +48h is beyond the horizon
    expect(lines.some((l) => /^daily-cycle\s+0\.00\s+0\.00\s+0\.00\s+0\.00/.test(l))).toBe(true); // a perfect cycle
    const skillHeader = lines.findIndex((l) => l.startsWith('model') && l.includes('vs persistence'));
    expect(lines[skillHeader].split(/\s{2,}/)).toEqual(['model', 'vs persistence', 'vs daily-cycle']);
    expect(lines[skillHeader + 2]).toMatch(/^daily-cycle\s+1\.000\s+-$/);
  });

  it('writes JSON with NaN as null', async () => {
    const report = await smallReport();
    report.models.persistence.perHorizon[0].mae = NaN;
    const parsed = JSON.parse(reportToJson(report));
    expect(parsed.models.persistence.perHorizon[0].mae).toBeNull();
    expect(parsed.models['daily-cycle'].perHorizon).toHaveLength(24);
    expect(parsed.counts.origins).toBe(report.counts.origins);
  });

  it('renders an SVG with the MAE lines of every model and a fan against the truth', async () => {
    const report = await smallReport();
    const svg = await renderReportSvg(report, { fanModel: 'persistence' });
    expect(svg.startsWith('<svg')).toBe(true);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const name of ['persistence', 'daily-cycle', 'truth', 'persistence p50', 'persistence p10-p90', 'MAE by step ahead']) {
      expect(texts, name).toContain(name);
    }
    expect(texts.some((t) => t.startsWith('Forecast fan: st-1'))).toBe(true);
    expect(svg).toMatch(/aria-roledescription="area mark"/);
    await expect(renderReportSvg(report, { fanModel: 'nope' })).rejects.toThrow(/fanModel "nope"/);
  });
});

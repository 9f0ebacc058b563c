// Validates the daily-cycle baseline against the known figure on real data (../shared/data, never committed).
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDailyCycle } from '../../src/baselines/index.js';
import { loadCsv } from '../../src/replay/csv.js';
import { evaluate } from '../../src/replay/evaluate.js';
import { toSteps } from '../../src/replay/series.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const dataDir = resolve(repoRoot, '../shared/data/beijing-hourly');
const exists = existsSync(dataDir);
const title = exists ? 'Beijing hourly data' : `Beijing hourly data (skipped: ${dataDir} not found)`;

describe.skipIf(!exists)(title, () => {
  it('daily-cycle mean 1-24 h MAE on 2015-03..2016-02 at Aotizhongxin is about 2.2 deg C', async () => {
    const file = readdirSync(dataDir).find((f) => f.startsWith('PRSA_Data_Aotizhongxin'));
    expect(file, 'Aotizhongxin file').toBeDefined();
    const { readings, stats } = await loadCsv(resolve(dataDir, file!));
    expect(stats).toMatchObject({ layout: 'beijing', rows: 26_304, skipped: 0 });
    const steps = toSteps(readings);
    expect(steps).toHaveLength(26_304); // one row per hour, no duplicates, no gaps
    const report = await evaluate({
      forecasters: [createDailyCycle()],
      steps,
      evalFrom: Date.parse('2015-03-01T00:00:00+08:00'),
      evalTo: Date.parse('2016-02-29T23:00:00+08:00'),
    });
    const m = report.models['daily-cycle'];
    expect(m.mean.mae).toBeGreaterThan(1.8);
    expect(m.mean.mae).toBeLessThan(2.6);
    expect(m.mean.coverage).toBeGreaterThan(0.75);
    expect(m.mean.coverage).toBeLessThan(0.85);
    expect(m.counts.scored).toBeGreaterThan(0.99 * 8784 * 24); // a leap year of hourly targets, 24 leads each
  });
});

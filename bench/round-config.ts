// Side by side: one online-training round (src/training/round.ts) at several batch x steps settings, on a year of
// the Beijing development data before a cutoff, from the shipped weights. Decided the round default (15 x 256).
//   node bin/run-script.js bench/round-config.ts [32x120,256x15] [cutoff month 0-11 of 2015, default 5]
import { existsSync, readdirSync } from 'node:fs';
import { initBackend, readModelFiles, saveModel } from '../src/model/index.js';
import { loadCsv } from '../src/replay/csv.js';
import { toSteps } from '../src/replay/series.js';
import type { StepObservation } from '../src/forecaster.js';
import { runRound } from '../src/training/round.js';

const HOUR = 3_600_000;
const dir = new URL('../../shared/data/beijing-hourly', import.meta.url).pathname;
if (!existsSync(dir)) {
  console.log(`no development data at ${dir}: nothing to compare (see docs/evaluation.md)`);
  process.exit(0);
}
await initBackend();
const cut = Date.UTC(2015, Number(process.argv[3] ?? 5), 1) - 8 * HOUR;
const series = new Map<string, StepObservation[]>();
for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
  const { readings } = await loadCsv(`${dir}/${f}`, { layout: 'beijing', utcOffset: '+08:00' });
  const year = readings.filter((r) => r.temp !== null && r.ts <= cut && r.ts > cut - 8760 * HOUR);
  const steps = toSteps(year, { stepMs: HOUR, maxGapSteps: 48 });
  series.set(steps[0]!.sensor, steps);
}
const saved = saveModel(await readModelFiles(new URL('../src/model/default/model', import.meta.url).pathname));
for (const [batchSize, maxSteps] of (process.argv[2] ?? '32x120,256x15').split(',').map((s) => s.split('x').map(Number))) {
  const t = performance.now();
  const r = runRound(saved, series, { batchSize, maxSteps });
  const s = ((performance.now() - t) / 1000).toFixed(1);
  console.log(`batch ${batchSize} x ${maxSteps} steps: ${s} s, ${r.decision}; validation MAE champion ${r.metrics?.champion.mae.toFixed(4)}, candidate ${r.metrics?.candidate.mae.toFixed(4)}`);
}

// Model cost benchmark: live observe() (one encoder step) and forecast() (24-step decode) per batch size and
// hidden width, plus an optional accuracy comparison of widths. `node bin/run-script.js bench/model.ts [--accuracy]`.
import { pathToFileURL } from 'node:url';
import type { StepObservation } from '../src/forecaster.js';
import { initBackend, type BackendName } from '../src/model/backend.js';
import { buildWindows, predictWindows, RnnForecaster, Seq2Seq, train, type CellType } from '../src/model/index.js';
import { createRng } from '../src/random.js';
import { diurnalSeries } from '../test/model/synthetic.js';

export interface CostRow {
  cell: CellType;
  hidden: number;
  batch: number;
  /** Median and best wall time of one observe() of `batch` sensors, ms. */
  stepMs: number;
  stepBestMs: number;
  /** Median and best wall time of one forecast() of `batch` sensors, ms. */
  forecastMs: number;
  forecastBestMs: number;
}

export interface BenchOptions {
  batches: number[];
  hiddens: number[];
  cells: CellType[];
  /** Timed repetitions per point (the median is reported); fewer for the big batches. */
  reps: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = { batches: [1, 100, 1000, 10000], hiddens: [32, 64, 96], cells: ['gru'], reps: 15 };

export function measureCosts(options: Partial<BenchOptions> = {}): CostRow[] {
  const o = { ...DEFAULT_BENCH_OPTIONS, ...options };
  const rows: CostRow[] = [];
  for (const cell of o.cells) {
    for (const hidden of o.hiddens) {
      const f = new RnnForecaster({ config: { cell, hidden } });
      for (const batch of o.batches) {
        const reps = batch >= 10000 ? Math.max(3, Math.ceil(o.reps / 3)) : o.reps;
        const rng = createRng(batch);
        const names = Array.from({ length: batch }, (_, i) => `b${batch}-${i}`);
        let t = 3_600_000 * 1000;
        const tick = (): StepObservation[] => {
          t += 3_600_000;
          return names.map((sensor) => ({ sensor, t, temp: 10 + 5 * rng.normal(), pressure: 1010, dewpoint: 5, wind: 3 }));
        };
        for (let i = 0; i < 3; i++) f.observe(tick()); // warm-up: first calls compile/allocate
        f.forecast(names);
        const step: number[] = [];
        const fc: number[] = [];
        for (let r = 0; r < reps; r++) {
          const readings = tick();
          let s = performance.now();
          f.observe(readings);
          step.push(performance.now() - s);
          s = performance.now();
          f.forecast(names);
          fc.push(performance.now() - s);
        }
        rows.push({ cell, hidden, batch, stepMs: median(step), stepBestMs: Math.min(...step), forecastMs: median(fc), forecastBestMs: Math.min(...fc) });
        for (const n of names) f.drop(n);
      }
      f.dispose();
    }
  }
  return rows;
}

export interface AccuracyRow {
  hidden: number;
  trainSeconds: number;
  mae: number;
}

/** Same data, same step budget, different widths: held-out 24-step MAE (deg C) on generated weather. */
export function measureAccuracy(hiddens: number[], steps = 300): AccuracyRow[] {
  const config = { covariates: [] as [] };
  const trainSeries = [1, 2, 3, 4, 5, 6].map((seed) => diurnalSeries({ sensor: `t${seed}`, seed, steps: 24 * 60 }));
  const test = [201, 202, 203].map((seed) => diurnalSeries({ sensor: `h${seed}`, seed, steps: 24 * 30 }));
  return hiddens.map((hidden) => {
    const model = Seq2Seq.create({ ...config, hidden });
    const windows = trainSeries.flatMap((s) => buildWindows(s, { config: model.config, contextLength: 48, stride: 2 }));
    const start = performance.now();
    train(windows, { model, maxSteps: steps, epochs: 100, learningRate: 5e-3 });
    const trainSeconds = (performance.now() - start) / 1000;
    let err = 0;
    let n = 0;
    for (const s of test) {
      const w = buildWindows(s, { config: model.config, contextLength: 48, stride: 3 });
      const pred = predictWindows(model, w);
      w.forEach((win, i) =>
        win.targetTemp.forEach((y, k) => {
          if (y === null) return;
          err += Math.abs(pred[(i * 24 + k) * 4 + 1] - y);
          n++;
        }),
      );
    }
    model.dispose();
    return { hidden, trainSeconds, mae: err / n };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const backend: BackendName = await initBackend((process.env.WXSTREAM_BACKEND as BackendName | undefined) ?? 'wasm');
  console.log(`backend ${backend}, node ${process.version}`);
  // Best-of-N is what the code costs; the median adds whatever else the machine was doing.
  console.log('| cell | hidden | batch | observe ms (best / median) | per sensor us | forecast ms (best / median) | per sensor us |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of measureCosts()) {
    const us = (ms: number): string => ((1000 * ms) / r.batch).toFixed(1);
    const ms = (a: number, b: number): string => `${a.toFixed(2)} / ${b.toFixed(2)}`;
    console.log(
      `| ${r.cell} | ${r.hidden} | ${r.batch} | ${ms(r.stepBestMs, r.stepMs)} | ${us(r.stepBestMs)} | ${ms(r.forecastBestMs, r.forecastMs)} | ${us(r.forecastBestMs)} |`,
    );
  }
  if (process.argv.includes('--accuracy')) {
    console.log('\n| hidden | train s (300 steps x 128) | held-out 24-step MAE |');
    console.log('|---|---|---|');
    for (const r of measureAccuracy([32, 64, 96])) console.log(`| ${r.hidden} | ${r.trainSeconds.toFixed(1)} | ${r.mae.toFixed(3)} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

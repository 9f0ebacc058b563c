// Trains the shipped default weights (src/model/default/) on the development data in ../shared/data, using
// only observations before 2015-03-01 local time, so the 2015-03..2016-02 evaluation year stays unseen.
// With --data it trains weights on any stations' history instead (another climate: docs/training.md, "Your own
// starting weights"), for `wxstream models import` or `wxstream replay --model`.
// Reproducible: fixed seeds, fixed data, deterministic training on the wasm/cpu backends (wasm unless --backend).
//
//   npm run train:default -- [--epochs 8] [--stop-after-steps N] [--layers 2] [--init BASE --free-run 1] [--out BASE]
//   npm run train:default -- --data history.csv [--layout simple] [--cutoff 2024-06-01T00:00Z] --out my-model
// The shipped weights' exact commands are in docs/evaluation.md ("Shipped default weights").
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parseBackend } from '../src/cli/backend-option.js';
import type { BackendChoice } from '../src/model/backend-name.js';
import cliProgress from 'cli-progress';
import type { StepObservation } from '../src/forecaster.js';
import {
  buildWindows,
  initBackend,
  scoreWindows,
  readModelFiles,
  calibrateIntervals,
  Seq2Seq,
  windowLoss,
  train,
  writeModelFiles,
  type TrainingWindow,
} from '../src/model/index.js';
import { parseTimestamp } from '../src/protocol/reading.js';
import { loadCsv, toSteps, type CsvLayout } from '../src/replay/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(repo, '../shared/data/beijing-hourly');
const STEP = 3_600_000;
/** 2015-03-01 00:00 in Beijing (UTC+8): everything the default model learns from ends before this. */
export const CUTOFF = Date.UTC(2015, 2, 1) - 8 * STEP;
/** The last two months before the cut-off pick the best epoch (held out from the gradient steps). */
const VALIDATION_MS = CUTOFF - (Date.UTC(2015, 0, 1) - 8 * STEP);

const program = new Command()
  .option('--epochs <n>', 'passes over the training windows', '8')
  .option('--hidden <n>', 'GRU width', '64')
  .option('--cell <cell>', 'rnn | gru | lstm', 'gru')
  .option('--layers <n>', 'stacked recurrent layers in the encoder and decoder, 1-4 (docs/model.md, Stacked layers)', '1')
  .option('--batch <n>', 'windows per optimizer step', '64')
  .option('--lr <x>', 'Adam learning rate', '0.003')
  .option('--context <n>', 'encoder steps per window', '96')
  .option('--stride <n>', 'steps between training window origins', '2')
  .option('--max-minutes <n>', 'stop after this much training time (machine-dependent: prefer --stop-after-steps)', '600')
  .option('--stop-after-steps <n>', 'stop after this many optimizer steps, keeping the schedule of --epochs (reproducible)')
  .option('--out <base>', 'output path without extension', 'src/model/default/model')
  .option('--init <base>', 'continue from saved weights (path without extension) instead of a seeded init')
  .option('--calibrate-only', 'with --init: skip training, only fit the p10-p90 interval scale and save')
  .option('--free-run <share>', 'fixed share of free-running decoder steps (default: ramp 0 -> 1 over 75% of training)')
  .option('--daily-profile', "decoder input: each sensor's own mean daily profile (docs/model.md, Inputs)")
  .option('--data <paths...>', 'CSV histories (files or folders of .csv) to train on instead of the development data; needs --out')
  .option('--layout <layout>', 'with --data: auto | simple | beijing', 'auto')
  .option('--utc-offset <+hh:mm>', "with --data: the beijing layout's local time zone", '+08:00')
  .option('--cutoff <time>', 'with --data: learn only from readings before this date (UTC) or ISO time (default: all of them)')
  // wasm by default: the shipped weights were trained there, and a rerun reproduces them to the bit only there.
  .option('--backend <name>', 'tfjs backend: wasm (default), tensorflow (2-3x faster rounds, not bit-identical), cpu or auto', parseBackend)
  .parse();
const opts = program.opts<Record<string, string>>();
const dataPaths = program.getOptionValue('data') as string[] | undefined;

/** Contiguous per-sensor series (toSteps leaves a jump where a gap was too long to fill). */
function splitSeries(steps: StepObservation[]): StepObservation[][] {
  const bySensor = new Map<string, StepObservation[][]>();
  for (const s of steps) {
    let runs = bySensor.get(s.sensor);
    if (!runs) bySensor.set(s.sensor, (runs = [[]]));
    const run = runs[runs.length - 1]!;
    if (run.length > 0 && s.t !== run[run.length - 1]!.t + STEP) runs.push([s]);
    else run.push(s);
  }
  return [...bySensor.values()].flat().filter((r) => r.length > 0);
}

/** CSV files of the paths given (a folder stands for its .csv files), in name order. */
function csvFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (!existsSync(p)) usage(`no such file or folder: ${p}`);
    return statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.csv')).sort().map((f) => join(p, f)) : [p];
  });
}

function usage(message: string): never {
  console.error(`train:default: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  if (dataPaths === undefined && !existsSync(DATA)) {
    console.error(`train:default needs the development data at ${DATA} (absent here), or --data FILE...; nothing trained.`);
    process.exit(2);
  }
  if (dataPaths !== undefined && program.getOptionValueSource('out') === 'default') {
    usage('--data needs --out: the shipped weights (src/model/default/model) are trained on the development data only');
  }
  if (dataPaths === undefined && opts.cutoff !== undefined) usage('--cutoff goes with --data (the development cut-off is fixed)');
  // A date alone is that day's start in UTC.
  const cutoffText = opts.cutoff !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(opts.cutoff) ? `${opts.cutoff}T00:00Z` : opts.cutoff;
  const cutoffArg = cutoffText === undefined ? undefined : parseTimestamp(cutoffText);
  if (opts.cutoff !== undefined && cutoffArg === undefined) usage(`--cutoff must be a date (UTC) or ISO-8601 with a zone, e.g. 2024-06-01T00:00Z; got ${opts.cutoff}`);
  const backend = await initBackend((program.getOptionValue('backend') as BackendChoice | undefined) ?? 'wasm').catch((err: unknown) =>
    usage((err as Error).message),
  );
  const files = dataPaths === undefined ? csvFiles([DATA]) : csvFiles(dataPaths);
  const csv = dataPaths === undefined ? {} : { layout: opts.layout as CsvLayout | 'auto', utcOffset: opts.utcOffset! };
  const readings = [];
  for (const f of files) readings.push(...(await loadCsv(f, csv)).readings);
  if (readings.length === 0) usage(`no readings in ${files.join(', ')}`);
  // Keep only what precedes the cut-off: the evaluation period must stay unseen.
  // (A loop, not Math.max(...): a long history is more arguments than a call takes.)
  const last = readings.reduce((m, r) => Math.max(m, r.ts), -Infinity);
  const cutoff = dataPaths === undefined ? CUTOFF : (cutoffArg ?? last + 1);
  const validationFrom = cutoff - VALIDATION_MS;
  const steps = toSteps(readings.filter((r) => r.ts < cutoff), { stepMs: STEP });
  const series = splitSeries(steps);
  if (opts.init && program.getOptionValueSource('layers') === 'cli') usage("--layers makes a fresh model; with --init the saved model's layers stay");
  const model = opts.init ? await readModelFiles(resolve(repo, opts.init)) : freshModel();
  const horizon = model.config.horizon;
  const contextLength = Number(opts.context);
  const trainWindows: TrainingWindow[] = [];
  const validation: TrainingWindow[] = [];
  for (const s of series) {
    for (const w of buildWindows(s, { config: model.config, contextLength, stride: 1, minTargets: horizon / 2 })) {
      const lastTarget = w.origin + horizon * STEP;
      if (w.origin >= validationFrom) {
        if (lastTarget < cutoff && (w.origin / STEP) % 3 === 0) validation.push(w);
      } else if (lastTarget < validationFrom && (w.origin / STEP) % Number(opts.stride) === 0) {
        trainWindows.push(w);
      }
    }
  }
  if (validation.length === 0 && cutoff > last + VALIDATION_MS) {
    usage(`the cut-off ${new Date(cutoff).toISOString()} is after the last reading (${new Date(last).toISOString()}): nothing is left to validate on`);
  }
  if (trainWindows.length === 0 || validation.length === 0) {
    usage(`too little history: ${trainWindows.length} training and ${validation.length} validation windows (the last ~59 days before the cut-off validate; train on more)`);
  }
  console.log(
    `backend ${backend}; ${files.length} files; ${trainWindows.length} training windows before ` +
      `${new Date(validationFrom).toISOString()}, ${validation.length} validation windows up to the cut-off ` +
      `${new Date(cutoff).toISOString()}`,
  );

  const deadline = Date.now() + Number(opts.maxMinutes) * 60_000;
  const bar = new cliProgress.SingleBar({ format: 'train [{bar}] {percentage}% | step {value}/{total} | loss {loss} | val {val}' }, cliProgress.Presets.shades_classic);
  // Continuing from saved weights: they are the checkpoint to beat.
  const initialLoss = opts.init ? windowLoss(model, validation) : Infinity;
  if (opts.init) console.log(`initial validation loss ${initialLoss.toFixed(4)}`);
  let best = { loss: initialLoss, weights: model.getWeights(), epoch: -1 };
  const totalSteps = Number(opts.epochs) * Math.ceil(trainWindows.length / Number(opts.batch));
  bar.start(totalSteps, 0, { loss: '-', val: '-' });
  const started = Date.now();
  let lastStep = 0;
  try {
    if (opts.calibrateOnly) throw new BudgetExceeded();
    train(trainWindows, {
    model,
    epochs: Number(opts.epochs),
    batchSize: Number(opts.batch),
    learningRate: Number(opts.lr),
    gradientSteps: Math.min(48, contextLength),
    maxSteps: totalSteps,
    seed: 1,
    ...(opts.freeRun === undefined ? {} : { freeRun: { start: Number(opts.freeRun), end: Number(opts.freeRun), rampFraction: 1 } }),
    validation,
    onProgress: (p) => {
      lastStep = p.step;
      bar.update(p.step, p.validationLoss === undefined ? { loss: p.loss.toFixed(4) } : { loss: p.loss.toFixed(4), val: p.validationLoss.toFixed(4) });
      if (p.validationLoss !== undefined) {
        if (p.validationLoss < best.loss) best = { loss: p.validationLoss, weights: model.getWeights(), epoch: p.epoch };
        console.log(`\nepoch ${p.epoch}: train ${p.loss.toFixed(4)} validation ${p.validationLoss.toFixed(4)}`);
      }
      // A time budget, checked between steps; the best validated weights so far are kept.
      if (Date.now() > deadline || p.step >= Number(opts.stopAfterSteps ?? Infinity)) throw new BudgetExceeded();
    },
    });
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
    console.log(`\nstopped at the time or step budget`);
  }
  bar.stop();
  console.log(`${lastStep} optimizer steps of ${opts.batch} windows`);
  await finish(model, best, validation, horizon, started, trainWindows.length);
}

class BudgetExceeded extends Error {}

/** The seeded model of the options; a bad value is a usage error naming the option. */
function freshModel(): Seq2Seq {
  try {
    return Seq2Seq.create({
      cell: opts.cell as 'gru',
      hidden: Number(opts.hidden),
      layers: Number(opts.layers),
      seed: 1,
      ...(opts.dailyProfile ? { dailyProfile: true } : {}),
    });
  } catch (err) {
    return usage((err as Error).message);
  }
}

async function finish(
  model: Seq2Seq,
  best: { loss: number; weights: Float32Array[]; epoch: number },
  validation: TrainingWindow[],
  horizon: number,
  started: number,
  nTrain: number,
): Promise<void> {
  if (best.epoch >= 0) model.setWeights(best.weights);
  // Split-conformal band: scale each lead's p10-p90 so it covers 80% of the validation outcomes.
  model.setIntervalScale(calibrateIntervals(model, validation, 0.8));
  const score = scoreWindows(model, validation);
  const out = resolve(repo, opts.out!);
  await mkdir(dirname(out), { recursive: true });
  await writeModelFiles(model, out);
  console.log(
    `saved ${out}.{json,bin} (${best.epoch >= 0 ? `epoch ${best.epoch}` : 'no epoch finished: the last weights'}, ${((Date.now() - started) / 60000).toFixed(1)} min, ${nTrain} windows): ` +
      `validation MAE ${score.mae.toFixed(3)} degC, p10-p90 coverage ${score.coverage.toFixed(3)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

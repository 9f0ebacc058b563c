// Benchmark 9, native vs wasm side by side in one process: the live encoder step and 24-step decode by batch size on
// tensorflow (tfjs-node), wasm and the plain-JS kernels, interleaved rep by rep (crossover points), and a training
// round (runRound on the shipped weights) alternating between the two backends. Skipped where tfjs-node does not load.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { StepObservation } from '../src/forecaster.js';
import { JsInference } from '../src/model/js-kernels.js';
import { loadNative } from '../src/model/native-env.js';
import { readModelFiles, saveModel, type Seq2Seq } from '../src/model/index.js';
import { createRng } from '../src/random.js';
import { SHIPPED_WEIGHTS } from '../src/server/default-model.js';
import { runRound } from '../src/training/round.js';
import { diurnalSeries } from '../test/model/synthetic.js';
import { HOUR, T0 } from './bench-socket.js';
import { fmt, main, markdownTable, stats, type BenchOptions, type Stats, type TargetRow } from './harness.js';

const KERNELS = ['js', 'wasm', 'tensorflow'] as const;
const JS_UP_TO = 2000;
type KernelName = (typeof KERNELS)[number];
type Kernel = Pick<Seq2Seq, 'stepArrays' | 'forecastArrays'>;


/** The shipped weights loaded once per backend (their tensors live there) and as JS kernels. */
async function kernels(): Promise<{ models: Record<'wasm' | 'tensorflow', Seq2Seq>; js: JsInference }> {
  await tf.setBackend('wasm');
  const wasm = await readModelFiles(SHIPPED_WEIGHTS);
  await tf.setBackend('tensorflow');
  const native = await readModelFiles(SHIPPED_WEIGHTS);
  return { models: { wasm, tensorflow: native }, js: new JsInference(wasm.config, wasm.getWeights()) };
}

interface KernelRow {
  batch: number;
  step: Record<KernelName, Stats>;
  forecast: Record<KernelName, Stats>;
}

/** One rep = each kernel once on the same inputs, in turn: the machine's load hits all three alike. */
async function interleaved(k: Awaited<ReturnType<typeof kernels>>, batch: number, o: BenchOptions): Promise<KernelRow> {
  const m = k.models.wasm;
  const rng = createRng(batch);
  const fill = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
  const x = fill(batch * m.encoderInputSize, 1);
  const h = fill(batch * m.stateSize, 0.3);
  const ctx = fill(m.config.horizon * batch * m.decoderContextSize, 1);
  const times = { step: { js: [], wasm: [], tensorflow: [] }, forecast: { js: [], wasm: [], tensorflow: [] } } as Record<'step' | 'forecast', Record<KernelName, number[]>>;
  const budgetMs = o.quick ? 300 : batch >= 4000 ? 6000 : 2500;
  const reps = o.quick ? 3 : batch >= 4000 ? 5 : 25;
  let spent = 0;
  for (let r = -2; r < reps && (r < 3 || spent < budgetMs); r++) {
    for (const name of KERNELS) {
      // The JS kernels lose long before (10x slower at 1,000): at 10,000 one decode takes many seconds.
      if (name === 'js' && batch > JS_UP_TO) continue;
      const kernel: Kernel = name === 'js' ? k.js : k.models[name];
      if (name !== 'js') await tf.setBackend(name);
      let t = performance.now();
      kernel.stepArrays(x, h, batch);
      const step = performance.now() - t;
      t = performance.now();
      kernel.forecastArrays(h, ctx, batch);
      const fc = performance.now() - t;
      if (r < 0) continue; // warm-up: first calls allocate and compile
      times.step[name].push(step);
      times.forecast[name].push(fc);
      spent += step + fc;
    }
  }
  const none: Stats = { n: 0, median: Infinity, min: Infinity, max: Infinity, p10: Infinity, p90: Infinity };
  const of = (t: Record<KernelName, number[]>) =>
    Object.fromEntries(KERNELS.map((n) => [n, t[n].length > 0 ? stats(t[n]) : none])) as Record<KernelName, Stats>;
  return { batch, step: of(times.step), forecast: of(times.forecast) };
}

/** Smallest batch from which `a` is faster than `b` at every larger batch measured; undefined when never. */
function crossover(rows: readonly KernelRow[], path: 'step' | 'forecast', a: KernelName, b: KernelName): number | undefined {
  let from: number | undefined;
  for (const r of rows) {
    if (r[path][a].median < r[path][b].median) from ??= r.batch;
    else from = undefined;
  }
  return from;
}

function history(sensors: number, days: number): Map<string, StepObservation[]> {
  const start = T0 - days * 24 * HOUR;
  return new Map(
    Array.from({ length: sensors }, (_, i) => [`h${i}`, diurnalSeries({ sensor: `h${i}`, seed: 300 + i, steps: days * 24, start, covariates: true, missing: 0 })]),
  );
}

/** Whole online-training rounds (sampling, 15 Adam steps of 256 windows, scoring both models), backends alternating. */
async function rounds(o: BenchOptions, reps: number, nativeOnly = false): Promise<Record<'wasm' | 'tensorflow', Stats>> {
  await tf.setBackend('wasm');
  const saved = saveModel(await readModelFiles(SHIPPED_WEIGHTS));
  const series = history(o.quick ? 6 : 20, o.quick ? 20 : 60);
  const round = o.quick ? { maxSteps: 2, sampling: { windows: 256, validationSteps: 24 } } : {};
  const seconds: Record<'wasm' | 'tensorflow', number[]> = { wasm: [], tensorflow: [] };
  for (let r = 0; r < reps; r++) {
    const order = nativeOnly ? (['tensorflow'] as const) : r % 2 === 0 ? (['wasm', 'tensorflow'] as const) : (['tensorflow', 'wasm'] as const);
    for (const name of order) {
      await tf.setBackend(name);
      const res = runRound(saved, series, { ...round, seed: r + 1 });
      if (!res.metrics) throw new Error(`training round ${res.decision}: ${res.reason}`);
      seconds[name].push(res.metrics.durationMs / 1000);
    }
  }
  return { wasm: stats(seconds.wasm), tensorflow: stats(seconds.tensorflow) };
}

export async function run(o: BenchOptions) {
  const missing = await loadNative();
  const env = ['TF_NUM_INTRAOP_THREADS', 'TF_ENABLE_ONEDNN_OPTS'].map((k) => `${k}=${process.env[k] ?? '(unset)'}`).join(', ');
  if (missing) {
    const targets: TargetRow[] = [{ benchmark: 'native', metric: 'tfjs-node loads', target: 'yes', measured: missing, pass: false }];
    return { name: 'native', title: '9. Native vs wasm', backend: 'wasm', targets, details: `Skipped: ${missing}`, data: {} };
  }
  const k = await kernels();
  // --probe: the batches and the round that the thread and oneDNN settings are judged on (bench/native-env.ts).
  const probe = process.argv.includes('--probe');
  const batches = o.quick ? [1, 64, 1000] : probe ? [64, 1000, 10000] : [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 4000, 10000];
  const rows: KernelRow[] = [];
  for (const b of batches) rows.push(await interleaved(k, b, o));
  k.models.wasm.dispose();
  k.models.tensorflow.dispose();
  const train = await rounds(o, o.quick || probe ? 1 : 3, probe);
  const speedup = train.wasm.median / train.tensorflow.median;
  const cross = (path: 'step' | 'forecast') => ({
    nativeOverJs: crossover(rows, path, 'tensorflow', 'js'),
    wasmOverJs: crossover(rows, path, 'wasm', 'js'),
    nativeOverWasm: crossover(rows, path, 'tensorflow', 'wasm'),
  });
  const crossovers = { step: cross('step'), forecast: cross('forecast') };
  const show = (c: ReturnType<typeof cross>) => `native < JS from ${c.nativeOverJs ?? '-'}, wasm < JS from ${c.wasmOverJs ?? '-'}, native < wasm from ${c.nativeOverWasm ?? '-'}`;
  const targets: TargetRow[] = [
    {
      benchmark: 'native',
      metric: 'training round, wasm / native time (shipped weights, 15 x 256)',
      target: '>= 1.5x',
      measured: `${speedup.toFixed(2)}x (${train.wasm.median.toFixed(2)} s / ${train.tensorflow.median.toFixed(2)} s)`,
      pass: o.quick ? null : speedup >= 1.5,
    },
    { benchmark: 'native', metric: 'encoder step crossovers (batch)', target: '', measured: show(crossovers.step), pass: null },
    { benchmark: 'native', metric: '24-step decode crossovers (batch)', target: '', measured: show(crossovers.forecast), pass: null },
  ];
  const ratio = (r: KernelRow, path: 'step' | 'forecast', a: KernelName, b: KernelName) => (r[path][a].n === 0 ? '-' : (r[path][a].median / r[path][b].median).toFixed(2));
  const cell = (x: Stats, digits: number) => (x.n === 0 ? '-' : fmt(x, digits));
  const details = [
    `Shipped weights, one process, the three kernels in turn each rep; ms median (p10-p90). ${env}.`,
    '',
    markdownTable(
      ['batch', 'step JS', 'step wasm', 'step native', 'wasm/native', 'JS/native', 'decode JS', 'decode wasm', 'decode native', 'wasm/native', 'JS/native'],
      rows.map((r) => [
        r.batch,
        cell(r.step.js, 3),
        fmt(r.step.wasm, 3),
        fmt(r.step.tensorflow, 3),
        ratio(r, 'step', 'wasm', 'tensorflow'),
        ratio(r, 'step', 'js', 'tensorflow'),
        cell(r.forecast.js, 2),
        fmt(r.forecast.wasm, 2),
        fmt(r.forecast.tensorflow, 2),
        ratio(r, 'forecast', 'wasm', 'tensorflow'),
        ratio(r, 'forecast', 'js', 'tensorflow'),
      ]),
    ),
    '',
    `Training round (runRound, ${o.quick ? 'quick' : '20 sensors x 60 days'}), backends alternating: wasm ${fmt(train.wasm)} s, native ${fmt(train.tensorflow)} s, **${speedup.toFixed(2)}x**.`,
  ].join('\n');
  const name = probe ? 'native-probe' : 'native';
  return { name, title: '9. Native (tfjs-node) vs wasm', backend: 'tensorflow', targets, details, data: { rows, train, crossovers, env } };
}

await main(import.meta.url, run);

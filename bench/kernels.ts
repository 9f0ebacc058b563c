// Benchmark 2, model kernels: encoder step and 24-step forecast throughput per batch size (sensor-steps/s and the
// FLOP/s achieved next to a plain large matMul measured in the same run), and the JS-kernel vs tfjs comparison at
// small batches that sets RnnForecaster's jsMaxBatch crossover.
import * as tf from '@tensorflow/tfjs';
import { initBackend, Seq2Seq } from '../src/model/index.js';
import { JsInference } from '../src/model/js-kernels.js';
import { DEFAULT_JS_MAX_BATCH } from '../src/model/rnn-forecaster.js';
import { createRng } from '../src/random.js';
import { fmt, main, markdownTable, repeat, si, sideBySide, type BenchOptions, type Stats, type TargetRow } from './harness.js';

type Kernel = Pick<Seq2Seq, 'stepArrays' | 'forecastArrays'>;

/** Multiply-adds x 2 of one GRU step (input and recurrent products) plus ~12 elementwise ops per hidden unit. */
function gruFlops(input: number, hidden: number): number {
  const g = 3 * hidden;
  return 2 * (input * g + hidden * g) + 12 * hidden;
}

function inputs(model: Seq2Seq, batch: number, seed: number): { x: Float32Array; h: Float32Array; ctx: Float32Array } {
  const rng = createRng(seed);
  const fill = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => scale * rng.normal());
  return {
    x: fill(batch * model.encoderInputSize, 1),
    h: fill(batch * model.stateSize, 0.3),
    ctx: fill(model.config.horizon * batch * model.decoderContextSize, 1),
  };
}

interface ThroughputRow {
  batch: number;
  kernel: string;
  stepMs: Stats;
  forecastMs: Stats;
  stepSensorSteps: number;
  forecastSensorSteps: number;
  stepGflops: number;
  forecastGflops: number;
}

function matMulGflops(n: number, quick: boolean): { n: number; ms: Stats; gflops: number } {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  const ms = repeat(() => tf.tidy(() => tf.matMul(a, b)).dataSync(), { warmup: 2, reps: quick ? 5 : 15, maxMs: quick ? 1500 : 5000 });
  a.dispose();
  b.dispose();
  return { n, ms, gflops: (2 * n ** 3) / (ms.median / 1000) / 1e9 };
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const model = Seq2Seq.create();
  const js = new JsInference(model.config, model.getWeights());
  const { horizon, hidden } = model.config;
  const stepFlops = gruFlops(model.encoderInputSize, hidden);
  const decodeFlops = horizon * (gruFlops(model.decoderContextSize, hidden) + 2 * 3 * hidden + 2 * hidden * 4 + 8);

  const matmul = matMulGflops(o.quick ? 512 : 1024, o.quick);

  const rows: ThroughputRow[] = [];
  const batches = o.quick ? [1, 100] : [1, 100, 1000, 10000];
  const cases: [number, string, Kernel][] = batches.flatMap((b): [number, string, Kernel][] =>
    b <= DEFAULT_JS_MAX_BATCH ? [[b, 'js', js], [b, 'tfjs', model]] : [[b, 'tfjs', model]],
  );
  for (const [batch, name, kernel] of cases) {
    const { x, h, ctx } = inputs(model, batch, batch);
    const big = batch >= 10000;
    const reps = { warmup: big ? 1 : 3, reps: big ? 5 : o.quick ? 10 : 30, maxMs: o.quick ? 500 : 4000 };
    const stepMs = repeat(() => kernel.stepArrays(x, h, batch), reps);
    const forecastMs = repeat(() => kernel.forecastArrays(h, ctx, batch), reps);
    const perS = (ms: number): number => batch / (ms / 1000);
    rows.push({
      batch,
      kernel: name,
      stepMs,
      forecastMs,
      stepSensorSteps: perS(stepMs.median),
      forecastSensorSteps: perS(forecastMs.median) * horizon,
      stepGflops: (perS(stepMs.median) * stepFlops) / 1e9,
      forecastGflops: (perS(forecastMs.median) * decodeFlops) / 1e9,
    });
  }

  // Crossover: the same inputs through both kernels, interleaved.
  const cross = (o.quick ? [1, 4, 8, 32] : [1, 2, 4, 8, 16, 32]).map((batch) => {
    const { x, h, ctx } = inputs(model, batch, 100 + batch);
    const reps = { warmup: 5, reps: o.quick ? 15 : 60, maxMs: o.quick ? 300 : 3000 };
    const step = sideBySide(() => js.stepArrays(x, h, batch), () => model.stepArrays(x, h, batch), reps);
    const fc = sideBySide(() => js.forecastArrays(h, ctx, batch), () => model.forecastArrays(h, ctx, batch), reps);
    return { batch, step, forecast: fc };
  });
  model.dispose();

  const best = rows.reduce((a, r) => (r.forecastGflops > a.forecastGflops ? r : a), rows[0]!);
  // Largest batch (from 1 up, contiguous) at which the JS kernels are faster than tfjs, by median per-pair ratio.
  const jsWinsUpTo = (pick: (c: (typeof cross)[number]) => Stats): number => {
    let upTo = 0;
    for (const c of cross) {
      if (pick(c).median <= 1) break;
      upTo = c.batch;
    }
    return upTo;
  };
  const fcCross = jsWinsUpTo((c) => c.forecast.ratio);
  const stepCross = jsWinsUpTo((c) => c.step.ratio);
  const targets: TargetRow[] = [
    {
      benchmark: 'kernels',
      metric: `encoder step, batch ${rows[rows.length - 1]!.batch}`,
      target: '',
      measured: `${si(rows[rows.length - 1]!.stepSensorSteps)} sensor-steps/s`,
      pass: null,
    },
    {
      benchmark: 'kernels',
      metric: `24-step forecast, best batch (${best.batch})`,
      target: '',
      measured: `${si(best.forecastSensorSteps)} sensor-steps/s, ${best.forecastGflops.toFixed(2)} GFLOP/s = ${((100 * best.forecastGflops) / matmul.gflops).toFixed(0)}% of matMul`,
      pass: null,
    },
    {
      benchmark: 'kernels',
      metric: `JS kernels faster than tfjs up to batch (forecast; step); jsMaxBatch = ${DEFAULT_JS_MAX_BATCH}`,
      target: '',
      measured: `${fcCross}; ${stepCross}`,
      pass: null,
    },
  ];
  const details = [
    `Large matMul ${matmul.n}x${matmul.n}x${matmul.n}: ${fmt(matmul.ms, 1)} ms, **${matmul.gflops.toFixed(2)} GFLOP/s** (the ceiling on this backend).`,
    `FLOP per sensor: encoder step ${si(stepFlops)}, 24-step decode ${si(decodeFlops)} (GRU-${hidden}, ${model.encoderInputSize} encoder inputs, ${model.decoderContextSize} decoder context).`,
    '',
    markdownTable(
      ['batch', 'kernel', 'step ms', 'step sensor-steps/s', 'step GFLOP/s (% matMul)', 'forecast ms', 'forecast sensor-steps/s', 'forecast GFLOP/s (% matMul)'],
      rows.map((r) => [
        r.batch,
        r.kernel,
        fmt(r.stepMs, 3),
        si(r.stepSensorSteps),
        `${r.stepGflops.toFixed(3)} (${((100 * r.stepGflops) / matmul.gflops).toFixed(1)}%)`,
        fmt(r.forecastMs, 2),
        si(r.forecastSensorSteps),
        `${r.forecastGflops.toFixed(3)} (${((100 * r.forecastGflops) / matmul.gflops).toFixed(1)}%)`,
      ]),
    ),
    '',
    'JS kernels vs tfjs, same inputs interleaved (ratio = tfjs time / js time per pair; > 1: JS faster):',
    '',
    markdownTable(
      ['batch', 'step js ms', 'step tfjs ms', 'step tfjs/js', 'forecast js ms', 'forecast tfjs ms', 'forecast tfjs/js'],
      cross.map((c) => [c.batch, fmt(c.step.a, 3), fmt(c.step.b, 3), fmt(c.step.ratio, 1), fmt(c.forecast.a, 2), fmt(c.forecast.b, 2), fmt(c.forecast.ratio, 1)]),
    ),
  ].join('\n');
  return { name: 'kernels', title: '2. Model kernels (GRU-64, 3 covariates)', backend, targets, details, data: { matmul, rows, cross, stepFlops, decodeFlops } };
}

await main(import.meta.url, run);

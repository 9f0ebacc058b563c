// Acceptance 6: tf autodiff through the hand-built cells (and the whole decode path) matches central finite
// differences on tiny networks, on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { cellParamSpecs, cellStep, groupSpecs, projectInput, type CellState, type Params } from '../../src/model/cells.js';
import { buildWindows, Seq2Seq, train } from '../../src/model/index.js';
import { createRng } from '../../src/random.js';
import { diurnalSeries } from './synthetic.js';

const EPS = 1e-2;

beforeAll(async () => {
  await initBackend('cpu');
});

function random(n: number, rng: ReturnType<typeof createRng>, scale = 0.5): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** Autodiff gradients vs central differences of `loss(values)` for every element of every array. */
function check(values: Float32Array[], loss: (v: readonly tf.Tensor[]) => tf.Scalar, shapes: number[][], pick?: (i: number) => number[]): void {
  const vars = values.map((v, i) => tf.tidy(() => tf.variable(tf.tensor(v, shapes[i]))));
  const { value, grads } = tf.tidy(() => tf.variableGrads(() => loss(vars), vars));
  const analytic = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  const at = (vs: Float32Array[]): number => tf.tidy(() => loss(vs.map((v, i) => tf.tensor(v, shapes[i]))).dataSync()[0]);
  values.forEach((v, p) => {
    const indices = pick ? pick(p) : Array.from(v.keys());
    const fd: number[] = [];
    const ad: number[] = [];
    for (const i of indices) {
      const plus = values.map((x) => Float32Array.from(x));
      const minus = values.map((x) => Float32Array.from(x));
      plus[p][i] += EPS;
      minus[p][i] -= EPS;
      fd.push((at(plus) - at(minus)) / (2 * EPS));
      ad.push(analytic[p][i]);
    }
    const norm = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
    const rel = norm(fd.map((x, i) => x - ad[i])) / Math.max(norm(fd), norm(ad), 1e-6);
    expect(rel, `parameter ${p}`).toBeLessThan(1e-2);
    expect(norm(ad), `parameter ${p} has a gradient`).toBeGreaterThan(0);
  });
  tf.dispose([value, ...vars, ...Object.values(grads)]);
}

describe.each(['rnn', 'gru', 'lstm'] as const)('gradient check: %s cell', (cell) => {
  it('autodiff matches finite differences (relative error < 1e-2, eps 1e-2)', () => {
    const rng = createRng(cell.length);
    const input = 3;
    const hidden = 4;
    const batch = 2;
    const steps = 3;
    // The run-time variables: stacked weights split into gate groups.
    const specs = cellParamSpecs('c', cell, input, hidden).flatMap((s) => groupSpecs(s, cell, hidden));
    const values = specs.map((s) => random(s.shape.reduce((a, b) => a * b, 1), rng));
    const xs = Array.from({ length: steps }, () => random(batch * input, rng, 1));
    const readout = random(batch * hidden, rng, 1);
    const loss = (v: readonly tf.Tensor[]): tf.Scalar => {
      const p: Params = Object.fromEntries(specs.map((s, i) => [s.name, v[i]]));
      let state: CellState = Array.from({ length: cell === 'lstm' ? 2 : 1 }, () => tf.zeros([batch, hidden]) as tf.Tensor2D);
      for (const x of xs) state = cellStep(cell, 'c', p, projectInput(cell, 'c', p, tf.tensor2d(x, [batch, input])), state);
      // Weighted sum of every state part, so c's gradient path is checked too.
      return tf.sum(state.map((s) => tf.mul(s, tf.tensor2d(readout, [batch, hidden]))).reduce((a, b) => tf.add(a, b))) as tf.Scalar;
    };
    const before = tf.memory().numTensors;
    check(values, loss, specs.map((s) => s.shape));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each([1, 2])('gradient check: whole encoder-decoder, %i layer(s)', (layers) => {
  it('autodiff through encode, teacher-forced decode and the quantile head matches finite differences', () => {
    const rng = createRng(77);
    const model = Seq2Seq.create({ cell: 'gru', hidden: 3, horizon: 3, covariates: ['wind'], seed: 5, layers });
    const names = Object.keys(model.params);
    const values = names.map((n) => random(model.params[n].size, rng, 0.6));
    const shapes = names.map((n) => model.params[n].shape);
    const batch = 2;
    const xs = Array.from({ length: 4 }, () => random(batch * model.encoderInputSize, rng, 1));
    const ctx = Array.from({ length: 3 }, () => random(batch * model.decoderContextSize, rng, 1));
    const truth = Array.from({ length: 3 }, () => random(batch, rng, 1));
    const useTruth = [Uint8Array.of(1, 0), Uint8Array.of(0, 1), Uint8Array.of(1, 1)];
    const weights = random(3 * batch * 4, rng, 1);
    const loss = (v: readonly tf.Tensor[]): tf.Scalar => {
      const saved = names.map((n) => model.params[n]);
      // Route the candidate tensors through the model's own code by swapping them into its param table.
      names.forEach((n, i) => ((model.params as Record<string, tf.Tensor>)[n] = v[i]));
      try {
        const state = model.encode(xs.map((x) => tf.tensor2d(x, [batch, model.encoderInputSize])), model.zeroState(batch));
        const out = model.decode(
          state,
          ctx.map((c) => tf.tensor2d(c, [batch, model.decoderContextSize])),
          { truth: truth.map((t) => tf.tensor2d(t, [batch, 1])), useTruth: useTruth.map((u) => tf.tensor2d(u, [batch, 1], 'bool')) },
        );
        return tf.sum(tf.mul(out, tf.tensor3d(weights, [3, batch, 4]))) as tf.Scalar;
      } finally {
        names.forEach((n, i) => ((model.params as Record<string, tf.Variable>)[n] = saved[i]));
      }
    };
    // Up to 8 elements per tensor keeps the check to a few hundred forward passes.
    const pick = (p: number): number[] => {
      const n = values[p].length;
      return n <= 8 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 8 }, () => rng.int(n));
    };
    check(values, loss, shapes, pick);
    model.dispose();
  });
});

describe('determinism on the cpu backend', () => {
  it('two seeded training runs give identical losses and weights', () => {
    const config = { hidden: 4, covariates: [] as [], horizon: 4 };
    const windows = buildWindows(diurnalSeries({ steps: 24 * 3 }), { config, contextLength: 8, stride: 4 });
    const run = () => {
      const model = Seq2Seq.create(config);
      const r = train(windows, { model, maxSteps: 3, batchSize: 8, gradientSteps: 4 });
      const out = { loss: r.history.stepLoss, weights: model.getWeights() };
      model.dispose();
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
  });
});

// The live path picks its kernel by batch size and backend (kernel-choice.ts): the plain-JS kernels up to the
// backend's measured limit, the backend above it, for encoder steps and decodes apart.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { JS_MAX_BATCH, WASM_MAX_BATCH } from '../../src/model/kernel-choice.js';
import { loadNative } from '../../src/model/native-env.js';
import { diurnalSeries } from './synthetic.js';

async function nativeMissing(): Promise<string | undefined> {
  const why = await loadNative();
  return why === undefined ? undefined : `tfjs-node does not load: ${why}`;
}
const missing = await nativeMissing();

/** How often one observe and one forecast of `batch` sensors reached the tfjs model. */
function tfjsCalls(batch: number, options: { jsMaxBatch?: number } = {}): { step: number; decode: number } {
  const model = Seq2Seq.create({ hidden: 8, seed: 2 });
  const step = vi.spyOn(model, 'stepArrays');
  const decode = vi.spyOn(model, 'forecastArrays');
  const f = new RnnForecaster({ model, ...options });
  const names = Array.from({ length: batch }, (_, i) => `k${i}`);
  const series = names.map((sensor, i) => diurnalSeries({ sensor, seed: i + 1, steps: 2, covariates: true }));
  f.observe(series.map((s) => s[0]!));
  f.forecast(names);
  const calls = { step: step.mock.calls.length, decode: decode.mock.calls.length };
  f.dispose();
  model.dispose();
  return calls;
}

describe('kernel choice', () => {
  it('on wasm: JS up to its limits, tfjs above, each path apart; jsMaxBatch overrides both', async () => {
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const { step, decode } = JS_MAX_BATCH.wasm;
    expect(tfjsCalls(Math.min(step, decode))).toEqual({ step: 0, decode: 0 });
    expect(tfjsCalls(Math.max(step, decode) + 1)).toEqual({ step: 1, decode: 1 });
    expect(tfjsCalls(1, { jsMaxBatch: 0 })).toEqual({ step: 1, decode: 1 });
    expect(tfjsCalls(50, { jsMaxBatch: 50 })).toEqual({ step: 0, decode: 0 });
  });

  it.skipIf(missing !== undefined)(`on tensorflow: JS, then a wasm twin, then tensorflow, per path${missing ? ` (skipped: ${missing})` : ''}`, async () => {
    await initBackend('wasm');
    expect(await tf.setBackend('tensorflow')).toBe(true);
    const js = JS_MAX_BATCH.tensorflow;
    const wasm = WASM_MAX_BATCH;
    // Only batches above both limits of a path reach the tensorflow model; the wasm twin is a model of its own.
    const expected = (batch: number) => ({ step: batch > Math.max(js.step, wasm.step) ? 1 : 0, decode: batch > Math.max(js.decode, wasm.decode) ? 1 : 0 });
    for (const batch of [js.decode + 1, wasm.decode + 1, js.step + 1, wasm.step + 1]) {
      expect(tfjsCalls(batch), `batch ${batch}`).toEqual(expected(batch));
    }
    expect(tfjsCalls(wasm.step + 1).decode).toBe(1);
    expect(tf.getBackend()).toBe('tensorflow');
    await tf.setBackend('wasm');
  });
});

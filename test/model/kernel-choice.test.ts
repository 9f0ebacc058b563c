// The live path picks its kernel by batch size and backend (kernel-choice.ts): the plain-JS kernels up to the
// backend's measured limit, the backend above it, for encoder steps and decodes apart.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { JS_MAX_BATCH } from '../../src/model/kernel-choice.js';
import { applyNativeEnv } from '../../src/model/native-env.js';
import { diurnalSeries } from './synthetic.js';

async function nativeMissing(): Promise<string | undefined> {
  try {
    applyNativeEnv();
    const mod = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ mod);
    return undefined;
  } catch (err) {
    return `tfjs-node does not load: ${String(err).split('\n')[0]}`;
  }
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

  it.skipIf(missing !== undefined)(`on tensorflow: steps and decodes on their own limits${missing ? ` (skipped: ${missing})` : ''}`, async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
    const { step, decode } = JS_MAX_BATCH.tensorflow;
    // A batch between the two limits: its step stays on JS, its decode goes to the backend.
    const between = Math.min(step, decode) + 1;
    expect(between).toBeLessThanOrEqual(Math.max(step, decode));
    expect(tfjsCalls(between)).toEqual(step > decode ? { step: 0, decode: 1 } : { step: 1, decode: 0 });
    expect(tfjsCalls(Math.max(step, decode) + 1)).toEqual({ step: 1, decode: 1 });
    await tf.setBackend('wasm');
  });
});

// Which kernel runs a live encoder step or 24-step decode of a batch, per backend: up to these batch sizes the
// plain-JS kernels (js-kernels.ts), above them the backend. tfjs-node's per-op overhead is far higher than wasm's,
// so its limits are higher. Measured side by side by bench/native.ts (docs/benchmarks.md, "Native backend").
import type { BackendName } from './backend-name.js';

export interface JsLimits {
  /** Largest batch of an encoder step (observe, warm) on the JS kernels. */
  step: number;
  /** Largest batch of a decode (forecast) on the JS kernels. */
  decode: number;
}

export const JS_MAX_BATCH: Readonly<Record<BackendName, Readonly<JsLimits>>> = Object.freeze({
  // bench/kernels.ts, GRU-64, four runs: JS wins up to 4 for both paths (1.1-1.4x at 4, 0.5-0.8x at 8).
  wasm: Object.freeze({ step: 4, decode: 4 }),
  // bench/native.ts, shipped weights, the quieter of two runs (0.88 core-s/s): on a tensorflow process the JS
  // kernels compete with the wasm twin below; JS was faster up to 8 for a step (0.125 vs 0.159 ms), 4 for a decode.
  tensorflow: Object.freeze({ step: 8, decode: 4 }),
  // Not measured separately: tfjs's pure-JS backend is no faster than wasm, so the wasm limits.
  cpu: Object.freeze({ step: 4, decode: 4 }),
});

/** The limits of a backend by name (tf.getBackend()); an unknown one gets the wasm limits. */
export function jsLimitsFor(backend: string): JsLimits {
  return JS_MAX_BATCH[backend as BackendName] ?? JS_MAX_BATCH.wasm;
}

/**
 * On a tensorflow process, the largest batches that still run on a wasm twin of the weights (above the JS limits).
 * bench/native.ts, quieter run: wasm faster than tensorflow for steps up to 2,000 (0.87 at 2,000, even at 4,000,
 * native 1.45x at 10,000) and for decodes up to 1,000 (0.97; even at 2,000, native 1.27x at 4,000). The loaded run
 * (0.33 core-s/s) had native ahead of wasm for decodes from 128: under load the limits move down.
 */
export const WASM_MAX_BATCH: Readonly<JsLimits> = Object.freeze({ step: 4000, decode: 1000 });

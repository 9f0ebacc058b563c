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
  // bench/native.ts, shipped weights, loaded 2-core machine: JS faster than native up to 128 for a step (JS/native
  // 0.06 at 128, 1.1 at 256) and up to 16 for a decode (0.3 at 16, 1.6 at 32).
  tensorflow: Object.freeze({ step: 128, decode: 16 }),
  // Not measured separately: tfjs's pure-JS backend is no faster than wasm, so the wasm limits.
  cpu: Object.freeze({ step: 4, decode: 4 }),
});

/** The limits of a backend by name (tf.getBackend()); an unknown one gets the wasm limits. */
export function jsLimitsFor(backend: string): JsLimits {
  return JS_MAX_BATCH[backend as BackendName] ?? JS_MAX_BATCH.wasm;
}

/**
 * On a tensorflow process, the largest batches that still run on a wasm twin of the weights (above the JS limits):
 * bench/native.ts had wasm faster than tensorflow for steps up to 4,000 (2.1x slower at 10,000) and for decodes
 * up to 64 (0.84 at 64, 2.3x faster native at 128).
 */
export const WASM_MAX_BATCH: Readonly<JsLimits> = Object.freeze({ step: 4000, decode: 64 });

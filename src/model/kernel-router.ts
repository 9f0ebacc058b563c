// Routes each live encoder step and decode to the kernel measured fastest for its batch size (kernel-choice.ts):
// the plain-JS kernels for small batches; on a tensorflow process, a wasm twin of the weights for the middle band
// (tfjs-node's per-op cost loses there), and tensorflow itself for large batches.
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './backend-name.js';
import { JsInference } from './js-kernels.js';
import { jsLimitsFor, WASM_MAX_BATCH, type JsLimits } from './kernel-choice.js';
import { Seq2Seq } from './seq2seq.js';

export type Kernel = Pick<Seq2Seq, 'stepArrays' | 'forecastArrays'>;
export type KernelPath = keyof JsLimits;

/**
 * Run `fn` on another initialised backend and switch back. tfjs switches synchronously to a backend that is already
 * initialised (its setBackend only awaits a first initialisation), which is checked here rather than assumed.
 */
export function onBackend<T>(name: BackendName, fn: () => T): T {
  const prev = tf.getBackend();
  if (prev === name) return fn();
  if (tf.findBackend(name) === null) throw new Error(`backend ${name} is not initialised`);
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`backend ${name} did not switch synchronously`);
  try {
    return fn();
  } finally {
    void tf.setBackend(prev);
  }
}

export interface KernelRouterOptions {
  /** Overrides the JS limits of both paths (RnnForecaster's jsMaxBatch); 0 = never JS. */
  jsMaxBatch?: number;
  /** Use a wasm twin for the middle band on a tensorflow process; default: when wasm is initialised. */
  wasmTwin?: boolean;
}

export class KernelRouter {
  private readonly backend: string;
  private readonly js: JsLimits;
  private readonly wasm: JsLimits | undefined;
  private jsKernels: JsInference | undefined;
  private twin: Seq2Seq | undefined;
  private twinKernel: Kernel | undefined;

  constructor(
    private readonly model: Seq2Seq,
    options: KernelRouterOptions = {},
  ) {
    this.backend = tf.getBackend();
    const n = options.jsMaxBatch;
    this.js = n === undefined ? jsLimitsFor(this.backend) : { step: n, decode: n };
    const twin = options.wasmTwin ?? (this.backend === 'tensorflow' && tf.findBackend('wasm') !== null);
    this.wasm = twin && this.backend === 'tensorflow' ? WASM_MAX_BATCH : undefined;
  }

  /** The kernel for a batch of `batch` sensors on `path`. */
  pick(batch: number, path: KernelPath): Kernel {
    if (batch <= this.js[path]) return (this.jsKernels ??= new JsInference(this.model.config, this.model.getWeights()));
    if (this.wasm !== undefined && batch <= this.wasm[path]) return this.wasmKernel();
    return this.model;
  }

  dispose(): void {
    this.disposeTwin();
    this.jsKernels = undefined;
  }

  private wasmKernel(): Kernel {
    if (this.twinKernel) return this.twinKernel;
    const twin = onBackend('wasm', () => Seq2Seq.fromWeights(this.model.config, this.model.getWeights()));
    this.twin = twin;
    this.twinKernel = {
      stepArrays: (x, h, batch) => onBackend('wasm', () => twin.stepArrays(x, h, batch)),
      forecastArrays: (h, ctx, batch) => onBackend('wasm', () => twin.forecastArrays(h, ctx, batch)),
    };
    return this.twinKernel;
  }

  private disposeTwin(): void {
    if (this.twin) onBackend('wasm', () => this.twin!.dispose());
    this.twin = undefined;
    this.twinKernel = undefined;
  }
}

// The global encoder-decoder: weights shared by all sensors, an encoder step that advances any batch of
// sensors by one reading, and an autoregressive decoder that emits p10/p50/p90/mean per lead.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random.js';
import {
  cellParamSpecs,
  gateCount,
  gateGroups,
  groupSpecs,
  initCellParam,
  joinGroups,
  layerPrefix,
  projectInput,
  splitGroups,
  stackStep,
  type CellState,
  type ParamSpec,
} from './cells.js';
import { architectureTag, layerCount, resolveModelConfig, stateParts, stateSize, type ModelConfig, type ModelOptions } from './config.js';
import { crc32 } from './checksum.js';
import { decoderContextSize, decoderInputSize, encoderInputSize } from './features.js';
import { ModelError } from './errors.js';
import { GruDecoder, gruDecodeWeights } from './gru-decode.js';
import { GruStepper } from './gru-step.js';
import { quantilesInPlace } from './quantiles.js';

/** Output columns of the head, in order. Values are residuals in normalized units (see docs/model.md). */
export const OUTPUTS = ['p10', 'p50', 'p90', 'mean'] as const;

/** Teacher forcing for one decode: per lead, the true residual [batch, 1] and where (bool) to feed it. */
export interface TeacherForcing {
  truth: tf.Tensor2D[];
  useTruth: tf.Tensor2D[];
}

export class Seq2Seq {
  readonly config: ModelConfig;
  /** Saved parameters (gates stacked), the layout of getWeights/setWeights and of the weight blob. */
  readonly specs: ParamSpec[];
  /** Run-time variables by name: cell weights split into gate groups (`enc.Wx.rz`, ...), head as saved. */
  readonly params: Record<string, tf.Variable>;
  private disposed = false;
  private gruLive: { ids: object[]; decoder: GruDecoder; stepper: GruStepper } | undefined;

  private constructor(config: ModelConfig, values: Float32Array[]) {
    this.config = config;
    this.specs = modelParamSpecs(config);
    if (values.length !== this.specs.length) {
      throw new ModelError('WX_MODEL_CONFIG_MISMATCH', `expected ${this.specs.length} weight tensors, got ${values.length}`);
    }
    this.params = {};
    this.specs.forEach((s, i) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (values[i].length !== size) {
        throw new ModelError('WX_MODEL_CONFIG_MISMATCH', `${s.name} needs ${size} values, got ${values[i].length}`);
      }
      const parts = this.split(s, values[i]);
      this.partSpecs(s).forEach((ps, j) => {
        // tidy frees the initial tensor; the variable keeps its own reference to the data.
        this.params[ps.name] = tf.tidy(() => tf.variable(tf.tensor(parts[j], ps.shape, 'float32'), true, undefined, 'float32'));
      });
    });
    // Built now rather than at the first step or forecast, so that those never change the tensor count.
    if (config.cell === 'gru') this.gru();
  }

  /** A freshly initialised model; the same options (incl. seed) give bit-identical weights. */
  static create(options: ModelOptions = {}): Seq2Seq {
    const config = resolveModelConfig(options);
    const rng = createRng(config.seed);
    const values = modelParamSpecs(config).map((s) => initParam(s, config, rng));
    return new Seq2Seq(config, values);
  }

  /** A model from saved weight arrays, in `specs` order (see serialize.ts for the bytes). */
  static fromWeights(config: ModelConfig, values: Float32Array[]): Seq2Seq {
    return new Seq2Seq(resolveModelConfig(config), values);
  }

  get encoderInputSize(): number {
    return encoderInputSize(this.config);
  }

  get decoderContextSize(): number {
    return decoderContextSize(this.config);
  }

  /** Floats per sensor in the packed state (each layer's [h] or [h | c], bottom layer first). */
  get stateSize(): number {
    return stateSize(this.config);
  }

  /** Stacked recurrent layers of the encoder and of the decoder. */
  get layers(): number {
    return layerCount(this.config);
  }

  /** The state of a batch: each layer's [h] or [h, c] in turn, bottom layer first. */
  zeroState(batch: number): CellState {
    return Array.from({ length: this.layers * stateParts(this.config) }, () => tf.zeros([batch, this.config.hidden]) as tf.Tensor2D);
  }

  /** One encoder step for a batch: x [batch, encoderInputSize]. */
  encodeStep(x: tf.Tensor2D, state: CellState): CellState {
    const { cell } = this.config;
    return stackStep(cell, 'enc', this.layers, this.params, projectInput(cell, 'enc', this.params, x), state);
  }

  /**
   * The training unroll: encodeStep over a sequence of [batch, encoderInputSize] inputs. Steps stay separate
   * tensors: on tfjs-wasm a slice copies its whole input, so slicing one long time-major tensor per step
   * would cost O(steps^2).
   */
  encode(xs: readonly tf.Tensor2D[], state: CellState): CellState {
    let s = state;
    for (const x of xs) s = this.encodeStep(x, s);
    return s;
  }

  /**
   * Decode `horizon` leads from the encoder state (decoder layer k starts from encoder layer k's); context[k] is [batch, decoderContextSize] for lead k+1.
   * The first fed-back residual is 0 (the last observation relative to itself); afterwards the decoder feeds
   * back its own p50, or the truth where `teacher.useTruth` is set. Returns [horizon, batch, 4] in OUTPUTS order.
   */
  decode(state: CellState, context: readonly tf.Tensor2D[], teacher?: TeacherForcing): tf.Tensor3D {
    return toQuantiles(this.decodeRaw(state, context, teacher));
  }

  /** decode() before the quantile transform: the head's raw outputs [horizon, batch, 4]. */
  private decodeRaw(state: CellState, context: readonly tf.Tensor2D[], teacher?: TeacherForcing): tf.Tensor3D {
    const { cell, horizon } = this.config;
    const p = this.params;
    let s = state;
    let prev: tf.Tensor2D | undefined;
    const raw: tf.Tensor2D[] = [];
    const groups = gateGroups(cell);
    const top = (this.layers - 1) * stateParts(this.config);
    for (let k = 0; k < horizon; k++) {
      const xc = projectInput(cell, 'dec', p, context[k]);
      // The fed-back residual is one column: a broadcast multiply instead of a concat + matMul.
      const fed = prev;
      const xp = fed === undefined ? xc : xc.map((t, i) => tf.add(t, tf.mul(fed, p[`dec.Wp.${groups[i].name}`])) as tf.Tensor2D);
      s = stackStep(cell, 'dec', this.layers, p, xp, s);
      const o = tf.fused.matMul({ a: s[top], b: p['head.W'] as tf.Tensor2D, bias: p['head.b'] }) as tf.Tensor2D;
      raw.push(o);
      if (k + 1 < horizon) {
        const p50 = tf.slice(o, [0, 0], [-1, 1]);
        prev = teacher ? tf.where(teacher.useTruth[k], teacher.truth[k], p50) : p50;
      }
    }
    return tf.stack(raw) as tf.Tensor3D;
  }

  /**
   * Live encoder step on plain arrays: x [batch * encoderInputSize], state [batch * stateSize] (packed).
   * Returns the new packed state. Data is read outside tf.tidy (tidy would walk a returned typed array).
   */
  stepArrays(x: Float32Array, state: Float32Array, batch: number): Float32Array {
    if (this.config.cell === 'gru') return this.gru().stepper.stepArrays(x, state, batch);
    const out = tf.tidy(() => {
      const xt = tf.tensor2d(x, [batch, this.encoderInputSize]);
      return packState(this.encodeStep(xt, this.unpackState(state, batch)));
    });
    return readAndDispose(out);
  }

  /**
   * Live decode on plain arrays: state packed [batch * stateSize], context [horizon][batch][contextSize].
   * Returns [horizon][batch][4] (OUTPUTS order, normalized residual units).
   */
  forecastArrays(state: Float32Array, context: Float32Array, batch: number): Float32Array {
    if (this.config.cell === 'gru') return this.gru().decoder.forecastArrays(state, context, batch, this.config.horizon);
    const out = tf.tidy(() => {
      const size = batch * this.decoderContextSize;
      const ctx = Array.from({ length: this.config.horizon }, (_, k) =>
        tf.tensor2d(context.subarray(k * size, (k + 1) * size), [batch, this.decoderContextSize]),
      );
      return this.decodeRaw(this.unpackState(state, batch), ctx);
    });
    return quantilesInPlace(readAndDispose(out));
  }

  /**
   * The GRU's live step and decode (gru-step.ts, gru-decode.ts), built with the model and rebuilt when any
   * variable changed: assign() (optimizer steps, setWeights) gives a variable a new dataId, so the dataIds are
   * the key.
   */
  private gru(): { decoder: GruDecoder; stepper: GruStepper } {
    const vars = this.variables;
    const cached = this.gruLive;
    if (cached && cached.ids.every((id, i) => id === vars[i].dataId)) return cached;
    this.disposeGru();
    const values = this.getWeights();
    const saved = Object.fromEntries(this.specs.map((s, i) => [s.name, values[i]]));
    this.gruLive = {
      ids: vars.map((v) => v.dataId),
      decoder: new GruDecoder(gruDecodeWeights(this.config, saved)),
      stepper: new GruStepper(this.config, saved),
    };
    return this.gruLive;
  }

  private disposeGru(): void {
    this.gruLive?.decoder.dispose();
    this.gruLive?.stepper.dispose();
    this.gruLive = undefined;
  }

  /** All run-time variables, in a fixed order (what training differentiates). */
  get variables(): tf.Variable[] {
    return this.specs.flatMap((s) => this.partSpecs(s).map((ps) => this.params[ps.name]));
  }

  /** Set the per-lead band widening (see calibration.ts); part of the saved config. */
  setIntervalScale(scale: readonly number[] | undefined): void {
    if (scale === undefined) {
      delete this.config.intervalScale;
      return;
    }
    resolveModelConfig({ ...this.config, intervalScale: [...scale] }); // validates
    this.config.intervalScale = [...scale];
  }

  /** Copies of the weights in the saved layout, in `specs` order. */
  getWeights(): Float32Array[] {
    return this.specs.map((s) => {
      const parts = this.partSpecs(s).map((ps) => this.params[ps.name].dataSync() as Float32Array);
      return parts.length === 1 ? Float32Array.from(parts[0]) : joinGroups(parts, s, this.config.cell, this.config.hidden);
    });
  }

  /** Overwrite the weights in place (saved layout, same shapes), e.g. to roll back to a checkpoint. */
  setWeights(values: readonly Float32Array[]): void {
    if (values.length !== this.specs.length) {
      throw new ModelError('WX_MODEL_CONFIG_MISMATCH', `expected ${this.specs.length} weight tensors, got ${values.length}`);
    }
    this.specs.forEach((s, i) => {
      const parts = this.split(s, values[i]);
      this.partSpecs(s).forEach((ps, j) => {
        tf.tidy(() => this.params[ps.name].assign(tf.tensor(parts[j], ps.shape, 'float32')));
      });
    });
  }

  /** Run-time variables behind a saved spec: gate groups for cell weights, the spec itself for the head. */
  private partSpecs(spec: ParamSpec): ParamSpec[] {
    return spec.name.startsWith('head.') ? [spec] : groupSpecs(spec, this.config.cell, this.config.hidden);
  }

  private split(spec: ParamSpec, values: Float32Array): Float32Array[] {
    return spec.name.startsWith('head.') ? [values] : splitGroups(values, spec, this.config.cell, this.config.hidden);
  }

  /** Architecture plus a CRC of the weights, e.g. "gru64c3-1a2b3c4d": changes whenever a weight changes. */
  version(): string {
    let crc = 0;
    for (const w of this.getWeights()) crc = crc32(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), crc);
    return `${architectureTag(this.config)}-${crc.toString(16).padStart(8, '0')}`;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of Object.values(this.params)) v.dispose();
    this.disposeGru();
    this.disposed = true;
  }

  /** Packed per-sensor states [batch * stateSize] as the tensors of a CellState (inverse of packState). */
  unpackState(state: Float32Array, batch: number): CellState {
    const n = this.layers * stateParts(this.config);
    const h = this.config.hidden;
    if (n === 1) return [tf.tensor2d(state.subarray(0, batch * h), [batch, h])];
    const packed = tf.tensor2d(state.subarray(0, batch * this.stateSize), [batch, this.stateSize]);
    return Array.from({ length: n }, (_, i) => tf.slice(packed, [0, i * h], [-1, h]) as tf.Tensor2D);
  }
}

/**
 * All parameter specs of a config, in serialization order: encoder layers, decoder layers (bottom first; layers above
 * the bottom take the layer below's h, `hidden` wide), the decoder's fed-back weights, head.
 */
export function modelParamSpecs(config: ModelConfig): ParamSpec[] {
  const h = config.hidden;
  const stack = (part: 'enc' | 'dec', input: number): ParamSpec[] =>
    Array.from({ length: layerCount(config) }, (_, k) => cellParamSpecs(layerPrefix(part, k), config.cell, k === 0 ? input : h, h)).flat();
  return [
    ...stack('enc', encoderInputSize(config)),
    ...stack('dec', decoderContextSize(config)),
    { name: 'dec.Wp', shape: [1, gateCount(config.cell) * h] },
    { name: 'head.W', shape: [h, OUTPUTS.length] },
    { name: 'head.b', shape: [OUTPUTS.length] },
  ];
}

function initParam(spec: ParamSpec, config: ModelConfig, rng: ReturnType<typeof createRng>): Float32Array {
  if (spec.name === 'dec.Wp') {
    const limit = Math.sqrt(6 / (decoderInputSize(config) + config.hidden));
    return Float32Array.from({ length: spec.shape[1] }, () => (2 * rng.next() - 1) * limit);
  }
  if (!spec.name.startsWith('head.')) return initCellParam(spec, config.cell, config.hidden, rng);
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.name === 'head.W') {
    // Small head: the untrained model forecasts "no change" (persistence) with a +-1 sd band.
    const limit = 0.1 * Math.sqrt(6 / (config.hidden + OUTPUTS.length));
    for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  } else {
    out[1] = out[2] = Math.log(Math.E - 1); // softplus(x) = 1
  }
  return out;
}

/** Raw head outputs [..., 4] to non-crossing quantiles: p10 = p50 - softplus, p90 = p50 + softplus. */
export function toQuantiles(raw: tf.Tensor3D): tf.Tensor3D {
  const [o0, o1, o2, o3] = tf.split(raw, 4, 2);
  return tf.concat([tf.sub(o0, tf.softplus(o1)), o0, tf.add(o0, tf.softplus(o2)), o3], 2) as tf.Tensor3D;
}

/** [h] or [h, c] as one [batch, stateSize] tensor, the layout stored per sensor. */
export function packState(state: CellState): tf.Tensor2D {
  return state.length === 1 ? state[0] : tf.concat(state, 1);
}

function readAndDispose(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

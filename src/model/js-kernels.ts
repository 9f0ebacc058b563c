// Plain-JavaScript inference for the live encoder step and decoder, mirroring cells.ts and Seq2Seq.decode op
// for op. At the small batches a live server sees per tick, tfjs op dispatch (~0.03-0.1 ms per op, ~10 ops per
// cell step) costs far more than the arithmetic; these loops run the same float32 weights without dispatch.
// All sensors of a call go through each weight row together (dense.ts), in float32 like tfjs.
// Training and large batches stay on tfjs; docs/benchmarks.md has the crossover measured side by side.
import type { CellType, ModelConfig } from './config.js';
import { layerCount, layerStateSize, stateSize } from './config.js';
import { decoderContextSize, encoderInputSize } from './features.js';
import { affine, dense, type Dense } from './dense.js';
import { quantilesInPlace } from './quantiles.js';

interface CellWeights {
  /** x Wx + b */
  x: Dense;
  /** h Wh + bh (no bias but the GRU's) */
  h: Dense;
}

function gates(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class JsInference {
  private readonly cell: CellType;
  private readonly hidden: number;
  private readonly horizon: number;
  /** Per layer, bottom first; layers above the bottom read the layer below's h. */
  private readonly enc: CellWeights[];
  private readonly dec: CellWeights[];
  private readonly wp: Float32Array;
  private readonly head: Dense;
  // Float32 scratch for a whole batch ([batch, gates]), grown on demand: inference allocates only its outputs.
  private xp = new Float32Array(0);
  private hp = new Float32Array(0);

  /**
   * @param config the model's config
   * @param weights weight arrays in `modelParamSpecs(config)` order (as `Seq2Seq.getWeights()` returns them)
   */
  constructor(config: ModelConfig, weights: readonly Float32Array[]) {
    this.cell = config.cell;
    this.hidden = config.hidden;
    this.horizon = config.horizon;
    const H = this.hidden;
    const G = gates(this.cell) * H;
    let i = 0;
    const take = (input: number): CellWeights => {
      const [wx, wh, b] = [weights[i++], weights[i++], weights[i++]];
      const bh = this.cell === 'gru' ? weights[i++] : undefined;
      return { x: dense(wx, b, input, G), h: dense(wh, bh, H, G) };
    };
    const layers = layerCount(config);
    const expected = 3 + 2 * layers * (this.cell === 'gru' ? 4 : 3);
    if (weights.length !== expected) throw new RangeError(`expected ${expected} weight arrays, got ${weights.length}`);
    const stack = (input: number): CellWeights[] => Array.from({ length: layers }, (_, k) => take(k === 0 ? input : H));
    this.enc = stack(encoderInputSize(config));
    this.dec = stack(decoderContextSize(config));
    this.wp = weights[i++];
    const headW = weights[i++];
    this.head = dense(headW, weights[i++], H, 4);
  }

  /** Same contract as Seq2Seq.stepArrays: x [batch * encoderInputSize], packed state in, new packed state out. */
  stepArrays(x: Float32Array, state: Float32Array, batch: number): Float32Array {
    const S = this.stateSize;
    const out = Float32Array.from(state.subarray(0, batch * S));
    this.scratch(batch);
    affine(this.enc[0].x, x, 0, this.enc[0].x.inSize, batch, this.xp);
    this.stackStep(this.enc, out, batch);
    return out;
  }

  /** Same contract as Seq2Seq.forecastArrays: returns [horizon][batch][p10, p50, p90, mean] (normalized residuals). */
  forecastArrays(state: Float32Array, context: Float32Array, batch: number): Float32Array {
    const S = this.stateSize;
    const C = this.dec[0].x.inSize;
    const G = this.dec[0].x.outSize;
    const top = (this.dec.length - 1) * layerStateSize({ cell: this.cell, hidden: this.hidden });
    const result = new Float32Array(this.horizon * batch * 4);
    const s = Float32Array.from(state.subarray(0, batch * S));
    this.scratch(batch);
    const xp = this.xp;
    const wp = this.wp;
    for (let k = 0; k < this.horizon; k++) {
      affine(this.dec[0].x, context, k * batch * C, C, batch, xp);
      if (k > 0) {
        // The fed-back residual: the previous lead's p50, already float32 as tfjs feeds it back.
        for (let b = 0; b < batch; b++) {
          const prev = result[((k - 1) * batch + b) * 4 + 1];
          if (prev === 0) continue;
          for (let j = 0, at = b * G; j < G; j++) xp[at + j] += prev * wp[j];
        }
      }
      this.stackStep(this.dec, s, batch);
      // The head writes [o0, o1, o2, o3] per sensor straight into this lead's rows of the result.
      const lead = result.subarray(k * batch * 4, (k + 1) * batch * 4);
      affine(this.head, s, top, S, batch, lead);
      quantilesInPlace(lead);
    }
    return result;
  }

  private get stateSize(): number {
    return stateSize({ cell: this.cell, hidden: this.hidden, layers: this.enc.length });
  }

  private scratch(batch: number): void {
    const n = batch * gates(this.cell) * this.hidden;
    if (this.xp.length < n) {
      this.xp = new Float32Array(n);
      this.hp = new Float32Array(n);
    }
  }

  /**
   * One step of every layer, in place on the packed state s [batch, stateSize], given the bottom layer's projected
   * input in this.xp: each layer above projects the new h of the layer below (same step) before its own step.
   */
  private stackStep(layers: readonly CellWeights[], s: Float32Array, batch: number): void {
    const L = layerStateSize({ cell: this.cell, hidden: this.hidden });
    const S = this.stateSize;
    layers.forEach((w, k) => {
      if (k > 0) affine(w.x, s, (k - 1) * L, S, batch, this.xp);
      this.cellStep(w, s, k * L, batch);
    });
  }

  /** One cell step of a whole batch, in place on the layer at `off` of the packed state s [batch, stateSize]. */
  private cellStep(w: CellWeights, s: Float32Array, off: number, batch: number): void {
    const H = this.hidden;
    const S = this.stateSize;
    const G = w.h.outSize;
    const xp = this.xp;
    const hp = this.hp;
    affine(w.h, s, off, S, batch, hp);
    for (let b = 0; b < batch; b++) {
      const g = b * G;
      const at = b * S + off;
      switch (this.cell) {
        case 'rnn':
          for (let j = 0; j < H; j++) s[at + j] = Math.tanh(xp[g + j] + hp[g + j]);
          break;
        case 'gru':
          for (let j = 0; j < H; j++) {
            const r = sigmoid(xp[g + j] + hp[g + j]);
            const z = sigmoid(xp[g + H + j] + hp[g + H + j]);
            const n = Math.tanh(xp[g + 2 * H + j] + r * hp[g + 2 * H + j]);
            s[at + j] = n + z * (s[at + j] - n);
          }
          break;
        case 'lstm':
          for (let j = 0; j < H; j++) {
            const ig = sigmoid(xp[g + j] + hp[g + j]);
            const fg = sigmoid(xp[g + H + j] + hp[g + H + j]);
            const og = sigmoid(xp[g + 2 * H + j] + hp[g + 2 * H + j]);
            const cand = Math.tanh(xp[g + 3 * H + j] + hp[g + 3 * H + j]);
            const c = fg * s[at + H + j] + ig * cand;
            s[at + H + j] = c;
            s[at + j] = og * Math.tanh(c);
          }
          break;
      }
    }
  }
}

// Plain-JavaScript inference for the live encoder step and decoder, mirroring cells.ts and Seq2Seq.decode op
// for op. At the small batches a live server sees per tick, tfjs op dispatch (~0.03-0.1 ms per op, ~10 ops per
// cell step) costs far more than the arithmetic; these loops run the same float32 weights without dispatch.
// Training and large batches stay on tfjs; docs/benchmarks.md has the crossover measured side by side.
import type { CellType, ModelConfig } from './config.js';
import { stateSize } from './config.js';
import { decoderContextSize, encoderInputSize } from './features.js';

interface CellWeights {
  wx: Float32Array;
  wh: Float32Array;
  b: Float32Array;
  bh?: Float32Array;
  input: number;
}

function gates(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
// log(1 + e^x) without overflow for large x.
const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));

export class JsInference {
  private readonly cell: CellType;
  private readonly hidden: number;
  private readonly horizon: number;
  private readonly enc: CellWeights;
  private readonly dec: CellWeights;
  private readonly wp: Float32Array;
  private readonly headW: Float32Array;
  private readonly headB: Float32Array;
  // Scratch rows reused across calls: inference allocates only its outputs.
  private readonly xp: Float64Array;
  private readonly hp: Float64Array;
  private readonly out = new Float64Array(4);

  /**
   * @param config the model's config
   * @param weights weight arrays in `modelParamSpecs(config)` order (as `Seq2Seq.getWeights()` returns them)
   */
  constructor(config: ModelConfig, weights: readonly Float32Array[]) {
    this.cell = config.cell;
    this.hidden = config.hidden;
    this.horizon = config.horizon;
    let i = 0;
    const take = (input: number): CellWeights => {
      const w: CellWeights = { wx: weights[i++], wh: weights[i++], b: weights[i++], input };
      if (this.cell === 'gru') w.bh = weights[i++];
      return w;
    };
    this.enc = take(encoderInputSize(config));
    this.dec = take(decoderContextSize(config));
    this.wp = weights[i++];
    this.headW = weights[i++];
    this.headB = weights[i++];
    if (i !== weights.length) throw new RangeError(`expected ${i} weight arrays, got ${weights.length}`);
    const g = gates(this.cell) * this.hidden;
    this.xp = new Float64Array(g);
    this.hp = new Float64Array(g);
  }

  /** Same contract as Seq2Seq.stepArrays: x [batch * encoderInputSize], packed state in, new packed state out. */
  stepArrays(x: Float32Array, state: Float32Array, batch: number): Float32Array {
    const S = this.stateSize;
    const out = new Float32Array(batch * S);
    const inSize = this.enc.input;
    for (let b = 0; b < batch; b++) {
      this.project(this.enc, x, b * inSize, 0);
      this.cellStep(this.enc, state, b * S, out, b * S);
    }
    return out;
  }

  /** Same contract as Seq2Seq.forecastArrays: returns [horizon][batch][p10, p50, p90, mean] (normalized residuals). */
  forecastArrays(state: Float32Array, context: Float32Array, batch: number): Float32Array {
    const S = this.stateSize;
    const H = this.hidden;
    const C = this.dec.input;
    const result = new Float32Array(this.horizon * batch * 4);
    const s = new Float32Array(S);
    const next = new Float32Array(S);
    for (let b = 0; b < batch; b++) {
      s.set(state.subarray(b * S, (b + 1) * S));
      let prev = 0;
      for (let k = 0; k < this.horizon; k++) {
        this.project(this.dec, context, (k * batch + b) * C, k === 0 ? undefined : prev);
        this.cellStep(this.dec, s, 0, next, 0);
        s.set(next);
        const o = this.out;
        for (let j = 0; j < 4; j++) o[j] = this.headB[j];
        for (let i = 0; i < H; i++) {
          const a = s[i];
          for (let j = 0; j < 4; j++) o[j] += a * this.headW[i * 4 + j];
        }
        // Round through float32 so the fed-back value is the one tfjs would feed back.
        prev = Math.fround(o[0]);
        const at = (k * batch + b) * 4;
        result[at] = o[0] - softplus(o[1]);
        result[at + 1] = o[0];
        result[at + 2] = o[0] + softplus(o[2]);
        result[at + 3] = o[3];
      }
    }
    return result;
  }

  private get stateSize(): number {
    return stateSize({ cell: this.cell, hidden: this.hidden });
  }

  /** xp = x W + b (+ prev * Wp for the decoder's fed-back residual). */
  private project(w: CellWeights, x: Float32Array, at: number, prev: number | undefined): void {
    const xp = this.xp;
    const G = xp.length;
    for (let j = 0; j < G; j++) xp[j] = w.b[j];
    for (let i = 0; i < w.input; i++) {
      const a = x[at + i];
      if (a === 0) continue;
      const row = i * G;
      for (let j = 0; j < G; j++) xp[j] += a * w.wx[row + j];
    }
    if (prev !== undefined && prev !== 0) for (let j = 0; j < G; j++) xp[j] += prev * this.wp[j];
  }

  /** One cell step from `state` (packed at sIn) into `out` (packed at sOut), given this.xp. */
  private cellStep(w: CellWeights, state: Float32Array, sIn: number, out: Float32Array, sOut: number): void {
    const H = this.hidden;
    const G = this.xp.length;
    const hp = this.hp;
    const xp = this.xp;
    for (let j = 0; j < G; j++) hp[j] = w.bh ? w.bh[j] : 0;
    for (let i = 0; i < H; i++) {
      const a = state[sIn + i];
      if (a === 0) continue;
      const row = i * G;
      for (let j = 0; j < G; j++) hp[j] += a * w.wh[row + j];
    }
    switch (this.cell) {
      case 'rnn':
        for (let j = 0; j < H; j++) out[sOut + j] = Math.tanh(xp[j] + hp[j]);
        return;
      case 'gru':
        for (let j = 0; j < H; j++) {
          const r = sigmoid(xp[j] + hp[j]);
          const z = sigmoid(xp[H + j] + hp[H + j]);
          const n = Math.tanh(xp[2 * H + j] + r * hp[2 * H + j]);
          out[sOut + j] = n + z * (state[sIn + j] - n);
        }
        return;
      case 'lstm':
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(xp[j] + hp[j]);
          const fg = sigmoid(xp[H + j] + hp[H + j]);
          const og = sigmoid(xp[2 * H + j] + hp[2 * H + j]);
          const cand = Math.tanh(xp[3 * H + j] + hp[3 * H + j]);
          const c = fg * state[sIn + H + j] + ig * cand;
          out[sOut + H + j] = c;
          out[sOut + j] = og * Math.tanh(c);
        }
        return;
    }
  }
}

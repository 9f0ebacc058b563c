// Inference-only tfjs decode of the GRU (free-running, no gradients): the same function as Seq2Seq.decode,
// rewritten so that each lead costs 11 tfjs ops instead of ~22. On tfjs-wasm at live batch sizes the cost is
// op dispatch, whole-input copies in Slice/SplitV and a scalar Tanh (~20 ns per element, 10x Sigmoid);
// all three are avoided here (docs/benchmarks.md, benchmark 2):
//
// - the state is carried as g = (s + 1) / 2, so tanh(x) = 2 sigmoid(2x) - 1 turns the candidate into a Sigmoid
//   and the update into g' = sig + z (g - sig) (the same three ops as before); s = 2g - 1 enters every
//   product linearly, so it folds into the weights (2W) and biases (b - colsum W);
// - the fed-back p50 is linear in the previous state (y = s w50 + b50), so it folds into the recurrent
//   weights (W + w50 x Wp) from lead 2 on: no head matMul and no p50 slice per lead;
// - [g | context] is one concat per lead, and r, z and the candidate's input part are one fused matMul each
//   (r and z with the Sigmoid fused): no gate slices;
// - the head runs once over all leads at the end, and the quantiles are computed on the read-back array.
// With stacked layers every layer carries its state as g, a layer above the bottom reads the new g of the layer below
// (folded like its own), and the fed-back p50 (linear in the top layer's state) enters the bottom layer as its own rows.
import * as tf from '@tensorflow/tfjs';
import { layerCount, type ModelConfig } from './config.js';
import { layerPrefix } from './cells.js';
import { decoderContextSize } from './features.js';
import { quantilesInPlace } from './quantiles.js';

/** Weights of one input matMul: [g | input] ([hidden + input, cols]) or g alone, and its bias. */
export interface Affine {
  w: Float32Array;
  b: Float32Array;
  rows: number;
}

type Part = (i: number, j: number) => number;

/**
 * out = s S + u U + c with s = 2g - 1  ->  g (2 S) + u U + (c - colsum S), all times `scale`: the weights of a
 * product of the state (S, hidden rows) and optionally an input (U, `input` rows) carried as g.
 */
export function foldAffine(hidden: number, input: number, sPart: Part, uPart: Part | null, c: (j: number) => number, scale: number, cols: number): Affine {
  const rows = uPart ? hidden + input : hidden;
  const w = new Float32Array(rows * cols);
  const bias = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let colsum = 0;
    for (let i = 0; i < hidden; i++) {
      const v = sPart(i, j);
      colsum += v;
      w[i * cols + j] = 2 * scale * v;
    }
    if (uPart) for (let i = 0; i < input; i++) w[(hidden + i) * cols + j] = scale * uPart(i, j);
    bias[j] = scale * (c(j) - colsum);
  }
  return { w, b: bias, rows };
}

/** Twice the candidate's input part x Wn + bn of stacked cell weights (x alone, `input` rows). */
export function candidateInput(wx: Float32Array, b: Float32Array, hidden: number, input: number): Affine {
  const H = hidden;
  const G = 3 * H;
  return {
    w: Float32Array.from({ length: input * H }, (_, at) => 2 * wx[Math.floor(at / H) * G + 2 * H + (at % H)]),
    b: Float32Array.from({ length: H }, (_, j) => 2 * b[2 * H + j]),
    rows: input,
  };
}

/**
 * Derived weights of a GRU layer above the bottom one (encoder or decoder): r and z on [g | g below] (both carried
 * as g), twice the candidate's input part on g below and twice its recurrent part on g.
 */
export interface UpperGruWeights {
  r: Affine;
  z: Affine;
  xn: Affine;
  hn: Affine;
}

/** The derived weights of an upper layer from its saved weights (stacked gates [r | z | n]; Wx is [hidden, 3 hidden]). */
export function upperGruWeights(hidden: number, wx: Float32Array, wh: Float32Array, b: Float32Array, bh: Float32Array): UpperGruWeights {
  const H = hidden;
  const G = 3 * H;
  const gate = (g: number): Affine =>
    foldAffine(2 * H, 0, (i, j) => (i < H ? wh[i * G + g * H + j] : wx[(i - H) * G + g * H + j]), null, (j) => b[g * H + j] + bh[g * H + j], 1, H);
  return {
    r: gate(0),
    z: gate(1),
    xn: foldAffine(H, 0, (i, j) => wx[i * G + 2 * H + j], null, (j) => b[2 * H + j], 2, H),
    hn: foldAffine(H, 0, (i, j) => wh[i * G + 2 * H + j], null, (j) => bh[2 * H + j], 2, H),
  };
}

/** An upper layer's derived weights as tensors, and its step (11 ops, like the bottom layer's). */
export class UpperGruLayer {
  private readonly r: Uploaded;
  private readonly z: Uploaded;
  private readonly xn: Uploaded;
  private readonly hn: Uploaded;

  constructor(w: UpperGruWeights) {
    this.r = upload(w.r);
    this.z = upload(w.z);
    this.xn = upload(w.xn);
    this.hn = upload(w.hn);
  }

  /** This layer's next g from its g and the layer below's new g at the same step (call inside a tidy). */
  step(g: tf.Tensor2D, below: tf.Tensor2D): tf.Tensor2D {
    const { r, z, xn, hn } = this;
    const a = tf.concat([g, below], 1);
    const rg = tf.fused.matMul({ a, b: r.w, bias: r.b, activation: 'sigmoid' });
    const zg = tf.fused.matMul({ a, b: z.w, bias: z.b, activation: 'sigmoid' });
    const hn2 = tf.fused.matMul({ a: g, b: hn.w, bias: hn.b });
    const xn2 = tf.fused.matMul({ a: below, b: xn.w, bias: xn.b });
    const sig = tf.sigmoid(tf.add(xn2, tf.mul(rg, hn2)));
    return tf.add(sig, tf.mul(zg, tf.sub(g, sig))) as tf.Tensor2D;
  }

  dispose(): void {
    disposeAll([this.r, this.z, this.xn, this.hn]);
  }
}

/** Packed states [batch, layers * hidden] (s) as one g tensor per layer, bottom first. */
export function layerTensors(state: Float32Array, batch: number, hidden: number, layers: number): tf.Tensor2D[] {
  const H = hidden;
  const S = layers * H;
  return Array.from({ length: layers }, (_, l) => {
    const g = new Float32Array(batch * H);
    for (let b = 0; b < batch; b++) for (let j = 0; j < H; j++) g[b * H + j] = 0.5 * (state[b * S + l * H + j] + 1);
    return tf.tensor2d(g, [batch, H]);
  });
}

/**
 * Derived weights; index 0 is lead 1 (nothing fed back), index 1 every later lead (p50 folded in). With one layer
 * the fed-back p50 is a function of the bottom layer's own g and folds into its recurrent rows ([g | context]); with
 * more it is the top layer's previous g, which gets its own rows ([g | g top | context]).
 */
export interface GruDecodeWeights {
  hidden: number;
  context: number;
  r: [Affine, Affine];
  z: [Affine, Affine];
  /** Twice the candidate's input part from lead 2 on, the fed-back p50 folded in ([g top | context] rows). */
  xn: Affine;
  /** Twice the candidate's input part at lead 1 (nothing fed back): the context alone ([context] rows). */
  xnContext: Affine;
  /** Twice the candidate's recurrent part (g only). */
  hn: Affine;
  head: Affine;
  /** The decoder's layers above the bottom one (empty with one layer). */
  upper: UpperGruWeights[];
}

/**
 * Derive the decode weights from the saved decoder weights (stacked gates [r | z | n], see cells.ts).
 * @param saved `dec.Wx`, `dec.Wh`, `dec.b`, `dec.bh`, `dec.Wp`, `head.W`, `head.b` by name
 */
export function gruDecodeWeights(config: ModelConfig, saved: Record<string, Float32Array>): GruDecodeWeights {
  const H = config.hidden;
  const C = decoderContextSize(config);
  const G = 3 * H;
  const { 'dec.Wx': wx, 'dec.Wh': wh, 'dec.b': b, 'dec.bh': bh, 'dec.Wp': wp, 'head.W': headW, 'head.b': headB } = saved;
  const w50 = (i: number): number => headW[i * 4];
  const b50 = headB[0];
  const affine = (sPart: Part, uPart: Part | null, c: (j: number) => number, scale: number, cols = H): Affine =>
    foldAffine(H, C, sPart, uPart, c, scale, cols);
  const layers = layerCount(config);
  const gate = (g: number, fed: 0 | 1): Affine =>
    fed === 1 && layers > 1
      ? // [g | g top | context]: the recurrent rows, then the fed-back p50's.
        foldAffine(
          2 * H,
          C,
          (i, j) => (i < H ? wh[i * G + g * H + j] : w50(i - H) * wp[g * H + j]),
          (i, j) => wx[i * G + g * H + j],
          (j) => b[g * H + j] + bh[g * H + j] + b50 * wp[g * H + j],
          1,
          H,
        )
      : affine(
          (i, j) => wh[i * G + g * H + j] + fed * w50(i) * wp[g * H + j],
          (i, j) => wx[i * G + g * H + j],
          (j) => b[g * H + j] + bh[g * H + j] + fed * b50 * wp[g * H + j],
          1,
        );
  const xn = (): Affine =>
    affine(
      (i, j) => w50(i) * wp[2 * H + j],
      (i, j) => wx[i * G + 2 * H + j],
      (j) => b[2 * H + j] + b50 * wp[2 * H + j],
      2,
    );
  return {
    hidden: H,
    context: C,
    r: [gate(0, 0), gate(0, 1)],
    z: [gate(1, 0), gate(1, 1)],
    xn: xn(),
    xnContext: candidateInput(wx, b, H, C),
    hn: affine((i, j) => wh[i * G + 2 * H + j], null, (j) => bh[2 * H + j], 2),
    head: affine((i, j) => headW[i * 4 + j], null, (j) => headB[j], 1, 4),
    upper: Array.from({ length: layers - 1 }, (_, l) => {
      const pre = layerPrefix('dec', l + 1);
      return upperGruWeights(H, saved[`${pre}.Wx`]!, saved[`${pre}.Wh`]!, saved[`${pre}.b`]!, saved[`${pre}.bh`]!);
    }),
  };
}

/** The derived weights as tensors, kept between calls: XNNPACK packs a weight matrix once per tensor, so fresh
 * weight tensors per call would cost a repacking per matMul (measured: 8 sensors 3 ms -> 18 ms). */
export class GruDecoder {
  private readonly hidden: number;
  private readonly context: number;
  private readonly r: Uploaded[];
  private readonly z: Uploaded[];
  private readonly xn: Uploaded;
  private readonly xnContext: Uploaded;
  private readonly hn: Uploaded;
  private readonly head: Uploaded;
  private readonly upper: UpperGruLayer[];

  constructor(w: GruDecodeWeights) {
    this.hidden = w.hidden;
    this.context = w.context;
    const up = upload;
    this.r = w.r.map(up);
    this.z = w.z.map(up);
    this.xn = up(w.xn);
    this.xnContext = up(w.xnContext);
    this.hn = up(w.hn);
    this.head = up(w.head);
    this.upper = w.upper.map((u) => new UpperGruLayer(u));
  }

  /**
   * Free-running decode on plain arrays, the contract of Seq2Seq.forecastArrays: state [batch * hidden],
   * context [horizon][batch][contextSize]; returns [horizon][batch][p10, p50, p90, mean].
   */
  forecastArrays(state: Float32Array, context: Float32Array, batch: number, horizon: number): Float32Array {
    const { hidden: H, context: C, r, z, xn, xnContext, hn, head, upper } = this;
    const layers = upper.length + 1;
    const g0 = new Float32Array(layers === 1 ? state.length : 0);
    for (let i = 0; i < g0.length; i++) g0[i] = 0.5 * (state[i] + 1);
    const out = tf.tidy(() => {
      let gs = layers === 1 ? [tf.tensor2d(g0, [batch, H])] : layerTensors(state, batch, H, layers);
      const states: tf.Tensor2D[] = [];
      for (let k = 0; k < horizon; k++) {
        const f = k === 0 ? 0 : 1;
        const g = gs[0]!;
        const u = tf.tensor2d(context.subarray(k * batch * C, (k + 1) * batch * C), [batch, C]);
        // From lead 2 on with layers above: the top layer's previous g feeds the p50 back ([g | g top | context]).
        const gu = f === 1 && layers > 1 ? tf.concat([gs[layers - 1]!, u], 1) : undefined;
        const a = tf.concat([g, gu ?? u], 1);
        const rg = tf.fused.matMul({ a, b: r[f].w, bias: r[f].b, activation: 'sigmoid' });
        const zg = tf.fused.matMul({ a, b: z[f].w, bias: z[f].b, activation: 'sigmoid' });
        const hn2 = tf.fused.matMul({ a: g, b: hn.w, bias: hn.b });
        const xn2 = f === 0 ? tf.fused.matMul({ a: u, b: xnContext.w, bias: xnContext.b }) : tf.fused.matMul({ a: gu ?? a, b: xn.w, bias: xn.b });
        const sig = tf.sigmoid(tf.add(xn2, tf.mul(rg, hn2)));
        const next = [tf.add(sig, tf.mul(zg, tf.sub(g, sig))) as tf.Tensor2D];
        upper.forEach((layer, l) => next.push(layer.step(gs[l + 1]!, next[l]!)));
        gs = next;
        states.push(gs[layers - 1]!);
      }
      return tf.fused.matMul({ a: tf.concat(states, 0), b: head.w, bias: head.b });
    });
    try {
      return quantilesInPlace(out.dataSync() as Float32Array);
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    disposeAll([...this.r, ...this.z, this.xn, this.xnContext, this.hn, this.head]);
    for (const u of this.upper) u.dispose();
  }
}

export interface Uploaded {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export function disposeAll(list: readonly Uploaded[]): void {
  for (const t of list) {
    t.w.dispose();
    t.b.dispose();
  }
}

export function upload(a: Affine): Uploaded {
  return { w: tf.tensor2d(a.w, [a.rows, a.b.length]), b: tf.tensor1d(a.b) };
}

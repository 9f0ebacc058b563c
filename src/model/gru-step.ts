// Inference-only tfjs encoder step of the GRU (the live observe path), rewritten like gru-decode.ts: the state
// is carried as g = (s + 1) / 2 inside the step, so the candidate's tanh is a Sigmoid and no gate is sliced
// (on tfjs-wasm Tanh is scalar and Slice copies its whole input). 11 ops instead of ~14; same numbers as
// Seq2Seq.encodeStep to ~1e-7. Layers above the bottom one step on the new g of the layer below (UpperGruLayer).
import * as tf from '@tensorflow/tfjs';
import { layerPrefix } from './cells.js';
import { layerCount, type ModelConfig } from './config.js';
import { encoderInputSize } from './features.js';
import { candidateInput, disposeAll, foldAffine, layerTensors, upload, UpperGruLayer, upperGruWeights, type Uploaded } from './gru-decode.js';

export class GruStepper {
  private readonly hidden: number;
  private readonly input: number;
  private readonly r: Uploaded;
  private readonly z: Uploaded;
  /** Twice the candidate's input part (x alone) and twice its recurrent part (g alone). */
  private readonly xn: Uploaded;
  private readonly hn: Uploaded;
  private readonly upper: UpperGruLayer[];

  /** @param saved `enc.Wx`, `enc.Wh`, `enc.b`, `enc.bh` by name (stacked gates [r | z | n], see cells.ts) */
  constructor(config: ModelConfig, saved: Record<string, Float32Array>) {
    const H = config.hidden;
    const I = encoderInputSize(config);
    const G = 3 * H;
    const { 'enc.Wx': wx, 'enc.Wh': wh, 'enc.b': b, 'enc.bh': bh } = saved;
    const gate = (g: number) =>
      upload(foldAffine(H, I, (i, j) => wh[i * G + g * H + j], (i, j) => wx[i * G + g * H + j], (j) => b[g * H + j] + bh[g * H + j], 1, H));
    this.hidden = H;
    this.input = I;
    this.r = gate(0);
    this.z = gate(1);
    this.xn = upload(candidateInput(wx, b, H, I));
    this.hn = upload(foldAffine(H, 0, (i, j) => wh[i * G + 2 * H + j], null, (j) => bh[2 * H + j], 2, H));
    this.upper = Array.from({ length: layerCount(config) - 1 }, (_, l) => {
      const pre = layerPrefix('enc', l + 1);
      return new UpperGruLayer(upperGruWeights(H, saved[`${pre}.Wx`]!, saved[`${pre}.Wh`]!, saved[`${pre}.b`]!, saved[`${pre}.bh`]!));
    });
  }

  /** The contract of Seq2Seq.stepArrays: x [batch * inputSize], state [batch * layers * hidden]; returns the new state. */
  stepArrays(x: Float32Array, state: Float32Array, batch: number): Float32Array {
    const { hidden: H, input: I, r, z, xn, hn, upper } = this;
    const layers = upper.length + 1;
    const g0 = new Float32Array(layers === 1 ? batch * H : 0);
    for (let i = 0; i < g0.length; i++) g0[i] = 0.5 * (state[i] + 1);
    const out = tf.tidy(() => {
      const gs = layers === 1 ? [tf.tensor2d(g0, [batch, H])] : layerTensors(state, batch, H, layers);
      const g = gs[0]!;
      const u = tf.tensor2d(x.subarray(0, batch * I), [batch, I]);
      const a = tf.concat([g, u], 1);
      const rg = tf.fused.matMul({ a, b: r.w, bias: r.b, activation: 'sigmoid' });
      const zg = tf.fused.matMul({ a, b: z.w, bias: z.b, activation: 'sigmoid' });
      const hn2 = tf.fused.matMul({ a: g, b: hn.w, bias: hn.b });
      const xn2 = tf.fused.matMul({ a: u, b: xn.w, bias: xn.b });
      const sig = tf.sigmoid(tf.add(xn2, tf.mul(rg, hn2)));
      const next = [tf.add(sig, tf.mul(zg, tf.sub(g, sig))) as tf.Tensor2D];
      upper.forEach((layer, l) => next.push(layer.step(gs[l + 1]!, next[l]!)));
      // Packed bottom layer first, as the slab keeps it.
      return layers === 1 ? next[0]! : tf.concat(next, 1);
    });
    try {
      const s = out.dataSync() as Float32Array;
      for (let i = 0; i < s.length; i++) s[i] = 2 * s[i] - 1;
      return s;
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    disposeAll([this.r, this.z, this.xn, this.hn]);
    for (const u of this.upper) u.dispose();
  }
}

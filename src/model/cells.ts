// Hand-built recurrent cells (plain RNN, GRU, LSTM) from tf ops: the same two functions step a live batch
// of sensors and run the training unroll, so both execute exactly the same arithmetic.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.js';
import type { CellType } from './config.js';

/** Recurrent state of a batch: [h] for rnn/gru, [h, c] for lstm; each [batch, hidden]. */
export type CellState = tf.Tensor2D[];

export interface ParamSpec {
  name: string;
  shape: number[];
}

/** Tensors by parameter name (variables while training; any tensors for inference or gradient checks). */
export type Params = Record<string, tf.Tensor>;

/** Gate blocks stacked along the columns: rnn [h], gru [r | z | n], lstm [i | f | o | g]. */
export function gateCount(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
}

/**
 * Parameters of one cell, named `${prefix}.*`: Wx [input, gates] and Wh [hidden, gates] with all gates
 * stacked along the columns. The input and recurrent products are separate matMuls (not one matMul of
 * concat([x, h])) because under a gradient tape tfjs-wasm's concat/split pair costs ~0.35 ms per step,
 * while the input product can then be done for a whole sequence in one matMul. The GRU keeps a separate
 * recurrent bias: its candidate is tanh(xn + r * (h Whn + bhn)) (reset after the product, as cuDNN/Keras).
 */
export function cellParamSpecs(prefix: string, cell: CellType, input: number, hidden: number): ParamSpec[] {
  const g = gateCount(cell) * hidden;
  const specs = [
    { name: `${prefix}.Wx`, shape: [input, g] },
    { name: `${prefix}.Wh`, shape: [hidden, g] },
    { name: `${prefix}.b`, shape: [g] },
  ];
  if (cell === 'gru') specs.push({ name: `${prefix}.bh`, shape: [g] });
  return specs;
}

/**
 * Initial values: Glorot-uniform per gate block, zero biases except the LSTM forget gate (+1, so early
 * training does not forget everything). Values come from `rng`, hence seeded.
 */
export function initCellParam(spec: ParamSpec, cell: CellType, hidden: number, rng: Rng): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.shape.length === 2) {
    const limit = Math.sqrt(6 / (spec.shape[0] + hidden));
    for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  } else if (cell === 'lstm' && spec.name.endsWith('.b')) {
    out.fill(1, hidden, 2 * hidden);
  }
  return out;
}

/** Input contribution x Wx + b for any number of rows (one step, or a whole time-major sequence). */
export function projectInput(prefix: string, p: Params, x: tf.Tensor2D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: p[`${prefix}.Wx`] as tf.Tensor2D, bias: p[`${prefix}.b`] }) as tf.Tensor2D;
}

/** Advance a batch by one step given its projected input `xp` [batch, gates * hidden]. */
export function cellStep(cell: CellType, prefix: string, p: Params, xp: tf.Tensor2D, state: CellState): CellState {
  const h = state[0];
  const H = h.shape[1];
  const Wh = p[`${prefix}.Wh`] as tf.Tensor2D;
  const cols = (t: tf.Tensor2D, from: number, n: number): tf.Tensor2D => tf.slice(t, [0, from * H], [-1, n * H]);
  switch (cell) {
    case 'rnn':
      return [tf.tanh(tf.add(xp, tf.matMul(h, Wh))) as tf.Tensor2D];
    case 'gru': {
      const hp = tf.fused.matMul({ a: h, b: Wh, bias: p[`${prefix}.bh`] }) as tf.Tensor2D;
      const rz = tf.sigmoid(tf.add(cols(xp, 0, 2), cols(hp, 0, 2))) as tf.Tensor2D;
      const r = cols(rz, 0, 1);
      const z = cols(rz, 1, 1);
      const n = tf.tanh(tf.add(cols(xp, 2, 1), tf.mul(r, cols(hp, 2, 1)))) as tf.Tensor2D;
      // h' = (1 - z) * n + z * h, written with one mul fewer.
      return [tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D];
    }
    case 'lstm': {
      const c = state[1];
      const g = tf.add(xp, tf.matMul(h, Wh)) as tf.Tensor2D;
      const ifo = tf.sigmoid(cols(g, 0, 3)) as tf.Tensor2D;
      const cand = tf.tanh(cols(g, 3, 1));
      const c2 = tf.add(tf.mul(cols(ifo, 1, 1), c), tf.mul(cols(ifo, 0, 1), cand)) as tf.Tensor2D;
      return [tf.mul(cols(ifo, 2, 1), tf.tanh(c2)) as tf.Tensor2D, c2];
    }
  }
}

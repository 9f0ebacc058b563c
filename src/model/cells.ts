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

/** Tensors by variable name (variables while training; any tensors for inference or gradient checks). */
export type Params = Record<string, tf.Tensor>;

/** Gate blocks stacked along the columns: rnn [h], gru [r | z | n], lstm [i | f | o | g]. */
export function gateCount(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
}

/**
 * Column groups the stacked gate weights are held in at run time: gates that share an activation and are
 * combined before it. Holding them apart costs one matMul more per group but no activation slices, which
 * on tfjs-wasm copy their whole input (measured: a 10k-sensor GRU step 174 ms stacked vs 52 ms grouped).
 */
export function gateGroups(cell: CellType): { name: string; from: number; gates: number }[] {
  switch (cell) {
    case 'rnn':
      return [{ name: 'h', from: 0, gates: 1 }];
    case 'gru':
      return [{ name: 'rz', from: 0, gates: 2 }, { name: 'n', from: 2, gates: 1 }];
    case 'lstm':
      return [{ name: 'ifo', from: 0, gates: 3 }, { name: 'g', from: 3, gates: 1 }];
  }
}

/**
 * Saved (stacked) parameters of one cell, named `${prefix}.*`: Wx [input, gates] and Wh [hidden, gates],
 * all gates along the columns, and bias b. The GRU keeps a recurrent bias bh: its candidate is
 * tanh(xn + r * (h Whn + bhn)) (reset after the product, as cuDNN/Keras).
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

/** The run-time variables of a stacked spec: one per gate group, named `${spec.name}.${group}`. */
export function groupSpecs(spec: ParamSpec, cell: CellType, hidden: number): ParamSpec[] {
  return gateGroups(cell).map((g) => ({
    name: `${spec.name}.${g.name}`,
    shape: spec.shape.length === 2 ? [spec.shape[0], g.gates * hidden] : [g.gates * hidden],
  }));
}

/** Split a stacked [rows, gates * hidden] (or [gates * hidden]) array into its gate-group columns. */
export function splitGroups(values: Float32Array, spec: ParamSpec, cell: CellType, hidden: number): Float32Array[] {
  const rows = spec.shape.length === 2 ? spec.shape[0] : 1;
  const cols = spec.shape[spec.shape.length - 1];
  return gateGroups(cell).map((g) => {
    const width = g.gates * hidden;
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) out.set(values.subarray(r * cols + g.from * hidden, r * cols + g.from * hidden + width), r * width);
    return out;
  });
}

/** Inverse of splitGroups. */
export function joinGroups(parts: readonly Float32Array[], spec: ParamSpec, cell: CellType, hidden: number): Float32Array {
  const rows = spec.shape.length === 2 ? spec.shape[0] : 1;
  const cols = spec.shape[spec.shape.length - 1];
  const out = new Float32Array(rows * cols);
  gateGroups(cell).forEach((g, i) => {
    const width = g.gates * hidden;
    for (let r = 0; r < rows; r++) out.set(parts[i].subarray(r * width, (r + 1) * width), r * cols + g.from * hidden);
  });
  return out;
}

/**
 * Initial values of a stacked spec: Glorot-uniform per gate block, zero biases except the LSTM forget gate
 * (+1, so early training does not forget everything). Values come from `rng`, hence seeded.
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

/** Input contribution x Wx + b per gate group, for any number of rows. */
export function projectInput(cell: CellType, prefix: string, p: Params, x: tf.Tensor2D): tf.Tensor2D[] {
  return gateGroups(cell).map(
    (g) => tf.fused.matMul({ a: x, b: p[`${prefix}.Wx.${g.name}`] as tf.Tensor2D, bias: p[`${prefix}.b.${g.name}`] }) as tf.Tensor2D,
  );
}

/** Advance a batch by one step given its projected input per gate group (from projectInput). */
export function cellStep(cell: CellType, prefix: string, p: Params, xp: readonly tf.Tensor2D[], state: CellState): CellState {
  const h = state[0];
  const H = h.shape[1];
  const wh = (g: string): tf.Tensor2D => p[`${prefix}.Wh.${g}`] as tf.Tensor2D;
  const cols = (t: tf.Tensor2D, from: number): tf.Tensor2D => tf.slice(t, [0, from * H], [-1, H]);
  switch (cell) {
    case 'rnn':
      return [tf.tanh(tf.add(xp[0], tf.matMul(h, wh('h')))) as tf.Tensor2D];
    case 'gru': {
      const rz = tf.sigmoid(tf.add(xp[0], tf.fused.matMul({ a: h, b: wh('rz'), bias: p[`${prefix}.bh.rz`] }))) as tf.Tensor2D;
      const hn = tf.fused.matMul({ a: h, b: wh('n'), bias: p[`${prefix}.bh.n`] });
      const n = tf.tanh(tf.add(xp[1], tf.mul(cols(rz, 0), hn))) as tf.Tensor2D;
      // h' = (1 - z) * n + z * h, written with one mul fewer.
      return [tf.add(n, tf.mul(cols(rz, 1), tf.sub(h, n))) as tf.Tensor2D];
    }
    case 'lstm': {
      const c = state[1];
      const ifo = tf.sigmoid(tf.add(xp[0], tf.matMul(h, wh('ifo')))) as tf.Tensor2D;
      const cand = tf.tanh(tf.add(xp[1], tf.matMul(h, wh('g'))));
      const c2 = tf.add(tf.mul(cols(ifo, 1), c), tf.mul(cols(ifo, 0), cand)) as tf.Tensor2D;
      return [tf.mul(cols(ifo, 2), tf.tanh(c2)) as tf.Tensor2D, c2];
    }
  }
}

/** Parameter prefix of layer `k` (0 = bottom) of the encoder or decoder: `enc`, `enc2`, `enc3`, ... */
export function layerPrefix(part: 'enc' | 'dec', k: number): string {
  return k === 0 ? part : `${part}${k + 1}`;
}

/**
 * One step of a stack of `layers` cells: the bottom layer gets its projected input `xp0`, layer k the new h of
 * layer k-1 at the same step. `state` and the result hold each layer's [h] or [h, c] in turn, bottom layer first.
 */
export function stackStep(
  cell: CellType,
  part: 'enc' | 'dec',
  layers: number,
  p: Params,
  xp0: readonly tf.Tensor2D[],
  state: CellState,
): CellState {
  const parts = state.length / layers;
  const next: CellState = [];
  let xp = xp0;
  for (let k = 0; k < layers; k++) {
    const prefix = layerPrefix(part, k);
    if (k > 0) xp = projectInput(cell, prefix, p, next[(k - 1) * parts]);
    next.push(...cellStep(cell, prefix, p, xp, state.slice(k * parts, (k + 1) * parts)));
  }
  return next;
}

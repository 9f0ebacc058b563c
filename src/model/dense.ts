// A plain-JS dense layer (x W + b) for many rows at once, the inner kernel of js-kernels.ts. W is held
// transposed, so each output is a contiguous dot product, and four rows (sensors) share every weight load:
// the weights are read once per four sensors instead of once per sensor, and accumulate in registers.

export interface Dense {
  /** W transposed: [outSize, inSize]. */
  wt: Float32Array;
  /** [outSize]; zeros when the layer has no bias. */
  b: Float32Array;
  inSize: number;
  outSize: number;
}

/** From W row-major [inSize, outSize] (the saved layout) and an optional bias [outSize]. */
export function dense(w: Float32Array, b: Float32Array | undefined, inSize: number, outSize: number): Dense {
  if (w.length !== inSize * outSize) throw new RangeError(`weights need ${inSize * outSize} values, got ${w.length}`);
  const wt = new Float32Array(w.length);
  for (let i = 0; i < inSize; i++) for (let j = 0; j < outSize; j++) wt[j * inSize + i] = w[i * outSize + j];
  return { wt, b: b ?? new Float32Array(outSize), inSize, outSize };
}

/**
 * out[r * outSize + j] = b[j] + sum_i x[xAt + r * xStride + i] W[i][j], for r < rows.
 * @param xStride floats from one row of x to the next (>= inSize: rows may be wider, e.g. a packed [h | c])
 */
export function affine(d: Dense, x: Float32Array, xAt: number, xStride: number, rows: number, out: Float32Array): void {
  const { wt, b, inSize: K, outSize: N } = d;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = xAt + r * xStride;
    const x1 = x0 + xStride;
    const x2 = x1 + xStride;
    const x3 = x2 + xStride;
    const o = r * N;
    for (let j = 0; j < N; j++) {
      const w0 = j * K;
      const bj = b[j];
      let a0 = bj;
      let a1 = bj;
      let a2 = bj;
      let a3 = bj;
      for (let i = 0; i < K; i++) {
        const w = wt[w0 + i];
        a0 += x[x0 + i] * w;
        a1 += x[x1 + i] * w;
        a2 += x[x2 + i] * w;
        a3 += x[x3 + i] * w;
      }
      out[o + j] = a0;
      out[o + N + j] = a1;
      out[o + 2 * N + j] = a2;
      out[o + 3 * N + j] = a3;
    }
  }
  for (; r < rows; r++) affineRow(d, x, xAt + r * xStride, out, r * N);
}

/** One row, four outputs at a time (each x load feeds four weights). */
function affineRow(d: Dense, x: Float32Array, x0: number, out: Float32Array, o: number): void {
  const { wt, b, inSize: K, outSize: N } = d;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const w0 = j * K;
    const w1 = w0 + K;
    const w2 = w1 + K;
    const w3 = w2 + K;
    let a0 = b[j];
    let a1 = b[j + 1];
    let a2 = b[j + 2];
    let a3 = b[j + 3];
    for (let i = 0; i < K; i++) {
      const v = x[x0 + i];
      a0 += v * wt[w0 + i];
      a1 += v * wt[w1 + i];
      a2 += v * wt[w2 + i];
      a3 += v * wt[w3 + i];
    }
    out[o + j] = a0;
    out[o + j + 1] = a1;
    out[o + j + 2] = a2;
    out[o + j + 3] = a3;
  }
  for (; j < N; j++) {
    const w0 = j * K;
    let a = b[j];
    for (let i = 0; i < K; i++) a += x[x0 + i] * wt[w0 + i];
    out[o + j] = a;
  }
}

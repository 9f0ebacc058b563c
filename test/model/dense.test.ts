import { expect, it } from 'vitest';
import { affine, dense } from '../../src/model/dense.js';
import { createRng } from '../../src/random.js';

it('affine equals the naive x W + b for any row count, strides and widths (blocked and remainder paths)', () => {
  const rng = createRng(1);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  for (const [K, N] of [[5, 7], [8, 12], [3, 1]]) {
    const w = fill(K * N);
    const b = fill(N);
    const d = dense(w, b, K, N);
    for (const rows of [1, 3, 4, 6, 9]) {
      const stride = K + 2;
      const x = fill(3 + rows * stride);
      const out = new Float32Array(rows * N);
      affine(d, x, 3, stride, rows, out);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < N; j++) {
          let want = b[j];
          for (let i = 0; i < K; i++) want += x[3 + r * stride + i] * w[i * N + j];
          expect(out[r * N + j]).toBeCloseTo(want, 5);
        }
      }
    }
  }
  expect(() => dense(new Float32Array(5), undefined, 2, 3)).toThrow(RangeError);
});

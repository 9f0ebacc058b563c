// The head's raw outputs to non-crossing quantiles, on plain arrays: the live decoders read the raw head back
// and finish here, because on tfjs-wasm the split/softplus/concat of `toQuantiles` copies the whole [leads, batch, 4]
// tensor once per slice.

/** log(1 + e^x) without overflow for large x. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/**
 * In place, rows of [o0, o1, o2, o3] -> [p10, p50, p90, mean]: p10 = o0 - softplus(o1), p50 = o0,
 * p90 = o0 + softplus(o2), mean = o3 (what `toQuantiles` in seq2seq.ts computes with tf ops).
 */
export function quantilesInPlace(raw: Float32Array): Float32Array {
  for (let at = 0; at < raw.length; at += 4) {
    const o0 = raw[at];
    const lo = softplus(raw[at + 1]);
    raw[at + 1] = o0;
    raw[at] = o0 - lo;
    raw[at + 2] = o0 + softplus(raw[at + 2]);
  }
  return raw;
}

// Rolling window of forecast residuals (truth - point forecast) per step ahead, kept sorted so that empirical
// quantiles are O(1) to read and O(window) to update: this is what makes the baselines' p10/p90 honest.
//
// Residuals are stored as Int16 centi-degrees: 0.01 deg C is far below forecast error, and it halves the
// snapshot (24 steps x 500 residuals = 24 kB) compared with Float32.

const SCALE = 100;
const LIMIT = 32_767;

export class ResidualWindow {
  readonly horizon: number;
  readonly size: number;
  /** Insertion order per step ahead (row k-1), to know which residual leaves next. */
  readonly ring: Int16Array;
  readonly counts: Int32Array;
  readonly heads: Int32Array;
  private readonly sorted: Int16Array;

  constructor(horizon: number, size: number) {
    this.horizon = horizon;
    this.size = size;
    this.ring = new Int16Array(horizon * size);
    this.sorted = new Int16Array(horizon * size);
    this.counts = new Int32Array(horizon);
    this.heads = new Int32Array(horizon);
  }

  count(k: number): number {
    return this.counts[k - 1];
  }

  push(k: number, residual: number): void {
    // Clamping at +-327 deg C only matters for broken data; plausible temperatures differ by at most 150.
    const v = Math.max(-LIMIT, Math.min(LIMIT, Math.round(residual * SCALE)));
    const row = (k - 1) * this.size;
    const n = this.counts[k - 1];
    const head = this.heads[k - 1];
    if (n === this.size) this.remove(row, n, this.ring[row + head]);
    this.insert(row, n === this.size ? n - 1 : n, v);
    this.ring[row + head] = v;
    this.heads[k - 1] = (head + 1) % this.size;
    if (n < this.size) this.counts[k - 1] = n + 1;
  }

  /** Empirical quantile (linear interpolation between order statistics), deg C; NaN when empty. */
  quantile(k: number, p: number): number {
    const n = this.counts[k - 1];
    if (n === 0) return NaN;
    const row = (k - 1) * this.size;
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const a = this.sorted[row + lo];
    return (a + (pos - lo) * (this.sorted[row + hi] - a)) / SCALE;
  }

  /** Rebuild from ring contents (snapshot import): the sorted copy is derivable, so it is never stored. */
  static restore(horizon: number, size: number, ring: Int16Array, counts: Int32Array, heads: Int32Array): ResidualWindow {
    const w = new ResidualWindow(horizon, size);
    w.ring.set(ring);
    w.counts.set(counts);
    w.heads.set(heads);
    for (let k = 0; k < horizon; k++) {
      const row = k * size;
      const n = counts[k];
      w.sorted.set(ring.subarray(row, row + n), row);
      w.sorted.subarray(row, row + n).sort();
    }
    return w;
  }

  /** Index of the first element >= v in sorted[row .. row + n). */
  private lowerBound(row: number, n: number, v: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[row + mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private remove(row: number, n: number, v: number): void {
    const i = this.lowerBound(row, n, v);
    this.sorted.copyWithin(row + i, row + i + 1, row + n);
  }

  private insert(row: number, n: number, v: number): void {
    const i = this.lowerBound(row, n, v);
    this.sorted.copyWithin(row + i + 1, row + i, row + n);
    this.sorted[row + i] = v;
  }
}

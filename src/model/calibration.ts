// Interval calibration: scales each lead's p10-p90 band around p50 so that it covers the target share of held-out
// outcomes. A split-conformal correction: pinball training with teacher forcing leaves free-running bands narrow.
import type { TrainingWindow } from './windows.js';
import { predictWindows } from './predict.js';
import type { Seq2Seq } from './seq2seq.js';

/**
 * Widen (or narrow) quantile outputs in place: `out` is [horizon][batch][p10, p50, p90, mean] in any affine units.
 */
export function applyIntervalScale(out: Float32Array, horizon: number, batch: number, scale: readonly number[] | undefined): void {
  if (scale === undefined) return;
  for (let k = 0; k < horizon; k++) {
    const s = scale[k]!;
    for (let b = 0; b < batch; b++) {
      const at = (k * batch + b) * 4;
      const p50 = out[at + 1]!;
      out[at] = p50 - s * (p50 - out[at]!);
      out[at + 2] = p50 + s * (out[at + 2]! - p50);
    }
  }
}

/**
 * Per-lead scales so that [p10, p90] covers `coverage` of the windows' observed targets, relative to the model's
 * current scaling; store the result with `model.setIntervalScale`.
 */
export function calibrateIntervals(model: Seq2Seq, windows: readonly TrainingWindow[], coverage = 0.8): number[] {
  const H = model.config.horizon;
  const pred = predictWindows(model, windows);
  const current = model.config.intervalScale ?? new Array<number>(H).fill(1);
  return current.map((s, k) => {
    // Each outcome's needed widening: how far outside (> 1) or inside (< 1) its side of the band it fell.
    const need: number[] = [];
    windows.forEach((w, i) => {
      const y = w.targetTemp[k];
      if (y === null || y === undefined) return;
      const at = (i * H + k) * 4;
      const [p10, p50, p90] = [pred[at]!, pred[at + 1]!, pred[at + 2]!];
      const half = y >= p50 ? p90 - p50 : p50 - p10;
      need.push(half > 0 ? Math.abs(y - p50) / half : Infinity);
    });
    if (need.length < 20) return s;
    need.sort((a, b) => a - b);
    const r = need[Math.min(need.length - 1, Math.ceil(coverage * need.length) - 1)]!;
    return Number.isFinite(r) && r > 0 ? s * r : s;
  });
}

// The incremental metric protocol shared by offline evaluation and live scoring (after River's metrics):
// feed one (truth, prediction) pair at a time, read the current value, undo a pair for rolling windows.
import type { ForecastPoint } from '../forecaster.js';

/** What a metric reads of a forecast point. MAE and RMSE score `mean`, the point forecast. */
export type Prediction = Pick<ForecastPoint, 'mean' | 'p10' | 'p50' | 'p90'>;

export interface Metric {
  /** Pairs currently counted. */
  readonly n: number;
  update(yTrue: number, pred: Prediction): void;
  /** Remove a pair previously passed to `update` (rolling windows); reverting a pair never added is a bug. */
  revert(yTrue: number, pred: Prediction): void;
  /** Current value; NaN while no pair is counted. */
  get(): number;
}

/** Shared bookkeeping: a running sum of a per-pair loss. */
export abstract class MeanMetric implements Metric {
  n = 0;
  protected sum = 0;

  protected abstract loss(yTrue: number, pred: Prediction): number;

  update(yTrue: number, pred: Prediction): void {
    this.sum += this.loss(yTrue, pred);
    this.n += 1;
  }

  revert(yTrue: number, pred: Prediction): void {
    if (this.n === 0) throw new RangeError('revert() on a metric with no pairs');
    this.sum -= this.loss(yTrue, pred);
    this.n -= 1;
    // A window emptied by reverts must read exactly zero, not accumulated rounding.
    if (this.n === 0) this.sum = 0;
  }

  get(): number {
    return this.n === 0 ? NaN : this.sum / this.n;
  }
}

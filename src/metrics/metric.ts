// The incremental metric protocol shared by offline evaluation (ScoreSet) and live scoring (LiveSkill), after
// River's metrics: feed one (truth, prediction) pair at a time, read the current value, undo a pair for rolling windows.
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

/**
 * Shared bookkeeping: a running sum of a per-pair loss. A rolling window may store the losses it counted instead of
 * the pairs (live scoring keeps one float32 per pair, not a forecast point) and take them back with `remove`.
 */
export abstract class MeanMetric implements Metric {
  n = 0;
  private sum = 0;

  /** The per-pair loss this metric averages. */
  abstract loss(yTrue: number, pred: Prediction): number;

  update(yTrue: number, pred: Prediction): void {
    this.add(this.loss(yTrue, pred));
  }

  revert(yTrue: number, pred: Prediction): void {
    this.remove(this.loss(yTrue, pred));
  }

  /** Count a loss (as `loss()` gives it, possibly stored at lower precision: then remove exactly that value). */
  add(loss: number): void {
    this.sum += loss;
    this.n += 1;
  }

  /** Take back a loss counted with `add` or `update`; removing one never counted is a bug. */
  remove(loss: number): void {
    if (this.n === 0) throw new RangeError('revert() on a metric with no pairs');
    this.sum -= loss;
    this.n -= 1;
    // A window emptied by reverts must read exactly zero, not accumulated rounding.
    if (this.n === 0) this.sum = 0;
  }

  /** Sum of the counted losses: metrics of one kind pool as (sum of totals) / (sum of n). */
  get total(): number {
    return this.sum;
  }

  get(): number {
    return this.n === 0 ? NaN : this.sum / this.n;
  }
}

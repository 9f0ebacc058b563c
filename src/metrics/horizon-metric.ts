// One metric per step ahead (1..horizon), after River's HorizonMetric: error grows with lead time, so a
// single pooled number hides what matters.
import type { Metric, Prediction } from './metric.js';

export class HorizonMetric<M extends Metric = Metric> {
  readonly horizon: number;
  private readonly steps: M[];

  /**
   * @example
   *   const mae = new HorizonMetric(24, () => new Mae());
   *   mae.update(1, 12.5, point); mae.get()[0]; mae.mean();
   * @param horizon number of steps ahead, a positive integer
   * @param create builds the metric kept for each step
   */
  constructor(horizon: number, create: () => M) {
    if (!Number.isInteger(horizon) || horizon < 1) {
      throw new RangeError(`horizon must be a positive integer; got ${horizon}`);
    }
    this.horizon = horizon;
    this.steps = Array.from({ length: horizon }, create);
  }

  /** The metric of step `k` (1-based). */
  at(k: number): M {
    const m = this.steps[k - 1];
    if (m === undefined || !Number.isInteger(k)) {
      throw new RangeError(`step ahead must be an integer in 1..${this.horizon}; got ${k}`);
    }
    return m;
  }

  update(k: number, yTrue: number, pred: Prediction): void {
    this.at(k).update(yTrue, pred);
  }

  revert(k: number, yTrue: number, pred: Prediction): void {
    this.at(k).revert(yTrue, pred);
  }

  /** Value per step ahead, index 0 = one step ahead; NaN where nothing was scored. */
  get(): number[] {
    return this.steps.map((m) => m.get());
  }

  /** Unweighted mean over the steps that have scores: every lead time counts the same. NaN when none has. */
  mean(): number {
    let sum = 0;
    let count = 0;
    for (const m of this.steps) {
      if (m.n === 0) continue;
      sum += m.get();
      count += 1;
    }
    return count === 0 ? NaN : sum / count;
  }

  /** Pairs counted over all steps. */
  get n(): number {
    return this.steps.reduce((s, m) => s + m.n, 0);
  }
}

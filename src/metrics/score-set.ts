// The four scores every forecast gets (MAE, RMSE, coverage, pinball), each kept per step ahead: what the
// evaluation report and live scoring show for one model (or one model on one sensor).
import { Coverage } from './coverage.js';
import { HorizonMetric } from './horizon-metric.js';
import { Mae } from './mae.js';
import type { Prediction } from './metric.js';
import { Pinball } from './pinball.js';
import { Rmse } from './rmse.js';

export interface ScoreSummary {
  mae: number;
  rmse: number;
  coverage: number;
  pinball: number;
  /** Scored (truth, point) pairs. */
  n: number;
}

export class ScoreSet {
  readonly mae: HorizonMetric<Mae>;
  readonly rmse: HorizonMetric<Rmse>;
  readonly coverage: HorizonMetric<Coverage>;
  readonly pinball: HorizonMetric<Pinball>;

  constructor(horizon: number) {
    this.mae = new HorizonMetric(horizon, () => new Mae());
    this.rmse = new HorizonMetric(horizon, () => new Rmse());
    this.coverage = new HorizonMetric(horizon, () => new Coverage());
    this.pinball = new HorizonMetric(horizon, () => new Pinball());
  }

  get horizon(): number {
    return this.mae.horizon;
  }

  update(k: number, yTrue: number, pred: Prediction): void {
    this.mae.update(k, yTrue, pred);
    this.rmse.update(k, yTrue, pred);
    this.coverage.update(k, yTrue, pred);
    this.pinball.update(k, yTrue, pred);
  }

  revert(k: number, yTrue: number, pred: Prediction): void {
    this.mae.revert(k, yTrue, pred);
    this.rmse.revert(k, yTrue, pred);
    this.coverage.revert(k, yTrue, pred);
    this.pinball.revert(k, yTrue, pred);
  }

  /** One summary per step ahead, index 0 = one step ahead. */
  perHorizon(): ScoreSummary[] {
    const [mae, rmse, coverage, pinball] = [this.mae.get(), this.rmse.get(), this.coverage.get(), this.pinball.get()];
    return mae.map((_, i) => ({
      mae: mae[i],
      rmse: rmse[i],
      coverage: coverage[i],
      pinball: pinball[i],
      n: this.mae.at(i + 1).n,
    }));
  }

  /** Means over steps ahead (each lead time weighs the same); `n` is the total of scored pairs. */
  mean(): ScoreSummary {
    return {
      mae: this.mae.mean(),
      rmse: this.rmse.mean(),
      coverage: this.coverage.mean(),
      pinball: this.pinball.mean(),
      n: this.mae.n,
    };
  }
}

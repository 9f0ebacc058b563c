// Pinball (quantile) loss averaged over p10, p50 and p90: one proper score for the whole band, deg C.
import { MeanMetric, type Prediction } from './metric.js';

/** Loss of quantile forecast `q` at level `tau`: under-prediction costs tau, over-prediction 1 - tau. */
export function pinballLoss(yTrue: number, q: number, tau: number): number {
  const d = yTrue - q;
  return d >= 0 ? tau * d : (tau - 1) * d;
}

export class Pinball extends MeanMetric {
  loss(yTrue: number, pred: Prediction): number {
    return (pinballLoss(yTrue, pred.p10, 0.1) + pinballLoss(yTrue, pred.p50, 0.5) + pinballLoss(yTrue, pred.p90, 0.9)) / 3;
  }
}

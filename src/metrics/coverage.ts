// Share of truths inside the [p10, p90] band (bounds included); a calibrated forecaster reads about 0.8.
import { MeanMetric, type Prediction } from './metric.js';

export class Coverage extends MeanMetric {
  loss(yTrue: number, pred: Prediction): number {
    return yTrue >= pred.p10 && yTrue <= pred.p90 ? 1 : 0;
  }
}

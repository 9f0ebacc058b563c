// Mean absolute error of the point forecast (`mean`), deg C.
import { MeanMetric, type Prediction } from './metric.js';

export class Mae extends MeanMetric {
  loss(yTrue: number, pred: Prediction): number {
    return Math.abs(yTrue - pred.mean);
  }
}

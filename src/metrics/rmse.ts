// Root mean squared error of the point forecast (`mean`), deg C: the running mean is of squares, the root taken on read.
import { MeanMetric, type Prediction } from './metric.js';

export class Rmse extends MeanMetric {
  loss(yTrue: number, pred: Prediction): number {
    return (yTrue - pred.mean) ** 2;
  }

  override get(): number {
    return Math.sqrt(super.get());
  }
}

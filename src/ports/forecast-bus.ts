// Port: the forecast bus. The owner of a sensor publishes each decoded batch once; every node's delivery subscribes
// to the sensors its peers want (or to all), so a subscriber on any node gets any sensor's forecasts.
import type { SerializedBatch } from '../pipeline/serialize-batch.js';

export type Unsubscribe = () => void;

export interface ForecastBus {
  /** Publish one batch (its forecasts already serialized: one wire frame per forecast, shared by every peer). */
  publish(batch: SerializedBatch): void;
  /**
   * Receive published batches in publish order: all of each (`'*'`), or only the forecasts of `sensors` (batches
   * without any of them are not delivered).
   */
  subscribe(sensors: '*' | Iterable<string>, listener: (batch: SerializedBatch) => void): Unsubscribe;
}

// RxJS operator, the pipeline's last stage: serializes each decoded forecast once and hands the same frame to
// every subscriber of its sensor (each peer queues it by its own backpressure rules), then passes the batch on.
import { map, type OperatorFunction } from 'rxjs';
import type { SensorForecast } from '../forecaster.js';
import { cachedIso, forecastJson, type IsoFormatter } from '../protocol/index.js';
import type { ForecastBatch } from './types.js';

export interface ForecastTarget {
  sendForecast(sensor: string, json: string): void;
}

export interface SerializedForecast {
  forecast: SensorForecast;
  /** The wire frame (a ForecastMessage as JSON). */
  json: string;
}

export interface SerializedBatch extends ForecastBatch {
  serialized: SerializedForecast[];
}

/** Whether a sensor's forecast from `origin` rests on data the plausibility checks flagged. */
export type DegradedCheck = (sensor: string, origin: number) => boolean;

export function serializeBatch(
  batch: ForecastBatch,
  stepSeconds: number,
  degraded?: DegradedCheck,
  iso: IsoFormatter = cachedIso(),
): SerializedBatch {
  const meta = { issuedAt: batch.issuedAt, stepSeconds, modelVersion: batch.modelVersion };
  const flagged = { ...meta, degraded: true };
  return {
    ...batch,
    serialized: batch.forecasts.map((forecast) => {
      const bad = degraded?.(forecast.sensor, forecast.origin) === true;
      return { forecast, json: forecastJson(forecast, bad ? flagged : meta, iso) };
    }),
  };
}

/**
 * @example
 *   forecasts$.pipe(fanOut({ stepSeconds: 3600, subscribers: (s) => subs.subscribers(s) }))
 */
export function fanOut<T extends ForecastTarget>(o: {
  stepSeconds: number;
  subscribers: (sensor: string) => Iterable<T>;
  degraded?: DegradedCheck;
}): OperatorFunction<ForecastBatch, SerializedBatch> {
  // Live rounds move along one grid: timestamps formatted for one batch serve the next ones too.
  const iso = cachedIso();
  return map((batch) => {
    const out = serializeBatch(batch, o.stepSeconds, o.degraded, iso);
    for (const s of out.serialized) {
      for (const target of o.subscribers(s.forecast.sensor)) target.sendForecast(s.forecast.sensor, s.json);
    }
    return out;
  });
}

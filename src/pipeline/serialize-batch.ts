// A decoded batch serialized once: one wire frame per forecast, which forecasting publishes on the forecast bus and
// delivery hands to every subscriber of its sensor unchanged (server/delivery.ts).
import type { SensorForecast } from '../forecaster.js';
import { cachedIso, forecastJson, type IsoFormatter } from '../protocol/index.js';
import type { ForecastBatch } from './types.js';

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

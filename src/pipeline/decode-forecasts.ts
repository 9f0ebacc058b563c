// RxJS operator: after each encoder round, decode forecasts (one batched call) only for the sensors someone wants.
import { Observable, type OperatorFunction } from 'rxjs';
import type { SensorKeeper } from './sensor-keeper.js';
import type { EncodedRound, ForecastBatch } from './types.js';

export interface DecodeOptions {
  keeper: SensorKeeper;
  /** Whether a sensor's forecast is wanted now (it has subscribers); decoding is the expensive half. */
  wanted: (sensor: string) => boolean;
  now: () => number;
}

/**
 * @example
 *   rounds$.pipe(decodeForecasts({ keeper, wanted: (s) => subs.has(s), now: Date.now }))
 */
export function decodeForecasts(options: DecodeOptions): OperatorFunction<EncodedRound, ForecastBatch> {
  const { keeper, wanted, now } = options;
  return (source) =>
    new Observable<ForecastBatch>((subscriber) =>
      source.subscribe({
        next(round) {
          const sensors = round.steps.map((s) => s.sensor).filter(wanted);
          if (sensors.length === 0) return;
          let forecasts;
          try {
            forecasts = keeper.forecast(sensors);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next({ forecasts, modelVersion: round.modelVersion, issuedAt: now() });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

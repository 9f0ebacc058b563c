// RxJS operator: decode forecasts only for the sensors someone wants. When the forecaster can capture origins,
// all rounds of one input batch (a replayed backlog: hundreds of hours) are decoded in ONE batched call at the
// batch's last round instead of one small decode per round, whose per-call overhead dominates.
import { Observable, type OperatorFunction } from 'rxjs';
import type { CapturedOrigin } from '../forecaster.js';
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
    new Observable<ForecastBatch>((subscriber) => {
      // Origins captured in earlier rounds of the current batch (rounds of one batch share a model version).
      let pending: CapturedOrigin[] = [];
      return source.subscribe({
        next(round) {
          const sensors = round.steps.map((s) => s.sensor).filter(wanted);
          let forecasts;
          try {
            if (keeper.canCapture) {
              pending.push(...keeper.capture(sensors));
              if (!round.last || pending.length === 0) return;
              forecasts = keeper.forecastCaptured(pending);
              pending = [];
            } else {
              if (sensors.length === 0) return;
              forecasts = keeper.forecast(sensors);
            }
          } catch (err) {
            pending = [];
            subscriber.error(err);
            return;
          }
          subscriber.next({ forecasts, modelVersion: round.modelVersion, issuedAt: now() });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

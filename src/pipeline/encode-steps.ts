// RxJS operator: turns each batch of closed steps into batched encoder calls, one `observe()` per round, where a
// round takes the next step of every sensor that has one (a replayed backlog of one sensor becomes many rounds).
import { Observable, type OperatorFunction } from 'rxjs';
import { planRounds, queuesBySensor } from './plan-rounds.js';
import type { SensorKeeper } from './sensor-keeper.js';
import type { BucketedBatch, EncodedRound } from './types.js';

/**
 * @example
 *   bucketed$.pipe(encodeSteps(keeper)).subscribe((round) => console.log(round.steps.length))
 * @param keeper applies the rounds to the serving forecaster; a queued model swap is taken before each batch
 */
export function encodeSteps(keeper: SensorKeeper): OperatorFunction<BucketedBatch, EncodedRound> {
  return (source) =>
    new Observable<EncodedRound>((subscriber) => {
      const inner = source.subscribe({
        next(batch) {
          try {
            encode(batch);
          } catch (err) {
            // Thrown inside next, an error would escape RxJS as an unhandled one; send it down instead.
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });

      function encode(batch: BucketedBatch): void {
        keeper.beforeTick();
        // Per-sensor queues keep each sensor's events in order; rounds interleave sensors. Rounds are planned
        // first (they depend only on the queues), so the last one of the batch can be marked.
        const rounds = planRounds(queuesBySensor(keeper.withWarmUps(batch.events)));
        rounds.forEach(({ steps, resets }, i) => {
          keeper.observe(steps, resets);
          subscriber.next({ steps, resets, modelVersion: keeper.modelVersion, last: i === rounds.length - 1 });
        });
      }
      return inner;
    });
}

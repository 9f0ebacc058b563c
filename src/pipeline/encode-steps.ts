// RxJS operator: turns each batch of closed steps into batched encoder calls, one `observe()` per round, where a
// round takes the next step of every sensor that has one (a replayed backlog of one sensor becomes many rounds).
import { Observable, type OperatorFunction } from 'rxjs';
import type { StepObservation } from '../forecaster.js';
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
        // Per-sensor queues keep each sensor's events in order; rounds interleave sensors.
        const queues = new Map<string, typeof batch.events>();
        for (const e of batch.events) {
          const sensor = e.kind === 'step' ? e.obs.sensor : e.sensor;
          let q = queues.get(sensor);
          if (q === undefined) queues.set(sensor, (q = []));
          q.push(e);
        }
        // Rounds are planned first (they depend only on the queues), so the last one can be marked.
        const heads = new Map<string, number>();
        const rounds: Array<{ steps: StepObservation[]; resets: string[] }> = [];
        for (;;) {
          const steps: StepObservation[] = [];
          const resets: string[] = [];
          for (const [sensor, q] of queues) {
            let i = heads.get(sensor) ?? 0;
            while (i < q.length && q[i]!.kind === 'reset') {
              if (!resets.includes(sensor)) resets.push(sensor);
              i += 1;
            }
            const e = q[i];
            if (e?.kind === 'step') {
              steps.push(e.obs);
              i += 1;
            }
            heads.set(sensor, i);
          }
          if (steps.length === 0 && resets.length === 0) break;
          rounds.push({ steps, resets });
        }
        rounds.forEach(({ steps, resets }, i) => {
          keeper.observe(steps, resets);
          subscriber.next({ steps, resets, modelVersion: keeper.modelVersion, last: i === rounds.length - 1 });
        });
      }
      return inner;
    });
}

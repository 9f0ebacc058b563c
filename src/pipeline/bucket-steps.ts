// RxJS operator: per-sensor event-time bucketing of stored readings into closed grid steps. Live buckets also close
// when the scheduler's clock passes their end plus a grace period. The buckets are the owner's state (a table the
// SensorKeeper holds and snapshots); the operator keeps only its timers, and reads nothing.
import { Observable, Subscription, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../protocol/index.js';
import type { BucketRules, SensorBucket } from './sensor-bucket.js';
import type { BucketedBatch, StepEvent } from './types.js';

/** Where each sensor's bucket lives: one per sensor, created on first use, kept across pipeline restarts. */
export interface BucketTable {
  /** The sensor's bucket; undefined when the sensor is not this node's (its partition is owned elsewhere). */
  bucket(sensor: string): SensorBucket | undefined;
  /** Every bucket held now (open ones get their grace timer when the operator is subscribed). */
  buckets(): Iterable<SensorBucket>;
  /** Buckets taken over later (an assigned partition) are announced here; returns the unsubscribe. */
  onAdopt?(listener: (buckets: readonly SensorBucket[]) => void): () => void;
}

export interface BucketStepsOptions extends BucketRules {
  /** Wall-clock delay after a bucket's end before it closes without a later reading. */
  graceMs: number;
  scheduler: SchedulerLike;
  table: BucketTable;
}

/**
 * Bucket batches of stored readings into closed steps; one output batch per input batch (and per timer firing).
 *
 * @example
 *   stored$.pipe(bucketSteps({ stepMs: 3_600_000, maxGapSteps: 48, graceMs: 120_000, scheduler: asyncScheduler,
 *     table: keeper }))
 * @param options.graceMs a live bucket closes at end + graceMs on the scheduler's clock when no later reading came.
 *   Buckets already past that deadline when opened (replays, backfills) close only by event time, so replaying a
 *   year in seconds buckets exactly like feeding it live.
 */
export function bucketSteps(options: BucketStepsOptions): OperatorFunction<readonly Reading[], BucketedBatch> {
  const { scheduler, graceMs, table } = options;
  return (source) =>
    new Observable<BucketedBatch>((subscriber) => {
      const deadlines = new Map<number, Set<string>>();
      const timers = new Subscription();

      // Fired timers leave the set, so it holds only what is pending.
      const later = (work: () => void, delay: number): void => {
        const handle: Subscription = scheduler.schedule(() => {
          timers.remove(handle);
          work();
        }, delay);
        if (!handle.closed) timers.add(handle);
      };

      const emit = (events: StepEvent[], late: Reading[]): void => {
        if (events.length > 0 || late.length > 0) subscriber.next({ events, late });
      };

      const fire = (end: number): void => {
        try {
          closeDue(end);
        } catch (err) {
          subscriber.error(err);
        }
      };

      const closeDue = (end: number): void => {
        const due = deadlines.get(end);
        deadlines.delete(end);
        const events: StepEvent[] = [];
        for (const sensor of due ?? []) {
          const bucket = table.bucket(sensor);
          if (bucket?.openEnd === end) bucket.close(events);
        }
        emit(events, []);
      };

      const watch = (sensor: string, end: number): void => {
        const delay = end + graceMs - scheduler.now();
        if (delay <= 0) return;
        let due = deadlines.get(end);
        if (due === undefined) {
          // One timer per distinct deadline, not per sensor: all sensors on one grid share it.
          deadlines.set(end, (due = new Set()));
          later(() => fire(end), delay);
        }
        due.add(sensor);
      };

      // Buckets the owner restored open (a restart, an assigned partition) close on time like live ones.
      const adopt = (buckets: Iterable<SensorBucket>): void => {
        for (const b of buckets) if (b.openEnd !== undefined) watch(b.sensor, b.openEnd);
      };
      adopt(table.buckets());
      const stopAdopting = table.onAdopt?.(adopt);

      const inner = source.subscribe({
        next(batch) {
          try {
            bucket(batch);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });

      function bucket(batch: readonly Reading[]): void {
        // Per sensor in time order: a frame may list readings in any order.
        const sorted = [...batch].sort((a, b) => a.ts - b.ts);
        const events: StepEvent[] = [];
        const late: Reading[] = [];
        for (const r of sorted) {
          const bucket = table.bucket(r.sensor);
          // Stored by this node after its partition was revoked: the new owner replays it from the log.
          if (bucket === undefined) continue;
          const openBefore = bucket.openEnd;
          if (!bucket.add(r, events)) late.push(r);
          const openAfter = bucket.openEnd;
          if (openAfter !== undefined && openAfter !== openBefore) watch(r.sensor, openAfter);
        }
        emit(events, late);
      }

      return () => {
        stopAdopting?.();
        inner.unsubscribe();
        timers.unsubscribe();
        deadlines.clear();
      };
    });
}


// RxJS operator: per-sensor event-time bucketing of stored readings into closed grid steps. Live buckets also close
// when the scheduler's clock passes their end plus a grace period; idle sensors release their bucket and timers.
import { Observable, Subscription, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../protocol/index.js';
import { SensorBucket, type BucketRules, type WarmSource } from './sensor-bucket.js';
import type { BucketedBatch, StepEvent } from './types.js';

export interface BucketStepsOptions extends BucketRules {
  /** Wall-clock delay after a bucket's end before it closes without a later reading. */
  graceMs: number;
  /** A sensor without readings for this long releases its open bucket (restored from storage on its return). */
  idleMs: number;
  scheduler: SchedulerLike;
  /**
   * Where a sensor (new, or back from idle) resumes: its last closed step and the stored readings of its open
   * bucket, i.e. those after `lastClosed` and before `beforeTs` (the reading being processed is already stored).
   */
  resume(sensor: string, beforeTs: number): { lastClosed: number | undefined; open: Reading[] };
  warm?: WarmSource;
}

interface Entry {
  bucket: SensorBucket;
  lastSeen: number;
}

/**
 * Bucket batches of stored readings into closed steps; one output batch per input batch (and per timer firing).
 *
 * @example
 *   stored$.pipe(bucketSteps({ stepMs: 3_600_000, maxGapSteps: 48, graceMs: 120_000, idleMs: 3 * 3_600_000,
 *     scheduler: asyncScheduler, resume: () => ({ lastClosed: undefined, open: [] }) }))
 * @param options.graceMs a live bucket closes at end + graceMs on the scheduler's clock when no later reading came.
 *   Buckets already past that deadline when opened (replays, backfills) close only by event time, so replaying a
 *   year in seconds buckets exactly like feeding it live.
 */
export function bucketSteps(options: BucketStepsOptions): OperatorFunction<readonly Reading[], BucketedBatch> {
  const { scheduler, graceMs, idleMs } = options;
  return (source) =>
    new Observable<BucketedBatch>((subscriber) => {
      const sensors = new Map<string, Entry>();
      const deadlines = new Map<number, Set<string>>();
      const timers = new Subscription();
      let sweeping = false;

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
          const entry = sensors.get(sensor);
          if (entry?.bucket.openEnd === end) entry.bucket.close(events);
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

      const sweep = (): void => {
        const now = scheduler.now();
        for (const [sensor, e] of sensors) if (now - e.lastSeen >= idleMs) sensors.delete(sensor);
        sweeping = sensors.size > 0;
        if (sweeping) later(sweep, idleMs);
      };

      const entryFor = (r: Reading, events: StepEvent[]): Entry => {
        let entry = sensors.get(r.sensor);
        if (entry === undefined) {
          const { lastClosed, open } = options.resume(r.sensor, r.ts);
          entry = { bucket: new SensorBucket(r.sensor, options, lastClosed, options.warm), lastSeen: 0 };
          for (const o of open) entry.bucket.add(o, events);
          sensors.set(r.sensor, entry);
          if (!sweeping) {
            sweeping = true;
            later(sweep, idleMs);
          }
        }
        return entry;
      };

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
        const now = scheduler.now();
        for (const r of sorted) {
          const entry = entryFor(r, events);
          entry.lastSeen = now;
          const openBefore = entry.bucket.openEnd;
          if (!entry.bucket.add(r, events)) late.push(r);
          const openAfter = entry.bucket.openEnd;
          if (openAfter !== undefined && openAfter !== openBefore) watch(r.sensor, openAfter);
        }
        emit(events, late);
      }

      return () => {
        inner.unsubscribe();
        timers.unsubscribe();
        sensors.clear();
        deadlines.clear();
      };
    });
}


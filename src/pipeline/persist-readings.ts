// RxJS operator: gathers the pushes of one tick (up to a reading budget) into one SQLite transaction and emits the
// committed batch, so acks go out only after commit and only newly stored readings flow on to bucketing.
import { Observable, Subscription, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { ErrorCode } from '../protocol/index.js';
import type { ReadingStore } from '../store/index.js';
import type { PersistedBatch, PushJob, PushOutcome } from './types.js';

export interface PersistOptions {
  readings: ReadingStore;
  /** Readings per transaction at most; a full buffer commits at once. */
  maxReadings: number;
  scheduler: SchedulerLike;
  /** How long the first push of a batch may wait for company (0: the end of the current tick). */
  delayMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Each committed transaction: its duration (seconds) and size. */
  onCommit?: (seconds: number, readings: number, pushes: number) => void;
}

/**
 * @example
 *   jobs$.pipe(persistReadings({ readings: store.readings, maxReadings: 5000, scheduler: asyncScheduler }))
 * @param options.delayMs default 0
 */
export function persistReadings<O>(options: PersistOptions): OperatorFunction<PushJob<O>, PersistedBatch<O>> {
  const { readings: store, maxReadings, scheduler, delayMs = 0 } = options;
  const now = options.now ?? (() => scheduler.now());
  return (source) =>
    new Observable<PersistedBatch<O>>((subscriber) => {
      let buffer: PushJob<O>[] = [];
      let count = 0;
      let timer: Subscription | undefined;

      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const jobs = buffer;
        buffer = [];
        count = 0;
        const all = jobs.flatMap((j) => j.readings);
        const committedAt = now();
        let stored: boolean[];
        try {
          const started = performance.now();
          stored = all.length === 0 ? [] : store.insertBatch(all, committedAt);
          options.onCommit?.((performance.now() - started) / 1000, all.length, jobs.length);
        } catch (err) {
          options.onError?.(err);
          const message = `storage failed (${storageFault(err)}); nothing of this push was stored, retry it`;
          const outcomes = jobs.map(
            (job): PushOutcome<O> => ({ job, accepted: 0, duplicates: 0, error: { code: ErrorCode.StorageError, message } }),
          );
          subscriber.next({ outcomes, stored: [], committedAt });
          return;
        }
        let i = 0;
        const outcomes = jobs.map((job): PushOutcome<O> => {
          let accepted = 0;
          for (let k = 0; k < job.readings.length; k++) if (stored[i++]) accepted += 1;
          return { job, accepted, duplicates: job.readings.length - accepted };
        });
        subscriber.next({ outcomes, stored: all.filter((_, k) => stored[k]), committedAt });
      };

      const inner = source.subscribe({
        next(job) {
          if (count + job.readings.length > maxReadings) flush();
          buffer.push(job);
          count += job.readings.length;
          if (count >= maxReadings) flush();
          else timer ??= scheduler.schedule(flush, delayMs);
        },
        error(err) {
          flush();
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

/** A short, stable reason for a failed transaction (the SQLite code), without internals like paths or SQL. */
export function storageFault(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') return 'SQLITE_FULL: the disk is full';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return `${code}: the database is locked by another process`;
  if (code === 'SQLITE_READONLY') return 'SQLITE_READONLY: the database file is read-only';
  if (code === 'WXSTREAM_DB_FILE_GONE') return (err as Error).message; // src/store/file-guard.ts
  if (code === 'SQLITE_IOERR' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'))) return `${code}: disk I/O error`;
  return typeof code === 'string' ? code : 'unexpected error';
}

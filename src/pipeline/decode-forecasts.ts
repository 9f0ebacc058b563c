// RxJS operator: decode forecasts only for the sensors someone wants. When the forecaster can capture origins,
// all rounds of one input batch (a replayed backlog: hundreds of hours) are decoded in batched calls at the batch's
// last round instead of one small decode per round, whose per-call overhead dominates. A large batch is decoded in
// chunks of `maxBatch`, one per scheduler task, so acks, pings and reads run in between.
import { Observable, Subscription, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { CapturedOrigin } from '../forecaster.js';
import { issueForecasts, type Issuer } from './issue-forecasts.js';
import type { EncodedRound, ForecastBatch } from './types.js';

/** The issuer's keeper, clock and live verification (issue-forecasts.ts), and how to batch the decoding. */
export interface DecodeOptions extends Issuer {
  /** Whether a sensor's forecast is wanted now (it has subscribers); decoding is the expensive half. */
  wanted: (sensor: string) => boolean;
  /** Where chunks after the first run; without it every chunk of a batch is decoded at once. */
  scheduler?: SchedulerLike;
  /** Origins per decode call at most (with capture). */
  maxBatch?: number;
  /**
   * Emits before the next input batch is encoded: whatever is still queued is decoded at once, so a batch's
   * forecasts are issued (and scored later) before the next batch's truths, and never outlive a model swap.
   */
  barrier?: Observable<unknown>;
}

export const DEFAULT_DECODE_BATCH = 512;

interface Chunk {
  origins: CapturedOrigin[];
  modelVersion: number;
}

/**
 * Chunks are cut by count from each input batch's origins, never by time, so a replay decodes the same batches
 * (hence the same numbers) in every run.
 *
 * @example
 *   rounds$.pipe(decodeForecasts({ keeper, wanted: (s) => subs.has(s), now: Date.now, scheduler: asyncScheduler }))
 * @param options.maxBatch default 512 (DEFAULT_DECODE_BATCH): ~50 ms of decoding, past the batch size where
 *   batching still pays (bench/kernels.ts)
 */
export function decodeForecasts(options: DecodeOptions): OperatorFunction<EncodedRound, ForecastBatch> {
  const { keeper, wanted, scheduler, barrier } = options;
  const maxBatch = options.maxBatch ?? DEFAULT_DECODE_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer; got ${maxBatch}`);
  return (source) =>
    new Observable<ForecastBatch>((subscriber) => {
      // Origins captured in earlier rounds of the current batch (rounds of one batch share a model version).
      let pending: CapturedOrigin[] = [];
      const queue: Chunk[] = [];
      let task: Subscription | undefined;
      let failed = false;

      const fail = (err: unknown): void => {
        failed = true;
        pending = [];
        queue.length = 0;
        subscriber.error(err);
      };

      /** Decode queued chunks: one (then yield to the scheduler), or all. */
      const drain = (all: boolean): void => {
        task?.unsubscribe();
        task = undefined;
        while (!failed && queue.length > 0) {
          const chunk = queue.shift()!;
          let batch;
          try {
            batch = issueForecasts(options, { captured: chunk.origins }, chunk.modelVersion);
          } catch (err) {
            fail(err);
            return;
          }
          subscriber.next(batch);
          if (!all && queue.length > 0 && scheduler) {
            task = scheduler.schedule(() => drain(false));
            return;
          }
        }
      };

      const subscription = new Subscription();
      if (barrier) subscription.add(barrier.subscribe(() => drain(true)));
      subscription.add(
        source.subscribe({
          next(round) {
            if (failed) return;
            const sensors = round.steps.map((s) => s.sensor).filter(wanted);
            try {
              if (!keeper.canCapture) {
                for (let i = 0; i < sensors.length; i += maxBatch) {
                  subscriber.next(issueForecasts(options, { sensors: sensors.slice(i, i + maxBatch) }, round.modelVersion));
                }
                return;
              }
              pending.push(...keeper.capture(sensors));
            } catch (err) {
              fail(err);
              return;
            }
            if (!round.last || pending.length === 0) return;
            for (let i = 0; i < pending.length; i += maxBatch) {
              queue.push({ origins: pending.slice(i, i + maxBatch), modelVersion: round.modelVersion });
            }
            pending = [];
            drain(false);
          },
          error: (err) => {
            drain(true);
            subscriber.error(err);
          },
          complete: () => {
            drain(true);
            subscriber.complete();
          },
        }),
      );
      subscription.add(() => task?.unsubscribe());
      return subscription;
    });
}

// The forecasting half of the pipeline, composed from its operators: stored readings -> event-time buckets ->
// batched encoder rounds -> live scoring -> decoded forecasts. The server and the replay tool run this same chain.
import { Observable, Subject, pipe, tap, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../protocol/index.js';
import { bucketSteps } from './bucket-steps.js';
import { decodeForecasts } from './decode-forecasts.js';
import { encodeSteps } from './encode-steps.js';
import type { LiveSkill } from './live-skill.js';
import { scoreForecasts } from './score-forecasts.js';
import type { SensorKeeper } from './sensor-keeper.js';
import type { EncodedRound, ForecastBatch } from './types.js';

export interface ForecastPipelineOptions {
  keeper: SensorKeeper;
  stepMs: number;
  graceMs: number;
  maxGapSteps: number;
  scheduler: SchedulerLike;
  /** Sensors whose forecasts are decoded after each round (those with subscribers). */
  wanted: (sensor: string) => boolean;
  skill?: LiveSkill;
  onLate?: (late: readonly Reading[]) => void;
  onRound?: (round: EncodedRound) => void;
  onScored?: (n: number) => void;
  /** Origins per decode call at most; larger batches are decoded in chunks, one per scheduler task (default 512). */
  maxDecodeBatch?: number;
}

/**
 * @example
 *   stored$.pipe(forecastPipeline({ keeper, stepMs, graceMs, maxGapSteps, scheduler, wanted }))
 *     .subscribe((batch) => bus.publish(serializeBatch(batch, stepSeconds)))
 */
export function forecastPipeline(o: ForecastPipelineOptions): OperatorFunction<readonly Reading[], ForecastBatch> {
  // Per subscription (the server's retry resubscribes): the decoder finishes one batch before the next encodes.
  return (source) =>
    new Observable<ForecastBatch>((subscriber) => {
      const barrier = new Subject<void>();
      return source.pipe(chain(o, barrier)).subscribe(subscriber);
    });
}

function chain(o: ForecastPipelineOptions, barrier: Subject<void>): OperatorFunction<readonly Reading[], ForecastBatch> {
  const { keeper, skill } = o;
  return pipe(
    bucketSteps({
      stepMs: o.stepMs,
      maxGapSteps: o.maxGapSteps,
      graceMs: o.graceMs,
      scheduler: o.scheduler,
      table: keeper,
    }),
    tap((b) => {
      if (b.late.length > 0) o.onLate?.(b.late);
    }),
    tap(() => barrier.next()),
    encodeSteps(keeper),
    tap((round) => o.onRound?.(round)),
    skill ? scoreForecasts(skill, o.onScored) : tap(() => undefined),
    // Issued forecasts are registered with the live skill as they are decoded (issue-forecasts.ts): points of a
    // backlog batch whose truths arrived before the batch was decoded are scored there.
    decodeForecasts({
      keeper,
      wanted: o.wanted,
      now: () => o.scheduler.now(),
      scheduler: o.scheduler,
      barrier,
      ...(skill ? { skill } : {}),
      ...(o.onScored ? { onScored: o.onScored } : {}),
      ...(o.maxDecodeBatch === undefined ? {} : { maxBatch: o.maxDecodeBatch }),
    }),
  );
}

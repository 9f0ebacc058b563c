// Ingest, the first stage of a reading's path after the transport: a peer's text frames -> admission (frame rate)
// -> parse and validate -> one SQLite transaction per tick -> ack, sent only after the commit. Committed batches go
// on to `onCommitted` (forecasting); subscription frames to `onSubscription` (delivery). Nothing flows back up.
import { Subject, Subscription, filter, map, share, type SchedulerLike } from 'rxjs';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import { parseFrames, type IncomingFrame, type ParsedFrame } from '../pipeline/parse-frames.js';
import { persistReadings } from '../pipeline/persist-readings.js';
import type { PersistedBatch, PushJob } from '../pipeline/types.js';
import type { ReadingStore } from '../ports/reading-log.js';
import { ErrorCode, peekFrameId, type ErrorMessage, type SubscribeFrame } from '../protocol/index.js';
import type { ServiceMetrics } from './metrics.js';
import { CloseCode, type Peer } from './peer.js';

export interface IngestOptions {
  config: ServeConfig;
  readings: ReadingStore;
  scheduler: SchedulerLike;
  log: Logger;
  metrics: ServiceMetrics;
  /** Whether this node owns a sensor's partition; readings of others are rejected with not_owner. */
  owns(sensor: string): boolean;
  /** Every committed transaction, before its acks leave (flag faults, bucket, encode: forecasting). */
  onCommitted(batch: PersistedBatch<Peer>): void;
  /** After the acks of a committed transaction left (the forecast chain runs here, off the ack's path). */
  afterAcks?(batch: PersistedBatch<Peer>): void;
  onSubscription(peer: Peer, frame: SubscribeFrame): void;
  /** A known sensor sent Kelvin or hot Fahrenheit: a fault of the sensor (sensor-faults.ts). */
  onUnitSuspect(suspect: UnitSuspect): void;
}

/** A reading out of range that looks like another unit (parse-frames.ts). */
export interface UnitSuspect {
  sensor: string;
  ts: number;
  unit: 'kelvin' | 'fahrenheit';
}

export class Ingest {
  private readonly frames = new Subject<IncomingFrame<Peer>>();
  private readonly errorsInARow = new WeakMap<Peer, number>();
  /** Sensors stored or admitted so far: the node's sensor limit counts them. */
  private readonly knownSensors: Set<string>;
  private readonly graph: Subscription;
  private stopping = false;

  constructor(private readonly o: IngestOptions) {
    this.knownSensors = new Set(o.readings.sensors().map((s) => s.sensor));
    this.graph = this.build();
  }

  /** Hand one text frame of a peer to the pipeline. */
  receive(peer: Peer, text: string): void {
    if (this.stopping) {
      this.reject(peer, { type: 'error', code: ErrorCode.Unavailable, message: 'the server is shutting down; retry later' });
      return;
    }
    if (peer.admitFrame && !peer.admitFrame()) {
      // Dropped unparsed (parsing is the cost the limit protects against); the id is peeked so the SDK can retry.
      const id = peekFrameId(text);
      this.reject(peer, {
        type: 'error',
        ...(id === undefined ? {} : { id }),
        code: ErrorCode.RateLimited,
        message: `more than ${this.o.config.maxFramesPerSecond} frames per second; this frame was dropped, send it again later`,
      });
      return;
    }
    this.frames.next({ origin: peer, text });
  }

  /** Count a protocol error (also those found before ingest: binary or oversized frames, delivery's limits). */
  reject(peer: Peer, msg: ErrorMessage, send = true): void {
    this.o.metrics.protocolErrors.inc({ code: msg.code });
    if (send) peer.sendControl(msg);
    const n = (this.errorsInARow.get(peer) ?? 0) + 1;
    this.errorsInARow.set(peer, n);
    if (n >= this.o.config.maxConsecutiveErrors) {
      this.o.metrics.protocolErrors.inc({ code: 'abusive' });
      peer.close(CloseCode.PolicyViolation, `${n} protocol errors in a row`);
    }
  }

  /** A valid frame: the peer's run of errors ends. */
  accepted(peer: Peer): void {
    this.errorsInARow.set(peer, 0);
  }

  /** Stop taking frames; the pending batch is committed and acked before this returns. */
  stop(): void {
    this.stopping = true;
    this.frames.complete();
    this.graph.unsubscribe();
  }

  private build(): Subscription {
    const { config, readings, scheduler, log, metrics } = this.o;
    const parsed$ = this.frames.pipe(
      parseFrames<Peer>({
        maxReadings: config.maxReadingsPerFrame,
        maxFutureMs: config.maxFutureSeconds * 1000,
        // The clock grace timers close buckets by: a reading is "in the future" of the same clock.
        now: () => scheduler.now(),
        owns: (sensor) => this.o.owns(sensor),
        authorize: (peer, right) => peer.grant === undefined || peer.grant[right],
        permits: (peer, sensor) => peer.grant === undefined || peer.grant.permits(sensor),
        // Kelvin or hot Fahrenheit readings are rejected as out of range; a known sensor sending them is faulty.
        onUnitSuspect: (peer, s) => {
          if (this.knownSensors.has(s.sensor) && (peer.grant === undefined || peer.grant.permits(s.sensor))) this.o.onUnitSuspect(s);
        },
        // Admitted names count at once, so one frame cannot overshoot the limit with many new sensors.
        admit: (s) => {
          if (this.knownSensors.has(s)) return true;
          if (this.knownSensors.size >= config.maxSensors) return false;
          this.knownSensors.add(s);
          return true;
        },
      }),
      share(),
    );
    const sub = parsed$.subscribe((p) => {
      if (p.kind === 'error') {
        metrics.frames.inc({ type: 'invalid' });
        this.reject(p.origin, { type: 'error', ...(p.id === undefined ? {} : { id: p.id }), code: p.code, message: p.message });
      } else if (p.kind === 'subscription') {
        metrics.frames.inc({ type: p.frame.type });
        this.accepted(p.origin);
        this.o.onSubscription(p.origin, p.frame);
      } else {
        metrics.frames.inc({ type: 'push' });
      }
    });
    sub.add(
      parsed$
        .pipe(
          filter((p): p is Extract<ParsedFrame<Peer>, { kind: 'push' }> => p.kind === 'push'),
          map((p): PushJob<Peer> => p.job),
          persistReadings<Peer>({
            readings,
            maxReadings: config.batchMaxReadings,
            scheduler,
            onError: (err) => log.error({ err }, 'ingest transaction failed'),
            onCommit: (seconds) => metrics.commitSeconds.observe(seconds),
          }),
        )
        // One subscriber, its steps in this order: no correctness rests on the order subscribers were declared.
        .subscribe((batch) => {
          this.o.onCommitted(batch);
          this.acknowledge(batch);
          this.o.afterAcks?.(batch);
        }),
    );
    return sub;
  }

  private acknowledge(batch: PersistedBatch<Peer>): void {
    const { metrics } = this.o;
    for (const outcome of batch.outcomes) {
      const { job } = outcome;
      const id = job.id === undefined ? {} : { id: job.id };
      if (outcome.error) {
        job.origin.sendControl({ type: 'error', ...id, code: outcome.error.code, message: outcome.error.message });
        continue;
      }
      metrics.readingsAccepted.inc(outcome.accepted);
      metrics.readingsDuplicate.inc(outcome.duplicates);
      for (const r of job.rejected) metrics.readingsRejected.inc({ code: r.code });
      if (job.readings.length > 0 || job.rejected.length === 0) this.accepted(job.origin);
      job.origin.sendControl({
        type: 'ack',
        ...id,
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected: job.rejected,
      });
    }
  }
}

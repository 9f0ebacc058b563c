// The live forecasting service without its transport: wires the RxJS pipeline (parse -> persist -> ack ->
// bucket -> encode -> score -> decode -> fan out), holds subscriptions and the latest forecasts, and snapshots state.
import { Subject, Subscription, filter, map, of, retry, share, type SchedulerLike } from 'rxjs';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import { forecastPipeline } from '../pipeline/forecast-pipeline.js';
import { IntervalTuner } from '../pipeline/interval-tuner.js';
import { LiveSkill } from '../pipeline/live-skill.js';
import type { ModelHost } from '../pipeline/model-host.js';
import { parseFrames, type IncomingFrame, type ParsedFrame } from '../pipeline/parse-frames.js';
import { persistReadings } from '../pipeline/persist-readings.js';
import { SensorKeeper } from '../pipeline/sensor-keeper.js';
import { fanOut } from '../pipeline/fan-out.js';
import type { EncodedRound, PersistedBatch, PushJob } from '../pipeline/types.js';
import {
  ErrorCode,
  peekFrameId,
  type ErrorMessage,
  type ForecastMessage,
  type Reading,
  type SubscribeFrame,
} from '../protocol/index.js';
import type { Store } from '../store/index.js';
import { CatchUp } from './catch-up.js';
import { IssuedForecasts } from './issued-forecasts.js';
import { ServiceMetrics } from './metrics.js';
import { CloseCode, type Peer } from './peer.js';
import { SensorFaults } from './sensor-faults.js';
import { Subscriptions } from './subscriptions.js';

export interface ServiceOptions {
  config: ServeConfig;
  store: Store;
  host: ModelHost;
  scheduler: SchedulerLike;
  log: Logger;
  /** Ownership predicate: which sensors this node serves (partitioning hook; default all). */
  owns?: (sensor: string) => boolean;
  /** Called after each batched encoder round (the online trainer counts closed steps). */
  onRound?: (round: EncodedRound) => void;
}

export class ForecastService {
  readonly keeper: SensorKeeper;
  readonly skill: LiveSkill;
  /** Online calibration of the served bands, fed by the live skill's verified points. */
  readonly bands: IntervalTuner;
  readonly subscriptions = new Subscriptions<Peer>();
  readonly metrics: ServiceMetrics;
  readonly startedAt = Date.now();
  private readonly frames = new Subject<IncomingFrame<Peer>>();
  private readonly issued: IssuedForecasts;
  private readonly errorsInARow = new WeakMap<Peer, number>();
  private readonly catchUp: CatchUp;
  private readonly knownSensors: Set<string>;
  private readonly faults: SensorFaults;
  private readonly stepMs: number;
  private readonly graph: Subscription;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private commitStarted: number | undefined;
  private stopping = false;

  constructor(private readonly o: ServiceOptions) {
    const { config, store, host } = o;
    this.stepMs = config.stepSeconds * 1000;
    this.bands = new IntervalTuner({ horizon: config.horizon, rate: config.bandTuningRate, sensors: () => this.skill.size });
    this.skill = new LiveSkill({
      horizon: config.horizon,
      stepMs: this.stepMs,
      window: config.skillWindow,
      onPair: (k, _t, y, p) => this.bands.record(k, y, p),
    });
    this.bands.restore(parseNumbers(store.getMeta(BAND_STATE_KEY)));
    this.metrics = new ServiceMetrics({
      skill: this.skill,
      sensors: () => this.keeper.sensors().length,
      modelVersion: () => host.modelVersion,
      sensorSkill: config.sensorSkillMetrics,
    });
    this.keeper = new SensorKeeper({
      host,
      store,
      stepMs: this.stepMs,
      maxGapSteps: config.maxGapSteps,
      warmupSteps: config.warmupSteps,
      bands: this.bands,
      ...(o.owns ? { owns: o.owns } : {}),
      onTiming: (kind, seconds) =>
        (kind === 'observe' ? this.metrics.roundSeconds : this.metrics.decodeSeconds).observe(seconds),
    });
    this.knownSensors = new Set(store.readings.sensors().map((s) => s.sensor));
    this.faults = new SensorFaults({
      store,
      stepMs: this.stepMs,
      log: o.log,
      onFault: (f) => this.metrics.readingsImplausible.inc({ kind: f.kind }),
    });
    this.issued = new IssuedForecasts({
      keeper: this.keeper,
      skill: this.skill,
      forecasts: store.forecasts,
      stepSeconds: config.stepSeconds,
      retentionDays: config.forecastRetentionDays,
      log: o.log,
      scheduler: o.scheduler,
      degraded: (sensor, origin) => this.isDegraded(sensor, origin),
      onIssued: (batch) => {
        this.metrics.forecastsIssued.inc(batch.forecasts.length);
        if (this.commitStarted !== undefined) {
          this.metrics.forecastLatencySeconds.observe((performance.now() - this.commitStarted) / 1000);
        }
      },
    });
    this.catchUp = new CatchUp({ issued: this.issued, subscriptions: this.subscriptions, scheduler: o.scheduler, log: o.log });
    this.graph = this.build();
  }

  /** Restore every owned sensor's state (snapshots, else re-encoding stored readings) and pending verifications. */
  restore(): Record<string, number> {
    const counts = this.keeper.restoreAll();
    // Pending verifications of all sensors in one query (a query per sensor was ~18% of a 100,000-sensor restart).
    const after = new Map<string, number>();
    for (const sensor of this.keeper.sensors()) {
      const last = this.keeper.lastClosed(sensor);
      if (last !== undefined) after.set(sensor, last - this.o.config.horizon * this.stepMs);
    }
    const pending = this.o.store.forecasts.pending(after, this.o.host.modelVersion);
    for (const f of pending) this.skill.issue(f);
    this.issued.seed(pending);
    if (this.o.config.snapshotSeconds > 0) {
      this.snapshotTimer = setInterval(() => {
        this.snapshot();
        this.issued.prune();
      }, this.o.config.snapshotSeconds * 1000);
      this.snapshotTimer.unref();
    }
    return counts;
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

  /** Count a protocol error found before the pipeline (binary frame, oversized frame). */
  reject(peer: Peer, msg: ErrorMessage, send = true): void {
    this.metrics.protocolErrors.inc({ code: msg.code });
    if (send) peer.sendControl(msg);
    const n = (this.errorsInARow.get(peer) ?? 0) + 1;
    this.errorsInARow.set(peer, n);
    if (n >= this.o.config.maxConsecutiveErrors) {
      this.metrics.protocolErrors.inc({ code: 'abusive' });
      peer.close(CloseCode.PolicyViolation, `${n} protocol errors in a row`);
    }
  }

  disconnect(peer: Peer): void {
    this.subscriptions.removeConnection(peer);
    this.catchUp.cancel(peer);
  }

  /** Latest forecast per sensor, decoding (one batch) those older than the sensor's last closed step. */
  latestForecasts(sensors: readonly string[]): ForecastMessage[] {
    // The frame is what was sent; parsing it back (HTTP reads only) keeps one serializer on the hot path.
    return this.issued.get(sensors).map((l) => JSON.parse(l.json) as ForecastMessage);
  }

  /** Save every sensor's state snapshot and the band factors now (also runs periodically and on shutdown). */
  snapshot(): number {
    this.o.log.debug({ at: Date.now() }, 'state snapshot started'); // a mark for the soak's kills (scripts/soak.ts)
    try {
      this.o.store.setMeta(BAND_STATE_KEY, JSON.stringify(this.bands.save()));
      return this.keeper.snapshotAll();
    } catch (err) {
      this.o.log.error({ err }, 'state snapshot failed');
      return 0;
    }
  }

  /** Stop taking frames, flush the pending batch (acks and forecasts go out) and snapshot every sensor's state. */
  stop(): number {
    this.stopping = true;
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    this.frames.complete();
    this.graph.unsubscribe();
    this.issued.flush();
    this.issued.prune();
    return this.snapshot();
  }

  private build(): Subscription {
    const { config, store, scheduler, log } = this.o;
    const parsed$ = this.frames.pipe(
      parseFrames<Peer>({
        maxReadings: config.maxReadingsPerFrame,
        maxFutureMs: config.maxFutureSeconds * 1000,
        now: () => Date.now(),
        ...(this.o.owns ? { owns: this.o.owns } : {}),
        authorize: (peer, right) => peer.grant === undefined || peer.grant[right],
        permits: (peer, sensor) => peer.grant === undefined || peer.grant.permits(sensor),
        // Kelvin or hot Fahrenheit readings are rejected as out of range; a known sensor sending them is faulty.
        onUnitSuspect: (peer, s) => {
          if (this.knownSensors.has(s.sensor) && (peer.grant === undefined || peer.grant.permits(s.sensor))) {
            this.faults.record([{ sensor: s.sensor, kind: s.unit, from: s.ts, to: s.ts }]);
          }
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
    const persisted$ = parsed$.pipe(
      filter((p): p is Extract<ParsedFrame<Peer>, { kind: 'push' }> => p.kind === 'push'),
      map((p): PushJob<Peer> => p.job),
      persistReadings<Peer>({
        readings: store.readings,
        maxReadings: config.batchMaxReadings,
        scheduler,
        now: () => Date.now(),
        onError: (err) => log.error({ err }, 'ingest transaction failed'),
        onCommit: (seconds) => this.metrics.commitSeconds.observe(seconds),
      }),
      share(),
    );
    const sub = parsed$.subscribe((p) => {
      if (p.kind === 'error') {
        this.metrics.frames.inc({ type: 'invalid' });
        this.reject(p.origin, { type: 'error', ...(p.id === undefined ? {} : { id: p.id }), code: p.code, message: p.message });
      } else if (p.kind === 'subscription') {
        this.metrics.frames.inc({ type: p.frame.type });
        this.onSubscription(p.origin, p.frame);
      } else {
        this.metrics.frames.inc({ type: 'push' });
      }
    });
    // Before the forecast chain (subscribers run in order): a step closed by a flagged reading is already degraded.
    sub.add(persisted$.subscribe((batch) => this.faults.check(batch.stored)));
    sub.add(persisted$.subscribe((batch) => this.acknowledge(batch)));
    sub.add(
      persisted$
        .pipe(
          map((b) => {
            this.commitStarted = performance.now();
            return b.stored;
          }),
          filter((stored) => stored.length > 0),
          forecastPipeline({
            keeper: this.keeper,
            stepMs: this.stepMs,
            graceMs: config.graceSeconds * 1000,
            idleMs: config.idleSeconds * 1000,
            maxGapSteps: config.maxGapSteps,
            scheduler,
            wanted: (s) => this.subscriptions.has(s),
            skill: this.skill,
            onLate: (late) => this.countLate(late),
            onScored: (n) => this.metrics.scored.inc(n),
            ...(this.o.onRound ? { onRound: this.o.onRound } : {}),
          }),
          // A fault in the model must not end forecasting: the readings are stored, so rebuild every sensor's
          // state from storage and resubscribe with fresh buckets (resumed from storage too).
          fanOut({
            stepSeconds: config.stepSeconds,
            subscribers: (s) => this.subscriptions.subscribers(s),
            degraded: (sensor, origin) => this.isDegraded(sensor, origin),
          }),
          retry({
            delay: (err: unknown) => {
              log.error({ err }, 'forecast pipeline failed; rebuilding sensor states from storage');
              this.metrics.protocolErrors.inc({ code: ErrorCode.Internal });
              try {
                this.keeper.restoreAll();
              } catch (again) {
                // Still failing: states rebuild on the next attempt; ingest and acks go on regardless.
                log.error({ err: again }, 'rebuilding sensor states failed');
              }
              return of(true);
            },
          }),
        )
        .subscribe({
          next: (batch) => this.issued.record(batch),
          error: (err: unknown) => log.fatal({ err }, 'forecast pipeline stopped'),
        }),
    );
    // Subscribers run in order: by now the batch went through the forecast chain synchronously; later
    // (timer-closed) forecasts have no commit to measure from.
    sub.add(
      persisted$.subscribe(() => {
        this.commitStarted = undefined;
      }),
    );
    return sub;
  }

  /** Whether forecasts of `sensor` from `origin` rest on flagged data (sensor-faults.ts). */
  isDegraded(sensor: string, origin: number): boolean {
    return this.faults.isDegraded(sensor, origin);
  }

  private acknowledge(batch: PersistedBatch<Peer>): void {
    for (const outcome of batch.outcomes) {
      const { job } = outcome;
      const id = job.id === undefined ? {} : { id: job.id };
      if (outcome.error) {
        job.origin.sendControl({ type: 'error', ...id, code: outcome.error.code, message: outcome.error.message });
        continue;
      }
      this.metrics.readingsAccepted.inc(outcome.accepted);
      this.metrics.readingsDuplicate.inc(outcome.duplicates);
      for (const r of job.rejected) this.metrics.readingsRejected.inc({ code: r.code });
      if (job.readings.length > 0 || job.rejected.length === 0) this.errorsInARow.set(job.origin, 0);
      job.origin.sendControl({
        type: 'ack',
        ...id,
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected: job.rejected,
      });
    }
  }

  private onSubscription(peer: Peer, frame: SubscribeFrame): void {
    this.errorsInARow.set(peer, 0);
    const id = frame.id === undefined ? {} : { id: frame.id };
    if (frame.type === 'unsubscribe') {
      this.subscriptions.remove(peer, frame.sensors);
      peer.sendControl({ type: 'unsubscribed', ...id, sensors: frame.sensors });
      return;
    }
    const limit = this.o.config.maxSubscriptionsPerConnection;
    if (frame.sensors !== '*' && this.subscriptions.countFor(peer) + frame.sensors.length > limit) {
      this.reject(peer, {
        type: 'error',
        ...id,
        code: ErrorCode.TooManySubscriptions,
        message: `a connection may subscribe to at most ${limit} sensors by name; use "*" instead`,
      });
      return;
    }
    this.subscriptions.add(peer, frame.sensors);
    peer.sendControl({ type: 'subscribed', ...id, sensors: frame.sensors });
    this.catchUp.send(peer, frame.sensors === '*' ? this.keeper.sensors() : frame.sensors);
  }

  private countLate(late: readonly Reading[]): void {
    this.metrics.readingsLate.inc(late.length);
    const bySensor = new Map<string, number>();
    for (const r of late) bySensor.set(r.sensor, (bySensor.get(r.sensor) ?? 0) + 1);
    for (const [sensor, n] of bySensor) this.o.store.readings.addLate(sensor, n);
  }
}

const BAND_STATE_KEY = 'band_tuner';

/** The band tuner state saved at the last snapshot; undefined when absent or unreadable (it then starts afresh). */
function parseNumbers(json: string | undefined): number[] | undefined {
  if (json === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
  } catch {
    return undefined;
  }
}

// Forecasting, the middle of a reading's path: committed readings -> plausibility flags -> buckets -> batched
// encoder rounds -> live scoring -> decoded forecasts, published once on the forecast bus. It owns the per-sensor
// state of this node's partitions (through the SensorKeeper), its snapshots, and assign/revoke of partitions.
import { Subject, Subscription, of, retry, type SchedulerLike } from 'rxjs';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import { serializeBatch } from '../pipeline/serialize-batch.js';
import { forecastPipeline } from '../pipeline/forecast-pipeline.js';
import { IntervalTuner } from '../pipeline/interval-tuner.js';
import { LiveSkill } from '../pipeline/live-skill.js';
import type { ModelHost } from '../pipeline/model-host.js';
import { PartitionSet } from '../pipeline/partitions.js';
import { SensorKeeper, type RestoreOutcome } from '../pipeline/sensor-keeper.js';
import type { EncodedRound, PersistedBatch } from '../pipeline/types.js';
import type { ForecastBus } from '../ports/forecast-bus.js';
import { cachedIso, ErrorCode, type Reading } from '../protocol/index.js';
import type { IssuedForecast, Store } from '../store/index.js';
import type { UnitSuspect } from './ingest.js';
import type { ServiceMetrics } from './metrics.js';
import { SensorFaults } from './sensor-faults.js';

export interface ForecastingOptions {
  config: ServeConfig;
  store: Store;
  host: ModelHost;
  scheduler: SchedulerLike;
  log: Logger;
  metrics: ServiceMetrics;
  bus: ForecastBus;
  /** Sensors whose forecasts are decoded after each round (those someone subscribed to). */
  wanted(sensor: string): boolean;
  /** Partitions owned at the start (default every one of `config.partitions`). */
  ownedPartitions?: Iterable<number>;
  /** Called after each batched encoder round (the online trainer counts closed steps). */
  onRound?: (round: EncodedRound) => void;
}

/** Sensors restored (a start, an assigned partition) and their forecasts still waiting for verification. */
export interface Restored {
  counts: Record<RestoreOutcome, number>;
  pending: IssuedForecast[];
}

export class Forecasting {
  readonly keeper: SensorKeeper;
  readonly skill: LiveSkill;
  /** Online calibration of the served bands, fed by the live skill's verified points. */
  readonly bands: IntervalTuner;
  private readonly faults: SensorFaults;
  private readonly stored = new Subject<readonly Reading[]>();
  private readonly stepMs: number;
  private readonly chain: Subscription;
  private commitStarted: number | undefined;

  constructor(private readonly o: ForecastingOptions) {
    const { config, store, host, metrics } = o;
    this.stepMs = config.stepSeconds * 1000;
    this.bands = new IntervalTuner({ horizon: config.horizon, rate: config.bandTuningRate, sensors: () => this.skill.size });
    this.skill = new LiveSkill({
      horizon: config.horizon,
      stepMs: this.stepMs,
      window: config.skillWindow,
      onPair: (k, _t, y, p) => this.bands.record(k, y, p),
    });
    this.bands.restore(parseNumbers(store.getMeta(BAND_STATE_KEY)));
    this.faults = new SensorFaults({ store, stepMs: this.stepMs, log: o.log, onFault: (f) => metrics.readingsImplausible.inc({ kind: f.kind }) });
    const windows = this.faults.windows;
    this.keeper = new SensorKeeper({
      host,
      store,
      stepMs: this.stepMs,
      maxGapSteps: config.maxGapSteps,
      warmupSteps: config.warmupSteps,
      bands: this.bands,
      partitions: new PartitionSet(config.partitions, o.ownedPartitions),
      scheduler: o.scheduler,
      // After a crash, faults among the replayed readings are recorded again (idempotent rows; the counter counts twice).
      plausibility: { save: (s) => windows.save(s), restore: (s, b) => windows.restore(s, b), check: (r) => this.faults.check(r) },
      onTiming: (kind, seconds) => (kind === 'observe' ? metrics.roundSeconds : metrics.decodeSeconds).observe(seconds),
    });
    this.chain = this.build();
  }

  /** Flag implausible readings of a committed batch: before its steps are encoded, so their forecasts are marked. */
  flag(batch: PersistedBatch<unknown>): void {
    this.faults.check(batch.stored);
  }

  /** Bucket, encode and decode a committed batch, synchronously: forecasts are on the bus when this returns. */
  encode(batch: PersistedBatch<unknown>): void {
    if (batch.stored.length === 0) return;
    this.commitStarted = performance.now();
    this.stored.next(batch.stored);
    // Later (timer-closed) forecasts have no commit to measure from.
    this.commitStarted = undefined;
  }

  unitSuspect(s: UnitSuspect): void {
    this.faults.record([{ sensor: s.sensor, kind: s.unit, from: s.ts, to: s.ts }]);
  }

  /** Whether forecasts of `sensor` from `origin` rest on flagged data (sensor-faults.ts). */
  isDegraded(sensor: string, origin: number): boolean {
    return this.faults.isDegraded(sensor, origin);
  }

  /** Restore every owned sensor's state (snapshots, else re-encoding stored readings). */
  restore(): Restored {
    const counts = this.keeper.restoreAll();
    return { counts, pending: this.pendingOf(this.keeper.sensors()) };
  }

  /** Take over partitions: their sensors continue from their snapshots plus the log after them. */
  assign(partitions: Iterable<number>): Restored {
    const before = new Set(this.keeper.sensors());
    const counts = this.keeper.assign(partitions);
    return { counts, pending: this.pendingOf(this.keeper.sensors().filter((s) => !before.has(s))) };
  }

  /** Give up partitions: their sensors are snapshotted and dropped; returns them. */
  revoke(partitions: Iterable<number>): string[] {
    const sensors = this.keeper.revoke(partitions);
    for (const s of sensors) this.skill.drop(s);
    return sensors;
  }

  /** Save every sensor's state snapshot and the band factors now (also periodically and on shutdown). */
  snapshot(): number {
    this.o.log.debug({ at: Date.now() }, 'state snapshot started'); // a mark for the soak's kills (scripts/soak.ts)
    try {
      this.o.store.setMeta(BAND_STATE_KEY, JSON.stringify(this.bands.save()));
      return this.keeper.snapshotAll(this.o.scheduler.now());
    } catch (err) {
      this.o.log.error({ err }, 'state snapshot failed');
      return 0;
    }
  }

  stop(): void {
    this.stored.complete();
    this.chain.unsubscribe();
  }

  /** Forecasts of `sensors` waiting for verification, in one query (one per sensor was ~18% of a big restart). */
  private pendingOf(sensors: readonly string[]): IssuedForecast[] {
    const after = new Map<string, number>();
    for (const sensor of sensors) {
      const last = this.keeper.lastClosed(sensor);
      if (last !== undefined) after.set(sensor, last - this.o.config.horizon * this.stepMs);
    }
    if (after.size === 0) return [];
    const pending = this.o.store.forecasts.pending(after, this.o.host.modelVersion);
    for (const f of pending) this.skill.issue(f);
    return pending;
  }

  private build(): Subscription {
    const { config, scheduler, log, metrics, bus } = this.o;
    // Live rounds move along one grid: timestamps formatted for one batch serve the next ones too.
    const iso = cachedIso();
    return this.stored
      .pipe(
        forecastPipeline({
          keeper: this.keeper,
          stepMs: this.stepMs,
          graceMs: config.graceSeconds * 1000,
          maxGapSteps: config.maxGapSteps,
          scheduler,
          wanted: (s) => this.o.wanted(s),
          skill: this.skill,
          onLate: (late) => this.countLate(late),
          onScored: (n) => metrics.scored.inc(n),
          ...(this.o.onRound ? { onRound: this.o.onRound } : {}),
        }),
        // A fault in the model must not end forecasting: the readings are stored, so rebuild every sensor's state
        // from storage and resubscribe (the buckets continue from the rebuilt table).
        retry({
          delay: (err: unknown) => {
            log.error({ err }, 'forecast pipeline failed; rebuilding sensor states from storage');
            metrics.protocolErrors.inc({ code: ErrorCode.Internal });
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
        next: (batch) => {
          // Serialized once here: every node's delivery sends the same frames.
          bus.publish(serializeBatch(batch, config.stepSeconds, (sensor, origin) => this.isDegraded(sensor, origin), iso));
          if (this.commitStarted !== undefined) metrics.forecastLatencySeconds.observe((performance.now() - this.commitStarted) / 1000);
        },
        error: (err: unknown) => log.fatal({ err }, 'forecast pipeline stopped'),
      });
  }

  private countLate(late: readonly Reading[]): void {
    this.o.metrics.readingsLate.inc(late.length);
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

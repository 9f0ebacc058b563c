// The live service without its transport, composed of the three stages of a reading's path: ingest (parse, persist,
// ack: ingest.ts) -> forecasting (buckets, encoder, decoder, state: forecasting.ts) -> the forecast bus -> delivery
// (subscriptions, catch-up, issued forecasts: delivery.ts). Each stage only calls the next one.
import type { SchedulerLike, Subscription } from 'rxjs';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { IntervalTuner } from '../pipeline/interval-tuner.js';
import type { LiveSkill } from '../pipeline/live-skill.js';
import type { ModelHost } from '../pipeline/model-host.js';
import type { RestoreOutcome, SensorKeeper } from '../pipeline/sensor-keeper.js';
import type { EncodedRound } from '../pipeline/types.js';
import type { ForecastBus } from '../ports/forecast-bus.js';
import type { ErrorMessage, ForecastMessage } from '../protocol/index.js';
import type { Store } from '../store/index.js';
import { Delivery } from './delivery.js';
import { InProcessForecastBus } from './forecast-bus.js';
import { Forecasting, type Restored } from './forecasting.js';
import { Ingest } from './ingest.js';
import { ServiceMetrics } from './metrics.js';
import type { Peer } from './peer.js';
import type { Subscriptions } from './subscriptions.js';

export interface ServiceOptions {
  config: ServeConfig;
  store: Store;
  host: ModelHost;
  scheduler: SchedulerLike;
  log: Logger;
  /** Partitions this node owns at the start (default every one of `config.partitions`); see assign/revoke. */
  ownedPartitions?: Iterable<number>;
  /** Where forecasts are published and delivered from (default: in this process). */
  bus?: ForecastBus;
  /** Called after each batched encoder round (the online trainer counts closed steps). */
  onRound?: (round: EncodedRound) => void;
}

export class ForecastService {
  readonly metrics: ServiceMetrics;
  /** Wall time on purpose: uptime is for operators, and the pipeline's clock may be virtual (tests, replays). */
  readonly startedAt = Date.now();
  private readonly ingest: Ingest;
  private readonly forecasting: Forecasting;
  private readonly delivery: Delivery;
  private snapshotTimer: Subscription | undefined;

  constructor(private readonly o: ServiceOptions) {
    const { config, store, scheduler, log } = o;
    const bus = o.bus ?? new InProcessForecastBus(log);
    // Gauges read the stages at each scrape: they exist by then.
    this.metrics = new ServiceMetrics({
      skill: () => this.skill,
      sensors: () => this.keeper.sensors().length,
      modelVersion: () => o.host.modelVersion,
      sensorSkill: config.sensorSkillMetrics,
    });
    this.forecasting = new Forecasting({
      config,
      store,
      host: o.host,
      scheduler,
      log,
      metrics: this.metrics,
      bus,
      wanted: (s) => this.delivery.wanted(s),
      ...(o.ownedPartitions ? { ownedPartitions: o.ownedPartitions } : {}),
      ...(o.onRound ? { onRound: o.onRound } : {}),
    });
    this.delivery = new Delivery({
      config,
      forecasts: store.forecasts,
      keeper: this.forecasting.keeper,
      skill: this.forecasting.skill,
      scheduler,
      log,
      metrics: this.metrics,
      bus,
      degraded: (sensor, origin) => this.forecasting.isDegraded(sensor, origin),
      reject: (peer, msg) => this.ingest.reject(peer, msg),
    });
    this.ingest = new Ingest({
      config,
      readings: store.readings,
      scheduler,
      log,
      metrics: this.metrics,
      owns: (sensor) => this.forecasting.keeper.owns(sensor),
      // A step closed by a flagged reading is degraded already when it is forecast; acks leave before the chain runs.
      onCommitted: (batch) => this.forecasting.flag(batch),
      afterAcks: (batch) => this.forecasting.encode(batch),
      onSubscription: (peer, frame) => this.delivery.onSubscription(peer, frame),
      onUnitSuspect: (s) => this.forecasting.unitSuspect(s),
    });
  }

  get keeper(): SensorKeeper {
    return this.forecasting.keeper;
  }

  get skill(): LiveSkill {
    return this.forecasting.skill;
  }

  get bands(): IntervalTuner {
    return this.forecasting.bands;
  }

  get subscriptions(): Subscriptions<Peer> {
    return this.delivery.subscriptions;
  }

  /** Restore every owned sensor's state (snapshots, else re-encoding stored readings) and pending verifications. */
  restore(): Record<RestoreOutcome, number> {
    const counts = this.adopt(this.forecasting.restore());
    if (this.o.config.snapshotSeconds > 0) {
      const period = this.o.config.snapshotSeconds * 1000;
      const service = this;
      this.snapshotTimer = this.o.scheduler.schedule(function () {
        service.snapshot();
        service.delivery.prune();
        this.schedule(undefined, period);
      }, period);
    }
    return counts;
  }

  /**
   * Take over partitions between ticks: their sensors continue from their snapshots plus the readings committed
   * after them, with their pending verifications and latest forecasts. Readings of those sensors are accepted
   * from now on.
   */
  assign(partitions: Iterable<number>): Record<RestoreOutcome, number> {
    return this.adopt(this.forecasting.assign(partitions));
  }

  /**
   * Give up partitions between ticks: their sensors' state is snapshotted (with the log position it covers) and
   * dropped, with their verifications and latest forecasts; their readings are refused (not_owner) from now on.
   * @returns how many sensors were handed over
   */
  revoke(partitions: Iterable<number>): number {
    const sensors = this.forecasting.revoke(partitions);
    this.delivery.forget(sensors);
    return sensors.length;
  }

  /** Hand one text frame of a peer to the pipeline. */
  receive(peer: Peer, text: string): void {
    this.ingest.receive(peer, text);
  }

  /** Count a protocol error found before the pipeline (binary frame, oversized frame). */
  reject(peer: Peer, msg: ErrorMessage, send = true): void {
    this.ingest.reject(peer, msg, send);
  }

  disconnect(peer: Peer): void {
    this.delivery.disconnect(peer);
  }

  /** Latest forecast per sensor, decoding (one batch) those older than the sensor's last closed step. */
  latestForecasts(sensors: readonly string[]): ForecastMessage[] {
    return this.delivery.latestForecasts(sensors);
  }

  /** Whether forecasts of `sensor` from `origin` rest on flagged data (sensor-faults.ts). */
  isDegraded(sensor: string, origin: number): boolean {
    return this.forecasting.isDegraded(sensor, origin);
  }

  /** Save every sensor's state snapshot and the band factors now (also runs periodically and on shutdown). */
  snapshot(): number {
    return this.forecasting.snapshot();
  }

  /** Stop taking frames, flush the pending batch (acks and forecasts go out) and snapshot every sensor's state. */
  stop(): number {
    this.snapshotTimer?.unsubscribe();
    this.ingest.stop();
    this.forecasting.stop();
    this.delivery.stop();
    return this.snapshot();
  }

  private adopt(restored: Restored): Record<RestoreOutcome, number> {
    this.delivery.seed(restored.pending);
    return restored.counts;
  }
}

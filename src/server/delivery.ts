// Delivery, the end of a reading's path: forecasts from the bus go to every peer subscribed to their sensor (each
// queues by its own backpressure rules) and into the issued-forecast record; subscribe frames, catch-up bursts and
// the latest forecasts for HTTP are answered here. It reads model state only to decode a stale latest forecast.
import type { SchedulerLike } from 'rxjs';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { DegradedCheck, SerializedBatch } from '../pipeline/serialize-batch.js';
import type { LiveSkill } from '../pipeline/live-skill.js';
import type { SensorKeeper } from '../pipeline/sensor-keeper.js';
import type { ForecastBus, Unsubscribe } from '../ports/forecast-bus.js';
import { ErrorCode, forecastJsonWithBelow, type ErrorMessage, type ForecastMessage, type SubscribeFrame } from '../protocol/index.js';
import type { ForecastStore, IssuedForecast } from '../store/index.js';
import { CatchUp } from './catch-up.js';
import { IssuedForecasts } from './issued-forecasts.js';
import type { ServiceMetrics } from './metrics.js';
import type { Peer } from './peer.js';
import { Subscriptions, thresholdSet } from './subscriptions.js';

export interface DeliveryOptions {
  config: ServeConfig;
  forecasts: ForecastStore;
  keeper: SensorKeeper;
  skill: LiveSkill;
  scheduler: SchedulerLike;
  log: Logger;
  metrics: ServiceMetrics;
  bus: ForecastBus;
  degraded: DegradedCheck;
  /** A subscribe frame over the limit is a protocol error of its peer (counted by ingest). */
  reject(peer: Peer, msg: ErrorMessage): void;
}

export class Delivery {
  readonly subscriptions = new Subscriptions<Peer>();
  private readonly issued: IssuedForecasts;
  private readonly catchUp: CatchUp;
  private readonly offBus: Unsubscribe;

  constructor(private readonly o: DeliveryOptions) {
    const { config, metrics } = o;
    this.issued = new IssuedForecasts({
      keeper: o.keeper,
      skill: o.skill,
      forecasts: o.forecasts,
      stepSeconds: config.stepSeconds,
      retentionDays: config.forecastRetentionDays,
      log: o.log,
      scheduler: o.scheduler,
      degraded: o.degraded,
      onScored: (n) => metrics.scored.inc(n),
      onIssued: (batch) => metrics.forecastsIssued.inc(batch.forecasts.length),
    });
    this.catchUp = new CatchUp({ issued: this.issued, subscriptions: this.subscriptions, scheduler: o.scheduler, log: o.log });
    // One node: every sensor's forecasts are published here.
    this.offBus = o.bus.subscribe('*', (batch) => this.deliver(batch));
  }

  /** Whether anyone here subscribed to `sensor` (its forecasts are decoded after each round only then). */
  wanted(sensor: string): boolean {
    return this.subscriptions.has(sensor);
  }

  onSubscription(peer: Peer, frame: SubscribeFrame): void {
    const id = frame.id === undefined ? {} : { id: frame.id };
    if (frame.type === 'unsubscribe') {
      this.subscriptions.remove(peer, frame.sensors);
      peer.sendControl({ type: 'unsubscribed', ...id, sensors: frame.sensors });
      return;
    }
    const limit = this.o.config.maxSubscriptionsPerConnection;
    if (frame.sensors !== '*' && this.subscriptions.countFor(peer) + frame.sensors.length > limit) {
      this.o.reject(peer, {
        type: 'error',
        ...id,
        code: ErrorCode.TooManySubscriptions,
        message: `a connection may subscribe to at most ${limit} sensors by name; use "*" instead`,
      });
      return;
    }
    this.subscriptions.add(peer, frame.sensors, frame.thresholds && thresholdSet(frame.thresholds));
    peer.sendControl({ type: 'subscribed', ...id, sensors: frame.sensors });
    this.catchUp.send(peer, frame.sensors === '*' ? this.o.keeper.sensors() : frame.sensors);
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

  /** After a restart or an assignment: the stored latest forecasts of the sensors taken over. */
  seed(pending: readonly IssuedForecast[]): void {
    this.issued.seed(pending);
  }

  /** Sensors handed to another node: their latest forecasts go (pending rows are written first). */
  forget(sensors: readonly string[]): void {
    this.issued.flush();
    this.issued.forget(sensors);
  }

  /** Delete stored forecasts past the retention. */
  prune(): void {
    this.issued.prune();
  }

  stop(): void {
    this.offBus();
    this.issued.flush();
    this.issued.prune();
  }

  private deliver(batch: SerializedBatch): void {
    const subs = this.subscriptions;
    const anyThresholds = subs.anyThresholds;
    for (const s of batch.serialized) {
      const sensor = s.forecast.sensor;
      if (!anyThresholds) {
        for (const peer of subs.subscribers(sensor)) peer.sendForecast(sensor, s.json);
        continue;
      }
      // Peers without thresholds share the frame; the others get one variant per threshold set, built once.
      let variants: Map<string, string> | undefined;
      for (const peer of subs.subscribers(sensor)) {
        const t = subs.thresholds(peer, sensor);
        if (t === undefined) {
          peer.sendForecast(sensor, s.json);
          continue;
        }
        variants ??= new Map();
        let json = variants.get(t.key);
        if (json === undefined) variants.set(t.key, (json = forecastJsonWithBelow(s.json, s.forecast.points, t.values)));
        peer.sendForecast(sensor, json);
      }
    }
    this.issued.record(batch);
  }
}

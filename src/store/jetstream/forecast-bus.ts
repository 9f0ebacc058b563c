// The forecast bus across nodes (src/ports/forecast-bus.ts): each batch goes out once, whole, on one core NATS
// subject for delivery, and each forecast also to a per-sensor subject of a stream that keeps only the latest.
//
// Why two paths: the port delivers batches (a subscriber gets each batch's forecasts grouped, in publish order),
// while catch-up and HTTP on any node want "the latest forecast of sensor s". One message per batch keeps the
// grouping and the order for free (NATS keeps one publisher's order per subscription); a stream with
// `max_msgs_per_subject: 1` on `wx.forecasts.<sensor>` answers "latest" with one last-by-subject read and stays as
// small as the number of sensors. Delivery does not go through JetStream: a subscriber that was away resubscribes
// and catches up from the latest stream, so a replayable log of batches would buy nothing.
//
// `publish` stays synchronous: the batch message is buffered by the client, the latest-per-sensor writes are
// queued and acked in the background. A write that is never acked (no quorum, lost connection) leaves that
// sensor's stored latest one step old: forecasts are derived data, re-issued at the next step, so it is counted
// and reported by `flush()`, never retried.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { SensorForecast } from '../../forecaster.js';
import type { SerializedBatch, SerializedForecast } from '../../pipeline/serialize-batch.js';
import type { ForecastBus, Unsubscribe } from '../../ports/forecast-bus.js';
import { JetStreamStoreError } from './errors.js';
import { retryTimeouts } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';
import { subjectToken } from './subjects.js';

export interface JetStreamForecastBusOptions {
  nc: NatsConnection;
  /** Core NATS subject every batch is published on, whole. Must not fall under `latestPrefix`. */
  batchSubject: string;
  /** The latest stream: one subject per sensor, `${latestPrefix}.<sensor token>`. */
  stream: string;
  latestPrefix: string;
  /** Copies of the latest stream; default min(3, servers). */
  replicas?: number;
  /** Latest-per-sensor writes waiting for their ack at most; past it a write is dropped (and counted). */
  maxPendingLatest: number;
  /** Bound on creating the stream at open, ms. */
  readyTimeoutMs: number;
}

const defaults = {
  batchSubject: 'wx.forecast-batches',
  stream: 'WX_FORECASTS',
  latestPrefix: 'wx.forecasts',
  maxPendingLatest: 10_000,
  readyTimeoutMs: 10_000,
};

interface BatchMessage {
  modelVersion: number;
  issuedAt: number;
  serialized: SerializedForecast[];
}

interface Listener {
  sensors: ReadonlySet<string> | undefined;
  deliver(batch: SerializedBatch): void;
}

export class JetStreamForecastBus implements ForecastBus {
  private readonly listeners = new Set<Listener>();
  private sub: Subscription | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private latestError: unknown;
  /** Latest-per-sensor writes not stored (not acked, or dropped over `maxPendingLatest`). */
  lostLatest = 0;
  /** Batches not sent at all (the connection was closed). */
  lostBatches = 0;
  /** Batch messages received that could not be decoded (another version's format): skipped. */
  undecodable = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: typeof defaults,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  /** Open the latest stream (creating it when missing; an existing one keeps its configuration). */
  static async open(
    options: Partial<JetStreamForecastBusOptions> & { nc: NatsConnection; onListenerError?: (err: unknown) => void },
  ): Promise<JetStreamForecastBus> {
    const { nc, replicas: r, onListenerError, ...rest } = options;
    const opts = { ...defaults, ...rest };
    if (!Number.isInteger(opts.maxPendingLatest) || opts.maxPendingLatest < 1)
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "maxPendingLatest" must be a positive integer, got ${opts.maxPendingLatest}`);
    if (opts.batchSubject === opts.latestPrefix || opts.batchSubject.startsWith(`${opts.latestPrefix}.`))
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "batchSubject" (${opts.batchSubject}) must not fall under "latestPrefix" (${opts.latestPrefix}): the stream would store every batch`);
    const replicas = checkReplicas(r ?? defaultReplicas(nc));
    // Short lookups: a stream just created answers nothing until it has a leader, and a lost lookup is retried.
    const quick = await jetstreamManager(nc, { timeout: 500 });
    await retryTimeouts(
      async () => {
        const info = await quick.streams.info(opts.stream).catch((err: unknown) => {
          if ((err as Error).message === 'stream not found') return undefined;
          throw err;
        });
        if (info === undefined)
          await quick.streams.add({ name: opts.stream, subjects: [`${opts.latestPrefix}.>`], max_msgs_per_subject: 1, num_replicas: replicas, allow_direct: false });
        // A new stream stores nothing until it has a leader (the meta leader answers the lookup before that, with
        // no leader named, and publishes get "no responders"): wait for one with short lookups.
        const placed = await quick.streams.info(opts.stream);
        if (placed.cluster !== undefined && placed.cluster.leader === undefined)
          throw Object.assign(new Error(`stream "${opts.stream}" has no leader yet`), { name: 'TimeoutError' });
      },
      `open stream "${opts.stream}"`,
      opts.readyTimeoutMs,
    );
    return new JetStreamForecastBus(nc, jetstream(nc), await jetstreamManager(nc), opts, onListenerError ?? defaultListenerError);
  }

  publish(batch: SerializedBatch): void {
    const msg: BatchMessage = { modelVersion: batch.modelVersion, issuedAt: batch.issuedAt, serialized: batch.serialized };
    try {
      this.nc.publish(this.opts.batchSubject, JSON.stringify(msg));
    } catch (err) {
      // A closed connection (shutdown) throws here: the caller's tick must not fail for derived data.
      this.lostBatches++;
      this.latestError ??= new JetStreamStoreError('WX_JS_NOT_ACKED', `a forecast batch was not sent: ${(err as Error).message}`, { cause: err });
      return;
    }
    for (const s of batch.serialized) this.writeLatest(s);
  }

  subscribe(sensors: '*' | Iterable<string>, deliver: (batch: SerializedBatch) => void): Unsubscribe {
    const l: Listener = { sensors: sensors === '*' ? undefined : new Set(sensors), deliver };
    this.listeners.add(l);
    // One NATS subscription per bus, whatever the number of listeners; the filter is applied here, per listener.
    this.sub ??= this.nc.subscribe(this.opts.batchSubject, {
      callback: (err, m) => {
        if (err === null) this.received(m.string());
      },
    });
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) {
        this.sub?.unsubscribe();
        this.sub = undefined;
      }
    };
  }

  /** The latest forecast the cluster stored for `sensor` (from any node's publish), or undefined. */
  async latest(sensor: string): Promise<SerializedForecast | undefined> {
    const m = await this.jsm.streams.getMessage(this.opts.stream, { last_by_subj: this.latestSubject(sensor) }).catch((err: unknown) => {
      if ((err as { code?: number; api_error?: { err_code?: number } }).api_error?.err_code === 10037 || /no message found/i.test((err as Error).message)) return null;
      throw err;
    });
    return m === null ? undefined : m.json<SerializedForecast>();
  }

  /**
   * Resolves when the batches published so far left this client and every latest write was answered; rejects
   * (WX_JS_NOT_ACKED) when one was not stored since the last flush.
   */
  async flush(): Promise<void> {
    await this.nc.flush().catch((err: unknown) => {
      this.latestError ??= new JetStreamStoreError('WX_JS_NOT_ACKED', `forecast batches may not have been sent: ${(err as Error).message}`, { cause: err });
    });
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    const err = this.latestError;
    this.latestError = undefined;
    if (err !== undefined) throw err;
  }

  /** Stop receiving; the connection stays the caller's. */
  close(): void {
    this.listeners.clear();
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  private latestSubject(sensor: string): string {
    return `${this.opts.latestPrefix}.${subjectToken(sensor)}`;
  }

  private writeLatest(s: SerializedForecast): void {
    const subject = this.latestSubject(s.forecast.sensor);
    if (this.inFlight.size >= this.opts.maxPendingLatest) {
      this.lost(new JetStreamStoreError('WX_JS_NOT_ACKED', `latest forecast of ${s.forecast.sensor} dropped: ${this.opts.maxPendingLatest} writes await their ack`));
      return;
    }
    const p: Promise<void> = this.publishLatest(subject, JSON.stringify(s))
      .then(
        () => undefined,
        (err: unknown) => this.lost(new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store the latest forecast of ${s.forecast.sensor}: ${(err as Error).message}`, { cause: err })),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /**
   * A stream that just got its leader can still answer "no responders" on another server for a moment (its
   * interest travels the routes after the leader answered the lookup, seen on 2.9): a few retries, each one round
   * trip to the server later.
   */
  private async publishLatest(subject: string, payload: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.js.publish(subject, payload);
        return;
      } catch (err) {
        if (attempt >= 5 || !/no responders/i.test(String((err as Error).cause ?? '') + (err as Error).message)) throw err;
        await this.nc.flush();
      }
    }
  }

  private lost(err: JetStreamStoreError): void {
    this.lostLatest++;
    this.latestError ??= err;
  }

  private received(text: string): void {
    let msg: BatchMessage;
    try {
      msg = JSON.parse(text) as BatchMessage;
      if (!Array.isArray(msg.serialized)) throw new TypeError('no serialized forecasts');
    } catch {
      this.undecodable++;
      return;
    }
    const whole = toBatch(msg.serialized, msg);
    for (const l of this.listeners) {
      const part = l.sensors === undefined ? whole : toBatch(whole.serialized.filter((s) => l.sensors!.has(s.forecast.sensor)), msg);
      if (part.serialized.length === 0) continue;
      try {
        l.deliver(part);
      } catch (err) {
        // One subscriber's bug must not stop the others, nor the subscription.
        this.onListenerError(err);
      }
    }
  }
}

function toBatch(serialized: SerializedForecast[], msg: BatchMessage): SerializedBatch {
  const forecasts: SensorForecast[] = serialized.map((s) => s.forecast);
  return { forecasts, modelVersion: msg.modelVersion, issuedAt: msg.issuedAt, serialized };
}

function defaultListenerError(err: unknown): void {
  console.error('a forecast bus subscriber failed', err);
}

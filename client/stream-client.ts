// The client returned by `connect()`: pushes with at-least-once delivery, forecast subscriptions that
// survive reconnects, and the HTTP reads, all over one reconnecting connection.
import { Observable, Subject, filter, timer, type Subscription } from 'rxjs';
import { ErrorCode, SENSOR_ID, type AckMessage, type ReadingInput, type ServerMessage } from '../src/protocol/index.js';
import { backoffDelay } from './backoff.js';
import { Connection, type ConnectionState } from './connection.js';
import { ClientError } from './errors.js';
import { toForecast, type Forecast } from './forecast.js';
import type { HttpApi } from './http.js';
import type { ResolvedOptions } from './options.js';
import { Outbox, type PendingFrame } from './outbox.js';
import { Subscriptions, selects, type SensorSelection } from './subscriptions.js';
import { checkThresholds, type ThresholdOptions } from './thresholds.js';

/** What the server said about one `push()`; `rejected[].index` points into the array given to push. */
export interface Ack {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
}

// Errors that mean "not now": the frame stays buffered and is sent again after a delay.
const RETRYABLE = new Set<string>([ErrorCode.Unavailable, ErrorCode.RateLimited, ErrorCode.StorageError]);

export class StreamClient {
  private readonly outbox = new Outbox();
  private readonly subscriptions = new Subscriptions();
  private readonly forecast$ = new Subject<Forecast>();
  private readonly subscriberErrors = new Map<string, (error: ClientError) => void>();
  private readonly wiring: Subscription[] = [];
  private seq = 0;
  private closedWith: ClientError | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly http: HttpApi,
    private readonly options: ResolvedOptions,
  ) {
    this.wiring.push(
      connection.opened$.subscribe(() => this.resend()),
      connection.state$.pipe(filter((s) => s === 'reconnecting')).subscribe(() => this.outbox.markAllUnsent()),
      connection.messages$.subscribe((m) => this.receive(m)),
      // Retrying with the same token cannot succeed.
      connection.unauthorized$.subscribe((why) => void this.shutdown(new ClientError('unauthorized', `server refused the token: ${why}`))),
    );
  }

  /** 'connecting' | 'open' | 'reconnecting' | 'closed', replaying the current one. */
  get state$(): Observable<ConnectionState> {
    return this.connection.state$.asObservable();
  }

  /** Errors that belong to no push or subscription: malformed server messages, unsolicited server errors. */
  get errors$(): Observable<ClientError> {
    return this.connection.errors$.asObservable();
  }

  /** Reconnect delays actually waited, in ms. */
  get reconnectDelays$(): Observable<number> {
    return this.connection.delays$.asObservable();
  }

  /** Why the client stopped (`closed`, `unauthorized`), or undefined while it runs. */
  get closeReason(): ClientError | undefined {
    return this.closedWith;
  }

  /** Readings pushed and not yet acknowledged. */
  get buffered(): number {
    return this.outbox.size;
  }

  /**
   * Send readings; resolves when the server has committed (or deduplicated, or rejected) every one.
   * Readings are buffered until acked and re-sent after a reconnect, so one may be stored twice on the
   * wire, never lost; the server deduplicates on (sensor, ts).
   *
   * @example
   *   const ack = await client.push([{ sensor: 'st-1', ts: '2016-03-01T00:00:00Z', temp: -1.2 }]);
   * @throws ClientError `buffer_overflow` (nothing buffered), `timeout`, `closed`, `server_error`
   */
  push(readings: readonly ReadingInput[]): Promise<Ack> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (readings.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, rejected: [] });
    if (this.outbox.size + readings.length > this.options.maxBuffered) {
      return Promise.reject(
        new ClientError(
          'buffer_overflow',
          `push of ${readings.length} readings would exceed maxBuffered (${this.options.maxBuffered}); ` +
            `${this.outbox.size} are still waiting for an ack`,
        ),
      );
    }
    const size = this.options.maxFrameReadings;
    const parts: Promise<Ack>[] = [];
    for (let offset = 0; offset < readings.length; offset += size) {
      const chunk = readings.slice(offset, offset + size);
      parts.push(this.pushFrame(chunk).then((ack) => shift(ack, offset)));
    }
    return Promise.all(parts).then(mergeAcks);
  }

  /**
   * Forecasts for some sensors, or all with '*', as they are issued. Cold: the server subscription is
   * made on subscribe and dropped on unsubscribe; restored after every reconnect. Completes on close().
   * With `thresholds`, every point carries `below` (P(temperature <= t) per threshold). The server keeps one
   * threshold set per sensor and connection: observers of the same sensor on one client share the latest one.
   *
   * @example
   *   client.forecasts(['st-1'], { thresholds: [0] }).subscribe((f) => console.log(f.points[0].below?.['0']));
   */
  forecasts(sensors: readonly string[] | '*', options: ThresholdOptions = {}): Observable<Forecast> {
    const selection = checkSelection(sensors);
    const thresholds = checkThresholds(options.thresholds);
    return new Observable<Forecast>((subscriber) => {
      if (this.closedWith) {
        subscriber.complete();
        return;
      }
      const id = `s${++this.seq}`;
      this.subscriptions.add(id, selection, thresholds);
      this.subscriberErrors.set(id, (error) => subscriber.error(error));
      const inner = this.forecast$.pipe(filter((f) => selects(selection, f.sensor))).subscribe(subscriber);
      this.connection.send(subscribeFrame(id, selection, thresholds));
      return () => {
        inner.unsubscribe();
        this.subscriberErrors.delete(id);
        const gone = this.subscriptions.remove(id);
        if (gone !== undefined && !this.closedWith) {
          this.connection.send({ type: 'unsubscribe', id: `u${++this.seq}`, sensors: gone });
        }
      };
    });
  }

  latest(sensor: string, options: ThresholdOptions = {}): Promise<Forecast | undefined> {
    return this.http.latest(sensor, options);
  }

  get api(): HttpApi {
    return this.http;
  }

  /** Drops the current socket as a network failure would (tests, diagnostics); reconnect follows. */
  dropConnection(): void {
    this.connection.drop();
  }

  /** Stops reconnecting, rejects pending pushes with `closed`, completes every forecasts() observable. */
  close(): Promise<void> {
    return this.shutdown(new ClientError('closed', 'client closed'));
  }

  private shutdown(reason: ClientError): Promise<void> {
    if (this.closedWith) return Promise.resolve();
    this.closedWith = reason;
    for (const w of this.wiring) w.unsubscribe();
    this.outbox.rejectAll(reason);
    this.forecast$.complete();
    return this.connection.close();
  }

  private pushFrame(readings: readonly ReadingInput[]): Promise<AckMessage> {
    return new Promise<AckMessage>((resolve, reject) => {
      const frame: PendingFrame = { id: `p${++this.seq}`, readings, sent: false, retries: 0, resolve, reject, timers: [] };
      this.outbox.add(frame);
      if (Number.isFinite(this.options.ackTimeoutMs)) {
        frame.timers.push(
          timer(this.options.ackTimeoutMs, this.options.scheduler).subscribe(() => {
            this.outbox.take(frame.id)?.reject(
              new ClientError('timeout', `no ack within ${this.options.ackTimeoutMs} ms; the readings may still have been stored`),
            );
          }),
        );
      }
      this.sendFrame(frame);
    });
  }

  private sendFrame(frame: PendingFrame): void {
    frame.sent = this.connection.send({ type: 'push', id: frame.id, readings: frame.readings });
  }

  // After every open: subscriptions first, so that forecasts caused by the re-sent readings are seen.
  private resend(): void {
    for (const [id, sensors] of this.subscriptions.all()) {
      this.connection.send(subscribeFrame(id, sensors, this.subscriptions.thresholds(id)));
    }
    for (const frame of this.outbox.all()) if (!frame.sent) this.sendFrame(frame);
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'forecast':
        this.forecast$.next(toForecast(message));
        return;
      case 'ack': {
        const frame = message.id !== undefined ? this.outbox.take(message.id) : this.takeOldestSent();
        frame?.resolve(message);
        return;
      }
      case 'error':
        this.receiveError(message.code, message.message, message.id);
        return;
      case 'subscribed':
      case 'unsubscribed':
        return;
    }
  }

  private takeOldestSent(): PendingFrame | undefined {
    const oldest = this.outbox.oldestSent();
    return oldest && this.outbox.take(oldest.id);
  }

  private receiveError(code: string, message: string, id: string | undefined): void {
    const error = new ClientError('server_error', `server: ${message} (${code})`, { serverCode: code });
    const frame = id === undefined ? undefined : this.outbox.get(id);
    if (frame && RETRYABLE.has(code)) {
      frame.sent = false;
      const delay = backoffDelay(frame.retries++, this.options);
      // A reconnect in the meantime may have re-sent it already.
      frame.timers.push(timer(delay, this.options.scheduler).subscribe(() => this.outbox.get(frame.id) && !frame.sent && this.sendFrame(frame)));
      return;
    }
    if (frame) {
      this.outbox.take(frame.id)?.reject(error);
      return;
    }
    const failSubscriber = id === undefined ? undefined : this.subscriberErrors.get(id);
    if (failSubscriber) {
      failSubscriber(error);
      return;
    }
    if (code === ErrorCode.Unauthorized) {
      // Retrying with the same token cannot succeed.
      void this.shutdown(new ClientError('unauthorized', `server: ${message}`, { serverCode: code }));
      return;
    }
    this.connection.errors$.next(error);
  }
}

function subscribeFrame(id: string, sensors: SensorSelection, thresholds: readonly number[]) {
  return { type: 'subscribe' as const, id, sensors, ...(thresholds.length > 0 ? { thresholds: [...thresholds] } : {}) };
}

function checkSelection(sensors: readonly string[] | '*'): SensorSelection {
  if (sensors === '*') return '*';
  if (!Array.isArray(sensors) || sensors.length === 0) {
    throw new TypeError("sensors must be '*' or a non-empty array of sensor ids");
  }
  for (const s of sensors) {
    if (typeof s !== 'string' || !SENSOR_ID.test(s)) throw new TypeError(`invalid sensor id ${JSON.stringify(s)}`);
  }
  return [...new Set(sensors)];
}

function shift(ack: AckMessage, offset: number): Ack {
  return {
    accepted: ack.accepted,
    duplicates: ack.duplicates,
    rejected: ack.rejected.map((r) => ({ index: r.index + offset, code: r.code, message: r.message })),
  };
}

function mergeAcks(acks: Ack[]): Ack {
  return {
    accepted: acks.reduce((n, a) => n + a.accepted, 0),
    duplicates: acks.reduce((n, a) => n + a.duplicates, 0),
    rejected: acks.flatMap((a) => a.rejected),
  };
}

// Per-connection send queue: control messages in order (bounded), forecasts coalesced to the newest per sensor,
// written only while the socket's bufferedAmount is under a high-water mark, so a slow reader never stalls others.
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/** The part of a WebSocket the outbox needs (ws's WebSocket satisfies it). */
export interface OutboxSink {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
}

export interface OutboxOptions {
  highWaterBytes: number;
  maxQueuedForecasts: number;
  maxQueuedControl: number;
  /** A forecast was replaced by a newer one, or dropped as the oldest of a full queue. */
  onCoalesced?: () => void;
  onForecastSent?: () => void;
  /** The control queue overflowed: the peer does not read its acks; the caller closes the connection. */
  onOverflow?: () => void;
  /** Where the look-again retry runs (tests: virtual time); default asyncScheduler. */
  scheduler?: SchedulerLike;
}

const OPEN = 1;
// Nothing of ours in flight yet the socket is above high water (e.g. a ping is stuck): look again shortly.
const RETRY_MS = 25;

export class Outbox {
  private readonly control: string[] = [];
  private readonly forecasts = new Map<string, string>();
  private inflight = 0;
  private retry: Subscription | undefined;
  private closed = false;

  constructor(
    private readonly sink: OutboxSink,
    private readonly o: OutboxOptions,
  ) {}

  get queued(): { control: number; forecasts: number } {
    return { control: this.control.length, forecasts: this.forecasts.size };
  }

  /** Queue an ack, error or other control message; returns false when the queue overflowed. */
  sendControl(json: string): boolean {
    if (this.closed) return false;
    if (this.control.length >= this.o.maxQueuedControl) {
      this.o.onOverflow?.();
      return false;
    }
    this.control.push(json);
    this.flush();
    return true;
  }

  /** Queue a forecast; an older queued forecast of the same sensor is replaced (only the newest matters). */
  sendForecast(sensor: string, json: string): void {
    if (this.closed) return;
    if (this.forecasts.delete(sensor)) this.o.onCoalesced?.();
    this.forecasts.set(sensor, json);
    if (this.forecasts.size > this.o.maxQueuedForecasts) {
      const oldest = this.forecasts.keys().next().value as string;
      this.forecasts.delete(oldest);
      this.o.onCoalesced?.();
    }
    this.flush();
  }

  flush(): void {
    while (!this.closed && this.sink.readyState === OPEN && this.sink.bufferedAmount < this.o.highWaterBytes) {
      let data = this.control.shift();
      let isForecast = false;
      if (data === undefined) {
        const next = this.forecasts.entries().next();
        if (next.done) return;
        this.forecasts.delete(next.value[0]);
        data = next.value[1];
        isForecast = true;
      }
      this.inflight += 1;
      this.sink.send(data, () => {
        this.inflight -= 1;
        this.flush();
      });
      if (isForecast) this.o.onForecastSent?.();
    }
    if (!this.closed && this.inflight === 0 && this.retry === undefined && this.hasQueued()) {
      this.retry = (this.o.scheduler ?? asyncScheduler).schedule(() => {
        this.retry = undefined;
        this.flush();
      }, RETRY_MS);
    }
  }

  private hasQueued(): boolean {
    return this.control.length > 0 || this.forecasts.size > 0;
  }

  close(): void {
    this.closed = true;
    this.control.length = 0;
    this.forecasts.clear();
    this.retry?.unsubscribe();
    this.retry = undefined;
  }
}

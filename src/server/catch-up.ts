// A new subscriber's latest forecasts: cached ones at once, stale ones (sensors stepped since their last decode)
// decoded in chunks, one per scheduler task: a "*" over 5,000 stale sensors was one 7.5 s decode blocking the loop.
// A forecast the pipeline issues meanwhile reaches the peer anyway, and the chunk then sends that same latest frame.
// A peer that asked thresholds gets each frame with `below` (one peer: nothing to share).
import { Subscription, type SchedulerLike } from 'rxjs';
import type { Logger } from '../log.js';
import { DEFAULT_DECODE_BATCH } from '../pipeline/decode-forecasts.js';
import type { SerializedForecast } from '../pipeline/serialize-batch.js';
import { forecastJsonWithBelow } from '../protocol/index.js';
import type { IssuedForecasts } from './issued-forecasts.js';
import type { Peer } from './peer.js';
import type { Subscriptions } from './subscriptions.js';

export interface CatchUpOptions {
  issued: IssuedForecasts;
  subscriptions: Subscriptions<Peer>;
  scheduler: SchedulerLike;
  log: Logger;
}

export class CatchUp {
  /** Subscribers still being sent the latest forecasts of stale sensors, chunk by chunk. */
  private readonly pending = new Map<Peer, Subscription>();

  constructor(private readonly o: CatchUpOptions) {}

  send(peer: Peer, sensors: readonly string[]): void {
    const { issued, subscriptions, scheduler } = this.o;
    const stale = issued.stale(sensors);
    const later = new Set(stale);
    const send = (l: SerializedForecast): void => {
      const t = subscriptions.thresholds(peer, l.forecast.sensor);
      peer.sendForecast(l.forecast.sensor, t === undefined ? l.json : forecastJsonWithBelow(l.json, l.forecast.points, t.values));
    };
    for (const l of issued.get(sensors.filter((s) => !later.has(s)))) send(l);
    if (stale.length === 0) return;
    let tasks = this.pending.get(peer);
    if (tasks === undefined) this.pending.set(peer, (tasks = new Subscription()));
    const all = tasks;
    const step = (from: number): void => {
      const chunk = stale.slice(from, from + DEFAULT_DECODE_BATCH).filter((s) => subscriptions.wants(peer, s));
      try {
        for (const l of issued.get(chunk)) send(l);
      } catch (err) {
        this.o.log.error({ err }, 'decoding latest forecasts for a new subscriber failed');
        return;
      }
      if (from + DEFAULT_DECODE_BATCH < stale.length) {
        const next = scheduler.schedule(() => {
          all.remove(next);
          step(from + DEFAULT_DECODE_BATCH);
        });
        all.add(next);
      }
    };
    step(0);
  }

  /** A peer went away: its remaining chunks are dropped. */
  cancel(peer: Peer): void {
    this.pending.get(peer)?.unsubscribe();
    this.pending.delete(peer);
  }
}

import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { Outbox, type OutboxSink } from '../../src/server/outbox.js';

/** A socket whose peer reads only when told to: writes pile up in bufferedAmount until drained. */
class SlowSink implements OutboxSink {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  private pending: Array<() => void> = [];
  send(data: string, cb?: (err?: Error) => void): void {
    this.sent.push(data);
    this.bufferedAmount += data.length;
    this.pending.push(() => {
      this.bufferedAmount -= data.length;
      cb?.();
    });
  }
  drain(): void {
    const p = this.pending;
    this.pending = [];
    for (const f of p) f();
  }
}

const options = { highWaterBytes: 10, maxQueuedForecasts: 3, maxQueuedControl: 2 };

describe('Outbox', () => {
  it('stops writing at the high-water mark and resumes when the socket drains', () => {
    const sink = new SlowSink();
    const box = new Outbox(sink, options);
    box.sendControl('ack-1-long');
    box.sendControl('ack-2');
    expect(sink.sent).toEqual(['ack-1-long']);
    sink.drain();
    expect(sink.sent).toEqual(['ack-1-long', 'ack-2']);
  });

  it('keeps only the newest forecast per sensor and bounds the queue', () => {
    const sink = new SlowSink();
    let coalesced = 0;
    const box = new Outbox(sink, { ...options, onCoalesced: () => coalesced++ });
    box.sendControl('0123456789'); // fills the socket
    for (let h = 0; h < 5; h++) box.sendForecast('a', `a${h}`);
    box.sendForecast('b', 'b0');
    box.sendForecast('c', 'c0');
    box.sendForecast('d', 'd0'); // over 3 queued: the oldest sensor's forecast goes
    expect(box.queued).toEqual({ control: 0, forecasts: 3 });
    expect(coalesced).toBe(5);
    sink.drain();
    sink.drain();
    sink.drain();
    sink.drain();
    expect(sink.sent).toEqual(['0123456789', 'b0', 'c0', 'd0']);
  });

  it('with the default limits, a "*" subscriber above high water gets every sensor of a 10,000-sensor round', () => {
    const sink = new SlowSink();
    let coalesced = 0;
    const { highWaterBytes, maxQueuedForecasts, maxQueuedControl } = DEFAULTS;
    const box = new Outbox(sink, { highWaterBytes, maxQueuedForecasts, maxQueuedControl, onCoalesced: () => coalesced++ });
    const frame = 'x'.repeat(2300); // a 24-point forecast frame
    for (let i = 0; i < 10_000; i++) box.sendForecast(`st-${i}`, frame);
    while (box.queued.forecasts > 0) sink.drain();
    sink.drain();
    expect(sink.sent).toHaveLength(10_000);
    expect(coalesced).toBe(0);
  });

  it('sends control messages before queued forecasts and reports a control overflow', () => {
    const sink = new SlowSink();
    let overflow = 0;
    const box = new Outbox(sink, { ...options, onOverflow: () => overflow++ });
    box.sendControl('0123456789');
    box.sendForecast('a', 'fa');
    expect(box.sendControl('ack')).toBe(true);
    expect(box.sendControl('ack2')).toBe(true);
    expect(box.sendControl('ack3')).toBe(false);
    expect(overflow).toBe(1);
    sink.drain();
    sink.drain();
    sink.drain();
    expect(sink.sent).toEqual(['0123456789', 'ack', 'ack2', 'fa']);
  });

  it('looks again after 25 ms on its scheduler when the socket is above high water with nothing of its own in flight', () => {
    const scheduler = new VirtualTimeScheduler();
    const sink = new SlowSink();
    sink.bufferedAmount = 100; // e.g. a ping stuck in the socket: no send callback of ours will wake the outbox
    const box = new Outbox(sink, { ...options, scheduler });
    box.sendControl('ack');
    expect(sink.sent).toEqual([]);
    sink.bufferedAmount = 0;
    scheduler.maxFrames = 24;
    scheduler.flush();
    expect(sink.sent).toEqual([]);
    scheduler.maxFrames = 25;
    scheduler.flush();
    expect(sink.sent).toEqual(['ack']);
  });

  it('cancels its retry when closed', () => {
    const scheduler = new VirtualTimeScheduler();
    const sink = new SlowSink();
    sink.bufferedAmount = 100;
    const box = new Outbox(sink, { ...options, scheduler });
    box.sendControl('ack');
    expect(scheduler.actions).toHaveLength(1);
    box.close();
    expect(scheduler.actions).toHaveLength(0);
  });

  it('sends nothing once closed', () => {
    const sink = new SlowSink();
    const box = new Outbox(sink, options);
    box.close();
    box.sendControl('x');
    box.sendForecast('a', 'y');
    expect(sink.sent).toEqual([]);
  });
});

// Push frames not yet acknowledged, in send order, bounded by the number of readings they hold.
// A frame leaves only on its ack, its timeout, a fatal server error or close: that is what makes
// delivery at-least-once across reconnects.
import type { Subscription } from 'rxjs';
import type { AckMessage, ReadingInput } from '../src/protocol/index.js';
import type { ClientError } from './errors.js';

export interface PendingFrame {
  id: string;
  readings: readonly ReadingInput[];
  /** Written to the current socket; false after a reconnect or a retryable error until sent again. */
  sent: boolean;
  /** Retryable server errors met so far, for the retry delay. */
  retries: number;
  resolve(ack: AckMessage): void;
  reject(error: ClientError): void;
  /** Ack timeout and retry timers, released when the frame leaves. */
  timers: Subscription[];
}

export class Outbox {
  private readonly frames = new Map<string, PendingFrame>();
  private readingCount = 0;

  /** Readings held, sent or not. */
  get size(): number {
    return this.readingCount;
  }

  add(frame: PendingFrame): void {
    this.frames.set(frame.id, frame);
    this.readingCount += frame.readings.length;
  }

  get(id: string): PendingFrame | undefined {
    return this.frames.get(id);
  }

  /** Removes a frame and releases its timers. */
  take(id: string): PendingFrame | undefined {
    const frame = this.frames.get(id);
    if (!frame) return undefined;
    this.frames.delete(id);
    this.readingCount -= frame.readings.length;
    for (const t of frame.timers) t.unsubscribe();
    return frame;
  }

  /** Oldest frame already written to the socket; acks without an id answer it (frames are handled in order). */
  oldestSent(): PendingFrame | undefined {
    for (const frame of this.frames.values()) if (frame.sent) return frame;
    return undefined;
  }

  /** Frames in the order they were pushed (Map keeps insertion order). */
  all(): PendingFrame[] {
    return [...this.frames.values()];
  }

  markAllUnsent(): void {
    for (const frame of this.frames.values()) frame.sent = false;
  }

  rejectAll(error: ClientError): void {
    for (const id of [...this.frames.keys()]) this.take(id)?.reject(error);
  }
}

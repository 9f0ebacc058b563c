// Adapts one `ws` WebSocket to the service's Peer: frames go through a bounded Outbox that watches bufferedAmount.
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../protocol/index.js';
import type { Grant } from './auth.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { RateLimiter } from './rate-limiter.js';
import { CloseCode, type Peer } from './peer.js';

let nextId = 1;

export class WsPeer implements Peer {
  readonly id = nextId++;
  readonly outbox: Outbox;
  alive = true;
  readonly grant: Grant;
  private readonly limiter: RateLimiter;

  constructor(
    readonly ws: WebSocket,
    options: Omit<OutboxOptions, 'onOverflow'> & { grant: Grant; maxFramesPerSecond: number },
  ) {
    this.grant = options.grant;
    this.limiter = new RateLimiter({ rate: options.maxFramesPerSecond, burst: options.maxFramesPerSecond });
    this.outbox = new Outbox(ws, {
      ...options,
      onOverflow: () => this.close(CloseCode.TryAgainLater, 'too many unread acks; read your socket'),
    });
  }

  admitFrame(): boolean {
    return this.limiter.take();
  }

  sendControl(msg: ServerMessage): void {
    this.outbox.sendControl(JSON.stringify(msg));
  }

  sendForecast(sensor: string, json: string): void {
    this.outbox.sendForecast(sensor, json);
  }

  close(code: number, reason: string): void {
    this.outbox.close();
    this.ws.close(code, reason);
  }
}

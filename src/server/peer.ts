// What the service needs of a connected client: queue a control message or a forecast, or close it. The WebSocket
// adapter implements it; tests and other transports (a broker bridge) can too.
import type { ServerMessage } from '../protocol/index.js';
import type { Grant } from './auth.js';

export interface Peer {
  readonly id: number;
  /** What the peer's token allows; absent means everything (open server, in-process peers). */
  readonly grant?: Grant;
  /** Take one frame from the peer's rate budget; false when it sends too fast. Absent: unlimited. */
  admitFrame?(): boolean;
  sendControl(msg: ServerMessage): void;
  /** Queue a serialized forecast frame; a slow peer keeps only the newest per sensor. */
  sendForecast(sensor: string, json: string): void;
  close(code: number, reason: string): void;
}

/** WebSocket close codes the service uses. */
export const CloseCode = {
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  TryAgainLater: 1013,
} as const;

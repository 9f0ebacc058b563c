// The WebSocket transport of the stream endpoint: HTTP upgrade, token check, per-address connection limits, one
// WsPeer per socket, heartbeats, token revocation, and closing every socket at shutdown. The core sees only peers.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import { ErrorCode, STREAM_PATH, type ErrorMessage } from '../protocol/index.js';
import type { TokenStore } from '../store/index.js';
import { authenticate, type Grant } from './auth.js';
import { ConnectionCounter } from './connection-counter.js';
import type { ServiceMetrics } from './metrics.js';
import { CloseCode, type Peer } from './peer.js';
import { WsPeer } from './ws-peer.js';

/** What the transport needs of the service behind it (ForecastService offers it). */
export interface TransportCore {
  /** One text frame of a peer. */
  receive(peer: Peer, text: string): void;
  /** A protocol error found by the transport (binary or oversized frame); `send` false when it cannot be answered. */
  reject(peer: Peer, msg: ErrorMessage, send?: boolean): void;
  /** The peer's socket closed: release its subscriptions. */
  disconnect(peer: Peer): void;
  readonly metrics: Pick<ServiceMetrics, 'protocolErrors' | 'connections' | 'forecastsCoalesced' | 'forecastsSent'>;
}

export type TransportConfig = Pick<
  ServeConfig,
  | 'maxPayloadBytes'
  | 'maxConnectionsPerIp'
  | 'maxFramesPerSecond'
  | 'highWaterBytes'
  | 'maxQueuedForecasts'
  | 'maxQueuedControl'
  | 'heartbeatSeconds'
>;

export interface WsTransportOptions {
  core: TransportCore;
  /** Checked at every upgrade and every heartbeat (tokens added or revoked by another process take effect). */
  tokens: TokenStore;
  config: TransportConfig;
  log: Logger;
  /** Clock of the heartbeats and of each outbox's send retries (the server's); default asyncScheduler. */
  scheduler?: SchedulerLike;
}

/** How long a peer told to go away at shutdown may take to close before it is cut off. */
const CLOSE_WAIT_MS = 2_000;

/**
 * @example
 *   const transport = new WsTransport({ core: service, tokens: store.tokens, config, log });
 *   httpServer.on('upgrade', transport.upgrade);
 *   // at shutdown
 *   transport.stop();
 *   await transport.closeSockets();
 */
export class WsTransport {
  private readonly peers = new Set<WsPeer>();
  private readonly perAddress: ConnectionCounter;
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Subscription;
  private stopped = false;

  constructor(private readonly o: WsTransportOptions) {
    this.perAddress = new ConnectionCounter(o.config.maxConnectionsPerIp);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.config.maxPayloadBytes, perMessageDeflate: false });
    const period = o.config.heartbeatSeconds * 1000;
    const transport = this;
    this.heartbeat = (o.scheduler ?? asyncScheduler).schedule(function () {
      transport.beat();
      this.schedule(undefined, period);
    }, period);
  }

  /** Open connections. */
  get connections(): number {
    return this.peers.size;
  }

  /** Shutdown has begun: upgrades are refused (503). */
  get stopping(): boolean {
    return this.stopped;
  }

  /** The HTTP server's 'upgrade' listener. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { core, log } = this.o;
    // A peer that resets while we answer must not raise an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== STREAM_PATH || this.stopped) {
      socket.end(this.stopped ? 'HTTP/1.1 503 Service Unavailable\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    let auth;
    try {
      auth = authenticate(req, this.o.tokens);
    } catch (err) {
      log.error({ err }, 'token check failed');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!auth.ok) {
      // Before any frame: the client learns it from the status, and the SDK stops retrying on 401.
      core.metrics.protocolErrors.inc({ code: ErrorCode.Unauthorized });
      const body = JSON.stringify({ error: { code: ErrorCode.Unauthorized, message: auth.message } });
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: application/json\r\n' +
          `WWW-Authenticate: Bearer\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    const grant = auth.grant;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws, grant, req.socket.remoteAddress ?? 'unknown'));
  };

  private connect(ws: WebSocket, grant: Grant, address: string): void {
    const { core, config, log } = this.o;
    if (!this.perAddress.acquire(address)) {
      // Upgraded first so the peer gets a machine code, then told to come back later (1013).
      core.metrics.protocolErrors.inc({ code: ErrorCode.TooManyConnections });
      const message = `this address already holds ${config.maxConnectionsPerIp} connections`;
      ws.send(JSON.stringify({ type: 'error', code: ErrorCode.TooManyConnections, message }));
      ws.close(CloseCode.TryAgainLater, 'too many connections from this address');
      ws.on('error', () => {});
      return;
    }
    const peer = new WsPeer(ws, {
      grant,
      maxFramesPerSecond: config.maxFramesPerSecond,
      highWaterBytes: config.highWaterBytes,
      maxQueuedForecasts: config.maxQueuedForecasts,
      maxQueuedControl: config.maxQueuedControl,
      ...(this.o.scheduler ? { scheduler: this.o.scheduler } : {}),
      onCoalesced: () => core.metrics.forecastsCoalesced.inc(),
      onForecastSent: () => core.metrics.forecastsSent.inc(),
    });
    this.peers.add(peer);
    core.metrics.connections.set(this.peers.size);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        core.reject(peer, { type: 'error', code: ErrorCode.BadFrame, message: 'binary frames are not supported; send JSON text' });
        return;
      }
      core.receive(peer, data.toString());
    });
    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already closed with 1009 (before any answer could be sent): count it, nothing to send.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        core.reject(peer, { type: 'error', code: ErrorCode.FrameTooLarge, message: err.message }, false);
      } else {
        log.debug({ err, peer: peer.id }, 'websocket error');
      }
    });
    ws.on('close', () => {
      this.perAddress.release(address);
      this.peers.delete(peer);
      peer.outbox.close();
      core.disconnect(peer);
      core.metrics.connections.set(this.peers.size);
    });
  }

  /**
   * Dead peers (no pong for a whole period) are dropped, so their queues and subscriptions are released; peers whose
   * token was revoked meanwhile (by `wxstream tokens revoke`, another process) are closed with 1008, and so are peers
   * let in while the server was open once the database holds a token (they would otherwise keep every right).
   */
  private beat(): void {
    const closedNow = this.tokensRequired();
    for (const p of this.peers) {
      const tokenId = p.grant.tokenId;
      if (tokenId === undefined && closedNow) p.close(CloseCode.PolicyViolation, 'a token is now required; reconnect with one');
      else if (tokenId !== undefined && !this.tokenStillActive(tokenId)) p.close(CloseCode.PolicyViolation, 'token revoked');
      else if (!p.alive) p.ws.terminate();
      else {
        p.alive = false;
        p.ws.ping();
      }
    }
  }

  private tokensRequired(): boolean {
    try {
      return this.o.tokens.any();
    } catch {
      return false; // as below: a busy database drops nobody
    }
  }

  private tokenStillActive(id: string): boolean {
    try {
      return this.o.tokens.active(id);
    } catch {
      return true; // a busy database is no reason to drop producers
    }
  }

  /** Refuse new upgrades and stop the heartbeat (the first step of a shutdown). */
  stop(): void {
    this.stopped = true;
    this.heartbeat.unsubscribe();
  }

  /** Tell every peer the server is going away (1001), wait until all are closed, then release the ws server. */
  async closeSockets(): Promise<void> {
    const socketsClosed = [...this.peers].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.ws.readyState === p.ws.CLOSED) return resolve();
          p.ws.once('close', () => resolve());
          // Give queued acks a moment to leave, then close; a peer that never answers is cut off.
          p.ws.close(CloseCode.GoingAway, 'server shutting down');
          setTimeout(() => p.ws.terminate(), CLOSE_WAIT_MS).unref();
        }),
    );
    await Promise.all(socketsClosed);
    this.wss.close();
  }
}

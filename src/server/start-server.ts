// Starts the whole live service in this process: SQLite store, forecaster, pipeline, HTTP and WebSocket on one
// port. Used by `wxstream serve`, the tests (port 0, temp db), the replay tool and benchmarks.
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { isLoopback, resolveConfig, stationSeasonDays, stationUtcOffsetHours, type ServeConfig } from '../config.js';
import { log as rootLog, type Logger } from '../log.js';
import { SwappableModelHost, type ModelHost } from '../pipeline/model-host.js';
import type { EncodedRound } from '../pipeline/types.js';
import { ErrorCode, STREAM_PATH } from '../protocol/index.js';
import { openStore, type Store } from '../store/index.js';
import { rnnFromStore, type ForecasterFactory } from './default-model.js';
import { authenticate } from './auth.js';
import { ConnectionCounter } from './connection-counter.js';
import { httpHandler } from './http-routes.js';
import { CloseCode } from './peer.js';
import type { Grant } from './auth.js';
import { ForecastService } from './service.js';
import { WsPeer } from './ws-peer.js';
import type { Trainer, TrainerOptions } from '../training/trainer.js';
import { registerTrainingMetrics, startTrainer, watchChampion } from './training.js';

export interface StartServerOptions extends Partial<ServeConfig> {
  /** Builds the forecaster; default: the RNN champion of the database, or a fresh seeded one saved as version 1. */
  forecaster?: ForecasterFactory;
  /** Clock and timers of the pipeline (grace timers, batching, idle release); default asyncScheduler. */
  scheduler?: SchedulerLike;
  /** Ownership predicate for partitioned deployments: readings of other sensors are rejected with not_owner. */
  owns?: (sensor: string) => boolean;
  /** Called after each batched encoder round (e.g. the online trainer counts closed steps). */
  onRound?: (round: EncodedRound) => void;
  /** Online training (see docs/training.md); default off for programmatic servers, on for `wxstream serve`. */
  training?: Partial<TrainerOptions>;
  /** How often to look for a champion changed outside this process (CLI promote/rollback); 0 = never. */
  championPollMs?: number;
  log?: Logger;
}

export interface RunningServer {
  /** ws://host:port/v1/stream */
  readonly url: string;
  /** http://host:port */
  readonly httpUrl: string;
  readonly port: number;
  readonly dbPath: string;
  readonly config: ServeConfig;
  readonly modelHost: ModelHost;
  /** The online trainer, when training is on. */
  readonly trainer?: Trainer;
  readonly store: Store;
  readonly service: ForecastService;
  /** Graceful stop: no new connections, flush and ack pending pushes, snapshot every sensor, close the db. */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 2_000;

/**
 * @example
 *   const server = await startServer({ port: 0, db: '/tmp/wx.db' });
 *   console.log(server.url); // ws://127.0.0.1:40123/v1/stream
 *   await server.close();
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const {
    forecaster: factory = rnnFromStore,
    scheduler = asyncScheduler,
    owns,
    onRound,
    training,
    championPollMs = 0,
    log = rootLog,
    ...rest
  } = options;
  const config = resolveConfig(rest);
  const store = openStore(config.db, { synchronous: config.synchronous, busyTimeoutMs: config.busyTimeoutMs });
  if (!isLoopback(config.host) && !config.insecure && !store.tokens.any()) {
    store.close();
    throw new RangeError(
      `refusing to listen on "${config.host}" (option "host") without any token: anyone could push and read. ` +
        'Add one with `wxstream tokens add`, or pass --insecure (WXSTREAM_INSECURE=1) to run open',
    );
  }
  let release: (() => void) | undefined;
  let service: ForecastService;
  let host: SwappableModelHost;
  let trainer: Trainer | undefined;
  let stopWatch: (() => void) | undefined;
  try {
    store.checkStep(config.stepSeconds * 1000);
    const offset = stationUtcOffsetHours(config);
    const seasonDays = stationSeasonDays(config);
    const station = { ...(offset === undefined ? {} : { stationUtcOffsetHours: offset }), ...(seasonDays === 0 ? {} : { seasonDays }) };
    const choice = await factory({ store, stepSeconds: config.stepSeconds, horizon: config.horizon, log, ...station, backend: config.backend });
    release = () => {
      choice.forecaster.dispose();
      choice.release?.();
    };
    const f = choice.forecaster;
    if (f.stepMs !== config.stepSeconds * 1000 || f.horizon !== config.horizon) {
      throw new RangeError(
        `forecaster "${f.name}" runs step ${f.stepMs / 1000} s / horizon ${f.horizon}, but options "stepSeconds" ` +
          `and "horizon" are ${config.stepSeconds} / ${config.horizon}`,
      );
    }
    host = new SwappableModelHost(choice.version, f, choice.release);
    const wiring = {
      store,
      host,
      log,
      stepMs: config.stepSeconds * 1000,
      maxGapSteps: config.maxGapSteps,
      ...station,
    };
    trainer = await startTrainer(training, wiring);
    if (championPollMs > 0) stopWatch = watchChampion(wiring, championPollMs);
    const t = trainer;
    const rounds = t ? (r: EncodedRound) => (onRound?.(r), t.onSteps(r.steps.length, lastT(r))) : onRound;
    service = new ForecastService({
      config,
      store,
      host,
      scheduler,
      log,
      ...(owns ? { owns } : {}),
      ...(rounds ? { onRound: rounds } : {}),
    });
    if (trainer) registerTrainingMetrics(service.metrics.registry, trainer);
    const restored = service.restore();
    log.info({ ...restored, modelVersion: choice.version, forecaster: f.name }, 'sensor states restored');
  } catch (err) {
    stopWatch?.();
    await trainer?.close();
    release?.();
    store.close();
    throw err;
  }

  const peers = new Set<WsPeer>();
  let stopping = false;
  const perAddress = new ConnectionCounter(config.maxConnectionsPerIp);
  const server: Server = createServer(
    httpHandler({
      service,
      store,
      config,
      log,
      connections: () => peers.size,
      stopping: () => stopping,
      authenticate: (req) => authenticate(req, store.tokens),
    }),
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayloadBytes, perMessageDeflate: false });

  server.on('upgrade', (req, socket: Duplex, head) => {
    // A peer that resets while we answer must not raise an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== STREAM_PATH || stopping) {
      socket.end(stopping ? 'HTTP/1.1 503 Service Unavailable\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    let auth;
    try {
      auth = authenticate(req, store.tokens);
    } catch (err) {
      log.error({ err }, 'token check failed');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!auth.ok) {
      // Before any frame: the client learns it from the status, and the SDK stops retrying on 401.
      service.metrics.protocolErrors.inc({ code: ErrorCode.Unauthorized });
      const body = JSON.stringify({ error: { code: ErrorCode.Unauthorized, message: auth.message } });
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: application/json\r\n' +
          `WWW-Authenticate: Bearer\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    const grant = auth.grant;
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws, grant, req.socket.remoteAddress ?? 'unknown'));
  });

  const connect = (ws: WebSocket, grant: Grant, address: string): void => {
    if (!perAddress.acquire(address)) {
      // Upgraded first so the peer gets a machine code, then told to come back later (1013).
      service.metrics.protocolErrors.inc({ code: ErrorCode.TooManyConnections });
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
      onCoalesced: () => service.metrics.forecastsCoalesced.inc(),
      onForecastSent: () => service.metrics.forecastsSent.inc(),
    });
    peers.add(peer);
    service.metrics.connections.set(peers.size);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        service.reject(peer, { type: 'error', code: ErrorCode.BadFrame, message: 'binary frames are not supported; send JSON text' });
        return;
      }
      service.receive(peer, data.toString());
    });
    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already closed with 1009 (before any answer could be sent): count it, nothing to send.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        service.reject(peer, { type: 'error', code: ErrorCode.FrameTooLarge, message: err.message }, false);
      } else {
        log.debug({ err, peer: peer.id }, 'websocket error');
      }
    });
    ws.on('close', () => {
      perAddress.release(address);
      peers.delete(peer);
      peer.outbox.close();
      service.disconnect(peer);
      service.metrics.connections.set(peers.size);
    });
  };

  // Dead peers (no pong for a whole period) are dropped, so their queues and subscriptions are released; peers whose
  // token was revoked meanwhile (by `wxstream tokens revoke`, another process) are closed with 1008, and so are peers
  // let in while the server was open once the database holds a token (they would otherwise keep every right).
  const heartbeat = setInterval(() => {
    const closedNow = tokensRequired();
    for (const p of peers) {
      const tokenId = p.grant.tokenId;
      if (tokenId === undefined && closedNow) p.close(CloseCode.PolicyViolation, 'a token is now required; reconnect with one');
      else if (tokenId !== undefined && !tokenStillActive(tokenId)) p.close(CloseCode.PolicyViolation, 'token revoked');
      else if (!p.alive) p.ws.terminate();
      else {
        p.alive = false;
        p.ws.ping();
      }
    }
  }, config.heartbeatSeconds * 1000);
  const tokensRequired = (): boolean => {
    try {
      return store.tokens.any();
    } catch {
      return false; // as below: a busy database drops nobody
    }
  };
  const tokenStillActive = (id: string): boolean => {
    try {
      return store.tokens.active(id);
    } catch {
      return true; // a busy database is no reason to drop producers
    }
  };
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopping = true;
      clearInterval(heartbeat);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const snapshots = service.stop();
      const socketsClosed = [...peers].map(
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
      wss.close();
      server.closeAllConnections();
      await serverClosed;
      stopWatch?.();
      await trainer?.close();
      host.dispose();
      store.close();
      log.info({ snapshots }, 'server stopped');
    })());

  return {
    url: `ws://${hostPart}:${port}${STREAM_PATH}`,
    httpUrl: `http://${hostPart}:${port}`,
    port,
    dbPath: store.path,
    config,
    modelHost: host,
    ...(trainer ? { trainer } : {}),
    store,
    service,
    close,
  };
}

function lastT(r: EncodedRound): number {
  let t = -Infinity;
  for (const s of r.steps) if (s.t > t) t = s.t;
  return t;
}

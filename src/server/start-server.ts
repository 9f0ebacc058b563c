// Composition root of the live service in this process: SQLite store, forecaster, pipeline, HTTP routes and the
// WebSocket transport (ws-transport.ts) on one port. Used by `wxstream serve`, the tests, the replay tool and benchmarks.
import { createServer, type Server } from 'node:http';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { isLoopback, resolveConfig, stationSeasonDays, stationUtcOffsetHours, type ServeConfig } from '../config.js';
import { log as rootLog, type Logger } from '../log.js';
import { SwappableModelHost, type ModelHost } from '../pipeline/model-host.js';
import type { EncodedRound } from '../pipeline/types.js';
import { STREAM_PATH } from '../protocol/index.js';
import { openStore, type Store } from '../store/index.js';
import { rnnFromStore, type ForecasterFactory } from './default-model.js';
import { authenticate } from './auth.js';
import { httpHandler } from './http-routes.js';
import { ForecastService } from './service.js';
import { WsTransport } from './ws-transport.js';
import type { Trainer, TrainerOptions } from '../training/trainer.js';
import { SqliteModelRegistry } from '../store/model-registry.js';
import { followChampion } from './champion-follower.js';
import { registerTrainingMetrics, servingBuilder, startTrainer } from './training.js';

export interface StartServerOptions extends Partial<ServeConfig> {
  /** Builds the forecaster; default: the RNN champion of the database, or a fresh seeded one saved as version 1. */
  forecaster?: ForecasterFactory;
  /** Clock and timers of the pipeline (grace timers, batching, idle release); default asyncScheduler. */
  scheduler?: SchedulerLike;
  /** Partitions this node owns at the start (default all); readings of other sensors are rejected with not_owner. */
  ownedPartitions?: Iterable<number>;
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
    ownedPartitions,
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
      scheduler,
      ...station,
    };
    // The champion pointer: this process's trainer moves it by compare-and-set, `wxstream models` from outside
    // (seen by polling); the follower serves each new champion.
    const registry = new SqliteModelRegistry({ models: store.models, scheduler, pollMs: championPollMs });
    trainer = await startTrainer(training, { ...wiring, registry });
    if (trainer || championPollMs > 0) {
      const build = await servingBuilder(wiring);
      const slicedLocal = (training?.mode ?? 'worker') === 'worker';
      stopWatch = followChampion({ registry, host, build, log, slicedLocal });
    }
    const t = trainer;
    const rounds = t ? (r: EncodedRound) => (onRound?.(r), t.onSteps(r.steps.length, lastT(r))) : onRound;
    service = new ForecastService({
      config,
      store,
      host,
      scheduler,
      log,
      ...(ownedPartitions ? { ownedPartitions } : {}),
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

  const transport = new WsTransport({ core: service, tokens: store.tokens, config, log, scheduler });
  const server: Server = createServer(
    httpHandler({
      service,
      store,
      config,
      log,
      connections: () => transport.connections,
      stopping: () => transport.stopping,
      authenticate: (req) => authenticate(req, store.tokens),
    }),
  );
  server.on('upgrade', transport.upgrade);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing is served (a port in use): release what was started, whose timers would keep the process alive.
    transport.stop();
    service.stop();
    stopWatch?.();
    await trainer?.close();
    host.dispose();
    store.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      transport.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const snapshots = service.stop();
      await transport.closeSockets();
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

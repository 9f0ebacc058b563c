// Public surface of the server layer: start an in-process server; the pieces others plug into.
export { type RunningServer, type StartServerOptions } from './start-server.js';
export { startServer } from './single-server.js';
export { DbLockedError } from '../store/db-lock.js';
export { rnnFromStore, rnnFactory, SHIPPED_WEIGHTS, DEFAULT_MODEL_SEED, type ForecasterFactory, type ModelChoice, type ModelContext } from './default-model.js';
export { ForecastService } from './service.js';
export type { Peer } from './peer.js';
export { WsTransport, type TransportCore, type WsTransportOptions } from './ws-transport.js';
export { SwappableModelHost, type ModelHost } from '../pipeline/model-host.js';

// Public surface of the wxstream client SDK (Node and browser): `connect()`, its types and its errors.
import { filter, firstValueFrom, map, race, timer } from 'rxjs';
import { Connection } from './connection.js';
import { resolveEndpoints } from './endpoints.js';
import { ClientError } from './errors.js';
import { createHttpApi } from './http.js';
import { resolveOptions, type ConnectOptions } from './options.js';
import { defaultSocketFactory } from './socket.js';
import { StreamClient } from './stream-client.js';

export type { ConnectOptions } from './options.js';
export type { Ack } from './stream-client.js';
export type { ConnectionState } from './connection.js';
export type { Forecast, ForecastPoint } from './forecast.js';
export type { HttpApi, PageQuery, ReadingsQuery } from './http.js';
export type { ThresholdOptions } from './thresholds.js';
export type { ReadingsPage, Sensor, SensorsPage, Skill, SkillStep, StoredReading } from './http-schemas.js';
export type { SocketFactory, SocketLike } from './socket.js';
export type { ReadingInput } from '../src/protocol/index.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export { backoffDelay, backoffCeiling } from './backoff.js';
export { toForecastMessage } from './forecast.js';
export { resolveEndpoints } from './endpoints.js';

export type WxClient = StreamClient;

/**
 * Connect to a wxstream server; resolves once the first WebSocket is open. Later drops reconnect by
 * themselves (exponential backoff with jitter) and restore subscriptions and unacked pushes.
 *
 * @example
 *   const client = await connect('http://localhost:8080');
 *   await client.push([{ sensor: 'st-1', ts: Date.now(), temp: 21.5 }]);
 *   client.forecasts(['st-1']).subscribe((f) => console.log(f.points[0]));
 * @param url http(s):// or ws(s):// address of the server; a trailing /v1/stream is accepted
 * @param options see ConnectOptions for defaults
 * @throws TypeError/RangeError for bad arguments; ClientError `connect_failed` or `unauthorized`
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<WxClient> {
  const opts = resolveOptions(options);
  const endpoints = resolveEndpoints(url, opts.token);
  const factory = opts.webSocket ?? (await defaultSocketFactory());
  const connection = new Connection({ ...opts, url: endpoints.stream, factory });
  const http = createHttpApi({ base: endpoints.http, token: opts.token, fetch: opts.fetch });
  const client = new StreamClient(connection, http, opts);
  const outcome = firstValueFrom(
    race(
      connection.state$.pipe(
        filter((s) => s === 'open' || s === 'closed'),
        map((s) => (s === 'open' ? 'open' : 'closed')),
      ),
      timer(opts.connectTimeoutMs, opts.scheduler).pipe(map(() => 'timeout' as const)),
    ),
    { defaultValue: 'closed' as const },
  );
  connection.start();
  const result = await outcome;
  if (result === 'open') return client;
  if (client.closeReason?.code === 'unauthorized') throw client.closeReason;
  await client.close();
  throw new ClientError('connect_failed', `could not connect to ${endpoints.stream} within ${opts.connectTimeoutMs} ms`);
}

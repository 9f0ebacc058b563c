// Derives the WebSocket and HTTP addresses of a server from the one URL the caller gives.
import { STREAM_PATH } from '../src/protocol/index.js';

export interface Endpoints {
  /** `ws(s)://host:port/v1/stream[?token=]` */
  stream: string;
  /** `http(s)://host:port` without a trailing slash; HTTP paths are appended to it. */
  http: string;
}

/**
 * @example
 *   resolveEndpoints('http://localhost:8080') // { stream: 'ws://localhost:8080/v1/stream', http: 'http://localhost:8080' }
 *   resolveEndpoints('wss://wx.example/v1/stream', 't0k') // { stream: 'wss://wx.example/v1/stream?token=t0k', http: 'https://wx.example' }
 */
export function resolveEndpoints(url: string, token?: string): Endpoints {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url must be an absolute http(s):// or ws(s):// URL, got ${JSON.stringify(url)}`);
  }
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new TypeError(`url must use http, https, ws or wss, got ${parsed.protocol}`);
  }
  let path = parsed.pathname.replace(/\/+$/, '');
  if (path.endsWith(STREAM_PATH)) path = path.slice(0, -STREAM_PATH.length);
  const http = `${secure ? 'https' : 'http'}://${parsed.host}${path}`;
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  const stream = `${secure ? 'wss' : 'ws'}://${parsed.host}${path}${STREAM_PATH}${query}`;
  return { stream, http };
}

// HTTP endpoints served beside the stream on the same port: health, Prometheus metrics, and read-only views of
// sensors, forecasts, stored readings and live skill. Errors answer {"error":{"code","message"}} with a status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeConfig } from '../config.js';
import type { Logger } from '../log.js';
import { activeBackend } from '../model/backend-name.js';
import {
  ErrorCode,
  SENSOR_ID,
  parseThresholdList,
  parseTimestamp,
  withBelow,
  type HealthResponse,
  type ReadingRow,
  type ReadingsResponse,
  type SensorInfo,
  type SensorsResponse,
} from '../protocol/index.js';
import type { SensorRow, Store } from '../store/index.js';
import type { AuthResult } from './auth.js';
import { dashboardAsset, type Asset } from './dashboard.js';
import type { ForecastService } from './service.js';

export interface HttpContext {
  service: ForecastService;
  store: Store;
  config: ServeConfig;
  log: Logger;
  connections: () => number;
  stopping: () => boolean;
  /** Token check of a request (Authorization: Bearer, or ?token=); default: open. */
  authenticate?: (req: IncomingMessage) => AuthResult;
}

/** Routes anyone may call, token or not: load balancers probe health; the dashboard brings its own token. */
const PUBLIC = /^\/(healthz|dashboard\.js)?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * A dashboard asset: revalidated on every load (`no-cache` with an ETag, so a new server's bundle is picked up at
 * once and an unchanged one costs a 304), gzipped when the client accepts it (the bundle: 302 kB -> 96 kB).
 */
function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag, vary: 'accept-encoding' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
    res.end(asset.gzip);
    return;
  }
  res.writeHead(200, headers);
  res.end(asset.body);
}

function timeParam(q: URLSearchParams, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const ms = parseTimestamp(/^-?\d+$/.test(raw) ? Number(raw) : raw);
  if (ms === undefined) {
    throw new HttpError(400, ErrorCode.BadTimestamp, `"${name}" must be ISO-8601 with a zone or epoch milliseconds`);
  }
  return ms;
}

function intParam(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) {
    throw new HttpError(400, ErrorCode.InvalidField, `"${name}" must be an integer in 1..${max}`);
  }
  return n;
}

export function httpHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { service, store } = ctx;

  const sensorParam = (raw: string): string => {
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, ErrorCode.BadSensor, 'the sensor id in the path is not valid percent-encoding');
    }
    knownSensor(id);
    return id;
  };

  const knownSensor = (id: string): void => {
    if (!SENSOR_ID.test(id) || store.readings.sensor(id) === undefined) {
      throw new HttpError(404, ErrorCode.NotFound, `unknown sensor "${id}"`);
    }
  };

  const sensorInfo = (s: SensorRow): SensorInfo => {
    const last = service.keeper.lastClosed(s.sensor);
    const shift = service.keeper.clockShiftHours(s.sensor);
    return {
      sensor: s.sensor,
      firstTs: iso(s.firstTs),
      lastTs: iso(s.lastTs),
      readings: s.readings,
      late: s.late,
      lastStep: last === undefined ? null : iso(last),
      clockShiftHours: shift ?? null,
    };
  };

  const routes: Array<[RegExp, (m: RegExpMatchArray, q: URLSearchParams, res: ServerResponse) => unknown]> = [
    [
      /^\/healthz$/,
      (_m, _q, res) => {
        const body: HealthResponse = {
          status: ctx.stopping() ? 'stopping' : 'ok',
          uptimeSeconds: Math.round((Date.now() - service.startedAt) / 1000),
          sensors: service.keeper.sensors().length,
          connections: ctx.connections(),
          modelVersion: service.keeper.modelVersion,
          forecaster: service.keeper.forecaster.name,
          backend: activeBackend() ?? null,
        };
        send(res, ctx.stopping() ? 503 : 200, body);
      },
    ],
    [
      /^\/metrics$/,
      async (_m, _q, res) => {
        const r = service.metrics.registry;
        send(res, 200, await r.metrics(), r.contentType);
      },
    ],
    [
      /^\/v1\/models$/,
      (_m, _q, res) => {
        // Lineage and metrics of every version, without weights; `serving` is what this process runs now.
        const models = store.models.list().map((v) => ({ ...v, createdAt: iso(v.createdAt) }));
        send(res, 200, { serving: service.keeper.modelVersion, models });
      },
    ],
    [
      /^\/v1\/sensors$/,
      (_m, q, res) => {
        // Paged in name order: the whole list of a large network (100,000 sensors: 16 MB, 0.4-0.7 s of event loop)
        // must not be one answer.
        const limit = intParam(q, 'limit', DEFAULT_PAGE, MAX_PAGE);
        const cursor = q.get('cursor');
        const rows = store.readings.sensorPage(limit, cursor === null || cursor === '' ? undefined : cursor);
        const body: SensorsResponse = {
          sensors: rows.map(sensorInfo),
          next: rows.length === limit ? rows[rows.length - 1]!.sensor : null,
        };
        send(res, 200, body);
      },
    ],
    [
      /^\/v1\/sensors\/([^/]+)$/,
      (m, _q, res) => {
        const id = sensorParam(m[1]!);
        send(res, 200, sensorInfo(store.readings.sensor(id)!));
      },
    ],
    [
      /^\/v1\/sensors\/([^/]+)\/forecast$/,
      (m, q, res) => {
        const id = sensorParam(m[1]!);
        const thresholds = parseThresholdList(q.get('thresholds') ?? '');
        if (!thresholds.ok) throw new HttpError(400, thresholds.code, thresholds.message);
        const [latest] = service.latestForecasts([id]);
        if (latest === undefined) throw new HttpError(404, ErrorCode.NotFound, `sensor "${id}" has no forecast yet`);
        send(res, 200, thresholds.thresholds.length === 0 ? latest : withBelow(latest, thresholds.thresholds));
      },
    ],
    [
      /^\/v1\/sensors\/([^/]+)\/readings$/,
      (m, q, res) => {
        const id = sensorParam(m[1]!);
        const from = timeParam(q, 'from', 0);
        const to = timeParam(q, 'to', Number.MAX_SAFE_INTEGER);
        if (from > to) throw new HttpError(400, ErrorCode.InvalidField, '"from" is after "to"');
        const limit = intParam(q, 'limit', DEFAULT_PAGE, MAX_PAGE);
        const cursorRaw = q.get('cursor') ?? q.get('after');
        let after: number | undefined;
        if (cursorRaw !== null && cursorRaw !== '') {
          if (!/^\d+$/.test(cursorRaw)) throw new HttpError(400, ErrorCode.InvalidField, '"cursor" is not one this server issued');
          after = Number(cursorRaw);
        }
        const rows = store.readings.range(id, from, to, limit, after);
        const body: ReadingsResponse = {
          sensor: id,
          readings: rows.map((r): ReadingRow => {
            const row: ReadingRow = { ts: iso(r.ts), temp: r.temp };
            if (r.pressure !== undefined) row.pressure = r.pressure;
            if (r.dewpoint !== undefined) row.dewpoint = r.dewpoint;
            if (r.wind !== undefined) row.wind = r.wind;
            return row;
          }),
          next: rows.length === limit ? String(rows[rows.length - 1]!.ts) : null,
        };
        send(res, 200, body);
      },
    ],
    [
      /^\/v1\/sensors\/([^/]+)\/skill$/,
      (m, _q, res) => {
        const id = sensorParam(m[1]!);
        send(res, 200, service.skill.report(id));
      },
    ],
  ];

  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new HttpError(405, 'method_not_allowed', `${req.method} is not supported; the HTTP API is read-only`);
        }
        if (ctx.authenticate && !PUBLIC.test(url.pathname)) {
          const auth = ctx.authenticate(req);
          if (!auth.ok) throw new HttpError(401, ErrorCode.Unauthorized, auth.message);
          if (!auth.grant.read) throw new HttpError(403, ErrorCode.Forbidden, 'this token has no read right');
        }
        for (const [re, handle] of routes) {
          const m = url.pathname.match(re);
          if (m) return await handle(m, url.searchParams, res);
        }
        const asset = await dashboardAsset(url.pathname);
        if (asset) return sendAsset(req, res, asset);
        throw new HttpError(404, ErrorCode.NotFound, `no route for ${url.pathname}`);
      } catch (err) {
        if (err instanceof HttpError) {
          send(res, err.status, { error: { code: err.code, message: err.message } });
        } else {
          ctx.log.error({ err, path: url.pathname }, 'HTTP handler failed');
          if (!res.headersSent) send(res, 500, { error: { code: ErrorCode.Internal, message: 'internal error' } });
          else res.destroy();
        }
      }
    })();
  };
}


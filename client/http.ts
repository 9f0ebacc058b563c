// The HTTP read side of the server (sensor list, stored readings, latest forecast, rolling skill),
// parsed at the edge into typed values.
import type { z } from 'zod';
import { ClientError } from './errors.js';
import { toForecast, type Forecast } from './forecast.js';
import {
  LatestForecastResponse,
  ReadingsResponse,
  SensorResponse,
  SensorsResponse,
  SkillResponse,
  type ReadingsPage,
  type Sensor,
  type SensorsPage,
  type Skill,
} from './http-schemas.js';
import { checkThresholds, type ThresholdOptions } from './thresholds.js';

export interface ReadingsQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, inclusive. */
  to?: number;
  limit?: number;
  /** A previous page's `next`. */
  cursor?: string;
}

export interface PageQuery {
  /** Rows per page (server default 1000, at most 10,000). */
  limit?: number;
  /** A previous page's `next`. */
  cursor?: string;
}

export interface HttpApi {
  /** Every sensor the server stores, in name order (all pages; a large network is several requests). */
  sensors(): Promise<Sensor[]>;
  /** One page of the sensor list; follow `next` for more. */
  sensorsPage(query?: PageQuery): Promise<SensorsPage>;
  /** One sensor, or undefined when the server does not know it (404). */
  sensor(sensor: string): Promise<Sensor | undefined>;
  /** One page of stored readings, oldest first; follow `next` for more. */
  readings(sensor: string, query?: ReadingsQuery): Promise<ReadingsPage>;
  /** Latest forecast, or undefined when the server has none for the sensor (404). */
  latest(sensor: string, options?: ThresholdOptions): Promise<Forecast | undefined>;
  /** Rolling per-step MAE and p10-p90 coverage of the live forecasts. */
  skill(sensor: string): Promise<Skill>;
}

export interface HttpApiOptions {
  /** `http(s)://host:port`, no trailing slash. */
  base: string;
  token?: string;
  fetch?: typeof fetch;
}

export function createHttpApi(options: HttpApiOptions): HttpApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    let response: Response;
    try {
      response = await doFetch(`${options.base}${path}`, { headers });
    } catch (cause) {
      throw new ClientError('http_error', `GET ${path} failed: ${(cause as Error).message}`, { cause });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw statusError(path, response.status, body);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ClientError('bad_message', `GET ${path}: unexpected response: ${parsed.error.message}`);
    return parsed.data;
  }

  const sensorPath = (sensor: string) => `/v1/sensors/${encodeURIComponent(sensor)}`;

  const sensorsPage = (query: PageQuery = {}): Promise<SensorsPage> => {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const qs = params.toString();
    return get(`/v1/sensors${qs === '' ? '' : `?${qs}`}`, SensorsResponse);
  };

  return {
    sensorsPage,

    async sensors() {
      const all: Sensor[] = [];
      let cursor: string | undefined;
      do {
        const page = await sensorsPage(cursor === undefined ? {} : { cursor });
        all.push(...page.sensors);
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      return all;
    },

    async sensor(sensor) {
      try {
        return await get(sensorPath(sensor), SensorResponse);
      } catch (error) {
        if (error instanceof ClientError && error.code === 'not_found') return undefined;
        throw error;
      }
    },

    readings(sensor, query = {}) {
      const params = new URLSearchParams();
      // Times go as ISO-8601, the form the server answers in.
      if (query.from !== undefined) params.set('from', new Date(query.from).toISOString());
      if (query.to !== undefined) params.set('to', new Date(query.to).toISOString());
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.cursor !== undefined) params.set('cursor', query.cursor);
      const qs = params.toString();
      return get(`${sensorPath(sensor)}/readings${qs === '' ? '' : `?${qs}`}`, ReadingsResponse);
    },

    async latest(sensor, options = {}) {
      const thresholds = checkThresholds(options.thresholds);
      const qs = thresholds.length === 0 ? '' : `?thresholds=${thresholds.join(',')}`;
      try {
        return toForecast(await get(`${sensorPath(sensor)}/forecast${qs}`, LatestForecastResponse));
      } catch (error) {
        if (error instanceof ClientError && error.code === 'not_found') return undefined;
        throw error;
      }
    },

    skill: (sensor) => get(`${sensorPath(sensor)}/skill`, SkillResponse),
  };
}

function statusError(path: string, status: number, body: unknown): ClientError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const nested = typeof fields.error === 'object' && fields.error !== null ? (fields.error as Record<string, unknown>) : fields;
  const serverCode = typeof nested.code === 'string' ? nested.code : undefined;
  const detail = typeof nested.message === 'string' ? `: ${nested.message}` : '';
  const options = serverCode === undefined ? {} : { serverCode };
  if (status === 404) return new ClientError('not_found', `GET ${path}: not found${detail}`, options);
  if (status === 401) return new ClientError('unauthorized', `GET ${path}: unauthorized${detail}`, options);
  return new ClientError('http_error', `GET ${path}: HTTP ${status}${detail}`, options);
}
